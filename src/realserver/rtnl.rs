//! Links, addresses and route lookups over rtnetlink, with neli's `rtnl`
//! message types.
//!
//! Requests are built with neli's builders (`Ifinfomsg`, `Ifaddrmsg`,
//! `Rtmsg`) and go through neli's synchronous socket handle: one send,
//! then receives until the ack or `NLMSG_DONE` (no `NlRouter` thread for
//! a short-lived command). Reply bodies are kept as raw bytes and then
//! decoded with neli's types. Every request carries `NLM_F_ACK`, so
//! success is an ack and failure an errno.

use std::io::Cursor;
use std::net::IpAddr;

use neli::{
    FromBytesWithInput,
    consts::{
        nl::{NlmF, Nlmsg},
        rtnl::{Ifa, IfaF, Iff, Ifla, RtAddrFamily, RtScope, RtTable, Rta, Rtm, Rtn, Rtprot},
        socket::NlFamily,
    },
    err::SocketError,
    nl::{NlPayload, NlmsghdrBuilder},
    rtnl::{Ifaddrmsg, IfaddrmsgBuilder, Ifinfomsg, IfinfomsgBuilder, Rtmsg, RtmsgBuilder},
    rtnl::{Rtattr, RtattrBuilder},
    socket::synchronous::NlSocketHandle,
    types::{Buffer, RtBuffer},
    utils::Groups,
};

use super::{Address, Error, Link, Result};

/// An rtnetlink socket.
pub struct Rtnl {
    sock: NlSocketHandle,
    seq: u32,
}

/// What a route lookup (`ip route get`) answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// Outgoing interface index.
    pub oif: Option<u32>,
    /// Next hop, when the destination is not directly connected.
    pub gateway: Option<IpAddr>,
    /// The destination is one of this host's own addresses.
    pub local: bool,
}

fn sock_err(what: &str, e: SocketError) -> Error {
    match e {
        SocketError::Io(io) => Error::Netlink {
            what: what.to_string(),
            errno: io.raw_os_error().unwrap_or(libc::EIO),
        },
        other => Error::Malformed(format!("{what}: {other}")),
    }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Malformed(format!("{what}: {e}"))
}

fn family(addr: &IpAddr) -> RtAddrFamily {
    match addr {
        IpAddr::V4(_) => RtAddrFamily::Inet,
        IpAddr::V6(_) => RtAddrFamily::Inet6,
    }
}

fn addr_bytes(addr: &IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn bytes_addr(b: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        Some(IpAddr::from(v4))
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        Some(IpAddr::from(v6))
    } else {
        None
    }
}

fn attr<T: neli::consts::rtnl::RtaType>(kind: T, payload: Vec<u8>) -> Result<Rtattr<T, Buffer>> {
    RtattrBuilder::default()
        .rta_type(kind)
        .rta_payload(Buffer::from(payload))
        .build()
        .map_err(|e| malformed("rtattr", e))
}

impl Rtnl {
    pub fn connect() -> Result<Rtnl> {
        let sock = NlSocketHandle::connect(NlFamily::Route, None, Groups::empty())
            .map_err(|e| sock_err("rtnetlink socket", e))?;
        Ok(Rtnl { sock, seq: 0 })
    }

    /// Sends one request and collects the bodies of its replies, until the
    /// ack (a "do") or `NLMSG_DONE` (a dump).
    fn exchange<P>(
        &mut self,
        what: &str,
        kind: Rtm,
        flags: NlmF,
        payload: P,
    ) -> Result<Vec<Vec<u8>>>
    where
        P: neli::Size + neli::ToBytes + std::fmt::Debug,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let msg = NlmsghdrBuilder::default()
            .nl_type(kind)
            .nl_flags(NlmF::REQUEST | NlmF::ACK | flags)
            .nl_seq(seq)
            .nl_payload(NlPayload::Payload(payload))
            .build()
            .map_err(|e| malformed(what, e))?;
        self.sock.send(&msg).map_err(|e| sock_err(what, e))?;
        let mut bodies = Vec::new();
        loop {
            let (msgs, _) = self
                .sock
                .recv::<u16, Buffer>()
                .map_err(|e| sock_err(what, e))?;
            for msg in msgs {
                let msg = msg.map_err(|e| sock_err(what, e))?;
                if *msg.nl_seq() != seq {
                    continue;
                }
                let kind = *msg.nl_type();
                match msg.nl_payload() {
                    NlPayload::Err(e) => {
                        return Err(Error::Netlink {
                            what: what.to_string(),
                            errno: e.error().wrapping_neg(),
                        });
                    }
                    NlPayload::Ack(_) => return Ok(bodies),
                    NlPayload::DumpExtAck(e) if *e.error() != 0 => {
                        return Err(Error::Netlink {
                            what: what.to_string(),
                            errno: e.error().wrapping_neg(),
                        });
                    }
                    _ if kind == u16::from(Nlmsg::Done) => return Ok(bodies),
                    NlPayload::Payload(p) if kind != u16::from(Nlmsg::Noop) => {
                        bodies.push(p.as_ref().to_vec());
                    }
                    _ => {}
                }
            }
        }
    }

    /// Every link: index, name, up or not, MTU.
    pub fn links(&mut self) -> Result<Vec<Link>> {
        let req = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .build()
            .map_err(|e| malformed("link dump", e))?;
        let bodies = self.exchange("link dump", Rtm::Getlink, NlmF::DUMP, req)?;
        let mut links = Vec::new();
        for body in bodies {
            let msg = Ifinfomsg::from_bytes_with_input(&mut Cursor::new(&body), body.len())
                .map_err(|e| malformed("link dump", e))?;
            let mut name = None;
            let mut mtu = None;
            for a in msg.rtattrs().iter() {
                let p = a.rta_payload().as_ref();
                match a.rta_type() {
                    Ifla::Ifname => {
                        let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
                        name = Some(String::from_utf8_lossy(&p[..end]).into_owned());
                    }
                    Ifla::Mtu => {
                        if let Ok(b) = <[u8; 4]>::try_from(p) {
                            mtu = Some(u32::from_ne_bytes(b));
                        }
                    }
                    _ => {}
                }
            }
            if let Some(name) = name {
                links.push(Link {
                    index: u32::try_from(*msg.ifi_index()).unwrap_or(0),
                    name,
                    up: msg.ifi_flags().contains(Iff::UP),
                    mtu,
                });
            }
        }
        Ok(links)
    }

    /// Every address of both families, with the interface index.
    pub fn addresses(&mut self) -> Result<Vec<Address>> {
        let req = IfaddrmsgBuilder::default()
            .ifa_family(RtAddrFamily::Unspecified)
            .ifa_prefixlen(0)
            .ifa_scope(RtScope::Universe)
            .ifa_index(0)
            .build()
            .map_err(|e| malformed("address dump", e))?;
        let bodies = self.exchange("address dump", Rtm::Getaddr, NlmF::DUMP, req)?;
        let mut addrs = Vec::new();
        for body in bodies {
            let msg = Ifaddrmsg::from_bytes_with_input(&mut Cursor::new(&body), body.len())
                .map_err(|e| malformed("address dump", e))?;
            // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on
            // point-to-point links and the same address elsewhere (IPv6
            // sends only IFA_ADDRESS).
            let mut local = None;
            let mut address = None;
            for a in msg.rtattrs().iter() {
                match a.rta_type() {
                    Ifa::Local => local = bytes_addr(a.rta_payload().as_ref()),
                    Ifa::Address => address = bytes_addr(a.rta_payload().as_ref()),
                    _ => {}
                }
            }
            if let Some(addr) = local.or(address) {
                addrs.push(Address {
                    ifindex: *msg.ifa_index(),
                    addr,
                    prefix: *msg.ifa_prefixlen(),
                });
            }
        }
        Ok(addrs)
    }

    fn addr_msg(
        &self,
        what: &str,
        ifindex: u32,
        addr: &IpAddr,
        prefix: u8,
        nodad: bool,
    ) -> Result<Ifaddrmsg> {
        let mut attrs = RtBuffer::new();
        attrs.push(attr(Ifa::Local, addr_bytes(addr))?);
        attrs.push(attr(Ifa::Address, addr_bytes(addr))?);
        IfaddrmsgBuilder::default()
            .ifa_family(family(addr))
            .ifa_prefixlen(prefix)
            .ifa_flags(if nodad { IfaF::NODAD } else { IfaF::empty() })
            .ifa_scope(RtScope::Universe)
            .ifa_index(ifindex)
            .rtattrs(attrs)
            .build()
            .map_err(|e| malformed(what, e))
    }

    /// `ip addr add ADDR/PREFIX dev IFINDEX [nodad]`; EEXIST if present.
    pub fn add_address(
        &mut self,
        ifindex: u32,
        addr: &IpAddr,
        prefix: u8,
        nodad: bool,
    ) -> Result<()> {
        let what = format!("adding {addr}/{prefix}");
        let msg = self.addr_msg(&what, ifindex, addr, prefix, nodad)?;
        self.exchange(&what, Rtm::Newaddr, NlmF::CREATE | NlmF::EXCL, msg)
            .map(drop)
    }

    /// `ip addr del ADDR/PREFIX dev IFINDEX`.
    pub fn delete_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8) -> Result<()> {
        let what = format!("removing {addr}/{prefix}");
        let msg = self.addr_msg(&what, ifindex, addr, prefix, false)?;
        self.exchange(&what, Rtm::Deladdr, NlmF::empty(), msg)
            .map(drop)
    }

    /// `ip link set dev IFINDEX up|down`.
    pub fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<()> {
        let what = format!("setting link {ifindex} {}", if up { "up" } else { "down" });
        let index = libc::c_int::try_from(ifindex).map_err(|e| malformed(&what, e))?;
        let b = IfinfomsgBuilder::default()
            .ifi_family(RtAddrFamily::Unspecified)
            .ifi_index(index);
        let msg = if up { b.up() } else { b.down() }
            .build()
            .map_err(|e| malformed(&what, e))?;
        self.exchange(&what, Rtm::Setlink, NlmF::empty(), msg)
            .map(drop)
    }

    /// `ip route get ADDR`: how this host would reach `dst`.
    pub fn route_get(&mut self, dst: &IpAddr) -> Result<RouteInfo> {
        let what = format!("route lookup for {dst}");
        let mut attrs = RtBuffer::new();
        attrs.push(attr(Rta::Dst, addr_bytes(dst))?);
        let msg = RtmsgBuilder::default()
            .rtm_family(family(dst))
            .rtm_dst_len(if dst.is_ipv4() { 32 } else { 128 })
            .rtm_src_len(0)
            .rtm_tos(0)
            .rtm_table(RtTable::Unspec)
            .rtm_protocol(Rtprot::Unspec)
            .rtm_scope(RtScope::Universe)
            .rtm_type(Rtn::Unspec)
            .rtattrs(attrs)
            .build()
            .map_err(|e| malformed(&what, e))?;
        let bodies = self.exchange(&what, Rtm::Getroute, NlmF::empty(), msg)?;
        let body = bodies
            .first()
            .ok_or_else(|| Error::Malformed(format!("{what}: no reply")))?;
        let reply = Rtmsg::from_bytes_with_input(&mut Cursor::new(body), body.len())
            .map_err(|e| malformed(&what, e))?;
        let mut info = RouteInfo {
            oif: None,
            gateway: None,
            local: *reply.rtm_type() == Rtn::Local,
        };
        for a in reply.rtattrs().iter() {
            let p = a.rta_payload().as_ref();
            match a.rta_type() {
                Rta::Oif => info.oif = <[u8; 4]>::try_from(p).ok().map(u32::from_ne_bytes),
                Rta::Gateway => info.gateway = bytes_addr(p),
                _ => {}
            }
        }
        Ok(info)
    }
}
