//! The kernel connection: one generic-netlink socket and one `IPVS` family
//! lookup per `Ipvs` value, with one method per IPVS command.
//!
//! Two layers. `Transport` moves request bodies (from `wire::Request`) and
//! reply bodies; it has exactly two calls, "do with ack" and "dump", so the
//! methods of `Ipvs` — which only pick a request and decode the replies —
//! can be tested with a fake. `NetlinkTransport` is the real one: a plain
//! `neli` socket handle with our own send/receive loop rather than
//! `NlRouter`, which would spawn a thread for what is a short-lived CLI's
//! strictly sequential traffic. Every message gets its own sequence number
//! and replies are matched by it, so a later batched sender (many requests
//! per `sendmsg`, acks matched by sequence) can sit beside these two calls.

use std::io;

use neli::{
    ToBytes,
    consts::{
        genl::{CtrlAttr, CtrlCmd},
        nl::{GenlId, NlmF, Nlmsg},
        socket::NlFamily,
    },
    err::SocketError,
    genl::{AttrTypeBuilder, GenlmsghdrBuilder, NlattrBuilder},
    nl::{NlPayload, NlmsghdrBuilder},
    socket::synchronous::NlSocketHandle,
    types::{Buffer, GenlBuffer},
    utils::Groups,
};

use crate::model::{Daemon, Destination, Info, Service, ServiceKey, Timeouts};
use crate::wire::{self, Request};

/// Why a kernel operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `IPVS` generic-netlink family is not registered (no ip_vs module).
    #[error("IPVS generic netlink family not found")]
    FamilyNotFound,
    /// The kernel answered with an error; the value is the positive errno.
    #[error("kernel error {0}")]
    Kernel(i32),
    /// A socket-level failure.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// A reply we could not decode.
    #[error("malformed reply: {0}")]
    Malformed(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Moves IPVS request bodies to the kernel and reply bodies back. Bodies
/// are generic-netlink payloads: the 4-byte genl header and attributes.
pub trait Transport {
    /// Sends `req` with `NLM_F_REQUEST | NLM_F_ACK` and waits for its ack;
    /// returns the bodies of any replies that came before it (GET_INFO,
    /// GET_CONFIG and GET_SERVICE answer that way). A kernel error reply
    /// becomes `Error::Kernel(errno)`.
    fn request(&mut self, req: &Request) -> Result<Vec<Vec<u8>>>;

    /// Sends `req` as a dump and returns every reply body, in kernel order,
    /// up to `NLMSG_DONE`.
    fn dump(&mut self, req: &Request) -> Result<Vec<Vec<u8>>>;
}

/// The real transport: one netlink socket and the resolved family id.
pub struct NetlinkTransport {
    sock: NlSocketHandle,
    family: u16,
    seq: u32,
}

/// `CTRL_ATTR_FAMILY_ID` in a CTRL_CMD_NEWFAMILY reply.
const CTRL_ATTR_FAMILY_ID: u16 = 1;

fn socket_error(e: SocketError) -> Error {
    match e {
        SocketError::Io(io) => Error::Io(match io.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(io.kind(), io.to_string()),
        }),
        other => Error::Malformed(other.to_string()),
    }
}

impl NetlinkTransport {
    /// Opens the socket and resolves the `IPVS` family. Resolving asks
    /// nlctrl, which also makes the kernel try to autoload ip_vs.
    pub fn connect() -> Result<NetlinkTransport> {
        let sock = NlSocketHandle::connect(NlFamily::Generic, None, Groups::empty())
            .map_err(socket_error)?;
        let mut t = NetlinkTransport {
            sock,
            family: 0,
            seq: 0,
        };
        t.family = t.resolve_family(wire::FAMILY_NAME)?;
        Ok(t)
    }

    /// The generic-netlink id of the IPVS family.
    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn resolve_family(&mut self, name: &str) -> Result<u16> {
        let genl = GenlmsghdrBuilder::<CtrlCmd, CtrlAttr>::default()
            .cmd(CtrlCmd::Getfamily)
            .version(2)
            .attrs(
                std::iter::once(
                    NlattrBuilder::default()
                        .nla_type(
                            AttrTypeBuilder::default()
                                .nla_type(CtrlAttr::FamilyName)
                                .build()
                                .map_err(|e| Error::Malformed(e.to_string()))?,
                        )
                        .nla_payload(name)
                        .build()
                        .map_err(|e| Error::Malformed(e.to_string()))?,
                )
                .collect::<GenlBuffer<_, _>>(),
            )
            .build()
            .map_err(|e| Error::Malformed(e.to_string()))?;
        let mut body = io::Cursor::new(Vec::new());
        genl.to_bytes(&mut body)
            .map_err(|e| Error::Malformed(e.to_string()))?;
        let seq = self.send(
            GenlId::Ctrl.into(),
            NlmF::REQUEST | NlmF::ACK,
            body.into_inner(),
        )?;
        let replies = match self.collect(seq) {
            // nlctrl answers ENOENT for a family it does not know.
            Err(Error::Kernel(libc::ENOENT)) => return Err(Error::FamilyNotFound),
            other => other?,
        };
        for body in &replies {
            let reply = wire::Reply::parse(body)?;
            for a in wire::attrs(reply.attrs) {
                let a = a?;
                if a.kind == CTRL_ATTR_FAMILY_ID {
                    return a.u16();
                }
            }
        }
        Err(Error::FamilyNotFound)
    }

    /// Sends one message and returns its sequence number.
    fn send(&mut self, nl_type: u16, flags: NlmF, body: Vec<u8>) -> Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let msg = NlmsghdrBuilder::default()
            .nl_type(nl_type)
            .nl_flags(flags)
            .nl_seq(self.seq)
            .nl_payload(NlPayload::Payload(Buffer::from(body)))
            .build()
            .map_err(|e| Error::Malformed(e.to_string()))?;
        self.sock.send(&msg).map_err(socket_error)?;
        Ok(self.seq)
    }

    /// Reads replies to message `seq` until its ack (a "do") or
    /// `NLMSG_DONE` (a dump). Messages for other sequence numbers are left
    /// over from an earlier request that failed half-way; they are skipped.
    fn collect(&mut self, seq: u32) -> Result<Vec<Vec<u8>>> {
        let mut bodies = Vec::new();
        loop {
            let (msgs, _) = self.sock.recv::<u16, Buffer>().map_err(socket_error)?;
            for msg in msgs {
                let msg = msg.map_err(socket_error)?;
                if *msg.nl_seq() != seq {
                    continue;
                }
                let kind = *msg.nl_type();
                match msg.nl_payload() {
                    NlPayload::Err(e) => return Err(Error::Kernel(e.error().wrapping_neg())),
                    NlPayload::Ack(_) => return Ok(bodies),
                    NlPayload::DumpExtAck(e) if *e.error() != 0 => {
                        return Err(Error::Kernel(e.error().wrapping_neg()));
                    }
                    _ if kind == u16::from(Nlmsg::Done) => return Ok(bodies),
                    NlPayload::Payload(p) if kind != u16::from(Nlmsg::Noop) => {
                        bodies.push(p.as_ref().to_vec());
                    }
                    _ => {}
                }
            }
            // Neither the ack nor NLMSG_DONE yet: a dump spans datagrams.
        }
    }
}

impl Transport for NetlinkTransport {
    fn request(&mut self, req: &Request) -> Result<Vec<Vec<u8>>> {
        let seq = self.send(self.family, NlmF::REQUEST | NlmF::ACK, req.encode())?;
        self.collect(seq)
    }

    fn dump(&mut self, req: &Request) -> Result<Vec<Vec<u8>>> {
        // ipvsadm also sets ACK on dumps; the kernel sends no ack after a
        // successful dump, only an error reply if the dump cannot start.
        let seq = self.send(
            self.family,
            NlmF::REQUEST | NlmF::ACK | NlmF::DUMP,
            req.encode(),
        )?;
        self.collect(seq)
    }
}

/// A connection to the kernel's IPVS.
pub struct Ipvs {
    transport: Box<dyn Transport>,
}

impl Ipvs {
    /// Opens one socket and resolves the family once; every method reuses
    /// both. Without ip_vs: `Error::FamilyNotFound`.
    pub fn connect() -> Result<Ipvs> {
        Ok(Ipvs::with_transport(Box::new(NetlinkTransport::connect()?)))
    }

    /// An `Ipvs` over any transport (tests use a fake one).
    pub fn with_transport(transport: Box<dyn Transport>) -> Ipvs {
        Ipvs { transport }
    }

    /// A "do" whose replies we do not need.
    fn act(&mut self, req: Request) -> Result<()> {
        self.transport.request(&req).map(drop)
    }

    /// A "do" that must answer with exactly one reply before its ack.
    fn ask<T>(&mut self, req: Request, decode: impl Fn(&[u8]) -> Result<T>) -> Result<T> {
        let replies = self.transport.request(&req)?;
        match replies.as_slice() {
            [one] => decode(one),
            other => Err(Error::Malformed(format!(
                "{:?}: {} replies, expected 1",
                req.cmd,
                other.len()
            ))),
        }
    }

    /// GET_INFO: IPVS version and connection table size.
    pub fn info(&mut self) -> Result<Info> {
        self.ask(Request::get_info(), wire::decode_info_reply)
    }

    /// NEW_SERVICE.
    pub fn add_service(&mut self, svc: &Service) -> Result<()> {
        self.act(Request::new_service(svc))
    }

    /// SET_SERVICE: replaces scheduler, flags, timeout, netmask and PE.
    pub fn edit_service(&mut self, svc: &Service) -> Result<()> {
        self.act(Request::set_service(svc))
    }

    /// DEL_SERVICE.
    pub fn delete_service(&mut self, key: &ServiceKey) -> Result<()> {
        self.act(Request::del_service(key))
    }

    /// FLUSH: removes every service (and so every destination).
    pub fn flush(&mut self) -> Result<()> {
        self.act(Request::flush())
    }

    /// GET_SERVICE dump, in kernel order.
    pub fn services(&mut self) -> Result<Vec<Service>> {
        self.transport
            .dump(&Request::get_services())?
            .iter()
            .map(|b| wire::decode_service_reply(b))
            .collect()
    }

    /// GET_SERVICE for one service; `Kernel(ESRCH)` when it does not exist.
    pub fn service(&mut self, key: &ServiceKey) -> Result<Service> {
        self.ask(Request::get_service(key), wire::decode_service_reply)
    }

    /// GET_DEST dump, in kernel order (newest first). An unknown service
    /// gives an empty list, not an error.
    pub fn destinations(&mut self, key: &ServiceKey) -> Result<Vec<Destination>> {
        let family = key.family();
        self.transport
            .dump(&Request::get_dests(key))?
            .iter()
            .map(|b| wire::decode_dest_reply(b, family))
            .collect()
    }

    /// NEW_DEST.
    pub fn add_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Request::new_dest(svc, dest))
    }

    /// SET_DEST: replaces forwarding, weight, thresholds and tunnel.
    pub fn edit_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Request::set_dest(svc, dest))
    }

    /// DEL_DEST (only address and port matter).
    pub fn delete_destination(&mut self, svc: &ServiceKey, dest: &Destination) -> Result<()> {
        self.act(Request::del_dest(svc, dest))
    }

    /// ZERO: one service's counters, or all with `None`.
    pub fn zero(&mut self, key: Option<&ServiceKey>) -> Result<()> {
        self.act(Request::zero(key))
    }

    /// GET_CONFIG: the tcp / tcpfin / udp timeouts.
    pub fn timeouts(&mut self) -> Result<Timeouts> {
        self.ask(Request::get_config(), wire::decode_timeouts_reply)
    }

    /// SET_CONFIG; a 0 field leaves that timeout unchanged.
    pub fn set_timeouts(&mut self, t: &Timeouts) -> Result<()> {
        self.act(Request::set_config(t))
    }

    /// GET_DAEMON dump: the running sync daemons, master first.
    pub fn daemons(&mut self) -> Result<Vec<Daemon>> {
        self.transport
            .dump(&Request::get_daemons())?
            .iter()
            .map(|b| wire::decode_daemon_reply(b))
            .collect()
    }

    /// NEW_DAEMON.
    pub fn start_daemon(&mut self, d: &Daemon) -> Result<()> {
        self.act(Request::new_daemon(d))
    }

    /// DEL_DAEMON: only `state` (and `syncid`, sent like ipvsadm) matter.
    pub fn stop_daemon(&mut self, d: &Daemon) -> Result<()> {
        self.act(Request::del_daemon(d))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::net::{IpAddr, Ipv4Addr};
    use std::rc::Rc;

    use super::*;
    use crate::model::{DaemonState, Protocol};
    use crate::wire::{AttrWriter, Cmd, CmdAttr, DaemonAttr, InfoAttr};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Call {
        Do,
        Dump,
    }

    /// Records every request and answers from a script.
    #[derive(Default)]
    struct Fake {
        sent: Vec<(Call, Request)>,
        answers: VecDeque<Result<Vec<Vec<u8>>>>,
    }

    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Fake>>);

    impl Shared {
        fn answer(&self, a: Result<Vec<Vec<u8>>>) -> &Self {
            self.0.borrow_mut().answers.push_back(a);
            self
        }
        fn sent(&self) -> Vec<(Call, Request)> {
            self.0.borrow().sent.clone()
        }
        fn next(&self, call: Call, req: &Request) -> Result<Vec<Vec<u8>>> {
            let mut f = self.0.borrow_mut();
            f.sent.push((call, req.clone()));
            f.answers.pop_front().unwrap_or(Ok(Vec::new()))
        }
    }

    impl Transport for Shared {
        fn request(&mut self, req: &Request) -> Result<Vec<Vec<u8>>> {
            self.next(Call::Do, req)
        }
        fn dump(&mut self, req: &Request) -> Result<Vec<Vec<u8>>> {
            self.next(Call::Dump, req)
        }
    }

    fn ipvs() -> (Ipvs, Shared) {
        let s = Shared::default();
        (Ipvs::with_transport(Box::new(s.clone())), s)
    }

    fn body(cmd: Cmd, fill: impl FnOnce(&mut AttrWriter)) -> Vec<u8> {
        let mut w = AttrWriter::new();
        fill(&mut w);
        Request {
            cmd,
            attrs: w.into_bytes(),
        }
        .encode()
    }

    fn key() -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            port: 80,
        }
    }

    #[test]
    fn change_requests_are_dos_with_the_right_command() {
        let (mut ipvs, fake) = ipvs();
        let svc = Service::new(key());
        let d = Destination::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 80);
        let daemon = Daemon {
            state: DaemonState::Master,
            mcast_ifn: "lo".into(),
            syncid: 1,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        };
        ipvs.add_service(&svc).unwrap();
        ipvs.edit_service(&svc).unwrap();
        ipvs.delete_service(&key()).unwrap();
        ipvs.flush().unwrap();
        ipvs.add_destination(&key(), &d).unwrap();
        ipvs.edit_destination(&key(), &d).unwrap();
        ipvs.delete_destination(&key(), &d).unwrap();
        ipvs.zero(None).unwrap();
        ipvs.zero(Some(&key())).unwrap();
        ipvs.set_timeouts(&Timeouts::default()).unwrap();
        ipvs.start_daemon(&daemon).unwrap();
        ipvs.stop_daemon(&daemon).unwrap();
        let cmds: Vec<(Call, Cmd)> = fake.sent().into_iter().map(|(c, r)| (c, r.cmd)).collect();
        use Call::Do;
        assert_eq!(
            cmds,
            vec![
                (Do, Cmd::NewService),
                (Do, Cmd::SetService),
                (Do, Cmd::DelService),
                (Do, Cmd::Flush),
                (Do, Cmd::NewDest),
                (Do, Cmd::SetDest),
                (Do, Cmd::DelDest),
                (Do, Cmd::Zero),
                (Do, Cmd::Zero),
                (Do, Cmd::SetConfig),
                (Do, Cmd::NewDaemon),
                (Do, Cmd::DelDaemon),
            ]
        );
        assert_eq!(fake.sent()[1].1, Request::set_service(&svc));
        assert!(fake.sent()[7].1.attrs.is_empty());
    }

    #[test]
    fn kernel_errors_pass_through() {
        let (mut ipvs, fake) = ipvs();
        fake.answer(Err(Error::Kernel(libc::EEXIST)));
        assert!(matches!(
            ipvs.add_service(&Service::new(key())),
            Err(Error::Kernel(libc::EEXIST))
        ));
        fake.answer(Err(Error::Kernel(libc::ESRCH)));
        assert!(matches!(
            ipvs.service(&key()),
            Err(Error::Kernel(libc::ESRCH))
        ));
    }

    #[test]
    fn info_and_timeouts_decode_their_single_reply() {
        let (mut ipvs, fake) = ipvs();
        fake.answer(Ok(vec![body(Cmd::SetInfo, |w| {
            w.u32(InfoAttr::Version, 0x010201)
                .u32(InfoAttr::ConnTabSize, 4096);
        })]))
        .answer(Ok(vec![body(Cmd::SetConfig, |w| {
            w.u32(CmdAttr::TimeoutTcp, 900)
                .u32(CmdAttr::TimeoutTcpFin, 120)
                .u32(CmdAttr::TimeoutUdp, 300);
        })]))
        .answer(Ok(vec![]));
        assert_eq!(
            ipvs.info().unwrap(),
            Info {
                version: 0x010201,
                conn_tab_size: 4096
            }
        );
        assert_eq!(
            ipvs.timeouts().unwrap(),
            Timeouts {
                tcp: 900,
                tcp_fin: 120,
                udp: 300
            }
        );
        // An ack without the reply is malformed, not a panic.
        assert!(matches!(ipvs.info(), Err(Error::Malformed(_))));
        let sent = fake.sent();
        assert_eq!(sent[0], (Call::Do, Request::get_info()));
        assert_eq!(sent[1], (Call::Do, Request::get_config()));
    }

    #[test]
    fn dumps_decode_every_reply_in_order() {
        let (mut ipvs, fake) = ipvs();
        let a = Service::new(key());
        let b = Service::new(ServiceKey::Fwmark {
            mark: 9,
            family: crate::model::Family::Inet6,
        });
        let svc_body = |s: &Service| {
            body(Cmd::NewService, |w| {
                w.nest(CmdAttr::Service, |n| crate::wire::encode_service(n, s));
            })
        };
        fake.answer(Ok(vec![svc_body(&a), svc_body(&b)]));
        let got = ipvs.services().unwrap();
        assert_eq!(got, vec![a.clone(), b.clone()]);
        assert_eq!(fake.sent()[0], (Call::Dump, Request::get_services()));

        let d = Destination::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)), 8080);
        fake.answer(Ok(vec![body(Cmd::NewDest, |w| {
            w.nest(CmdAttr::Dest, |n| crate::wire::encode_dest(n, &d));
        })]));
        assert_eq!(ipvs.destinations(&key()).unwrap(), vec![d]);
        assert_eq!(fake.sent()[1], (Call::Dump, Request::get_dests(&key())));

        fake.answer(Ok(vec![body(Cmd::NewDaemon, |w| {
            w.nest(CmdAttr::Daemon, |n| {
                n.u32(DaemonAttr::State, 2)
                    .cstr(DaemonAttr::McastIfn, "eth0")
                    .u32(DaemonAttr::SyncId, 0);
            });
        })]));
        let daemons = ipvs.daemons().unwrap();
        assert_eq!(daemons.len(), 1);
        assert_eq!(daemons[0].state, DaemonState::Backup);

        // One bad reply spoils the dump with Malformed.
        fake.answer(Ok(vec![svc_body(&a), vec![1, 1, 0, 0, 3, 0]]));
        assert!(matches!(ipvs.services(), Err(Error::Malformed(_))));
    }
}
