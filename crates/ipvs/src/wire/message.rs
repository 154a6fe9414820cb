//! One constructor per IPVS request and one decoder per reply kind: the
//! only place that knows which attributes each command carries.
//!
//! Requests copy what ipvsadm 1.31 sends, so byte-level comparisons with
//! the reference stay meaningful; replies are read the way libipvs reads
//! them, minus its 32-bit truncation of counters.

use super::DecodeError;
use crate::model::{Daemon, DaemonState, Destination, Family, Info, Service, ServiceKey, Timeouts};

use super::attr::{AttrWriter, malformed};
use super::cmd::{Cmd, CmdAttr, Reply, Request};
use super::dest::Counters;
use super::{daemon, dest, info, service};

fn full_service(w: &mut AttrWriter, svc: &Service) {
    w.nest(CmdAttr::Service, |n| service::encode_service(n, svc));
}

fn keyed_service(w: &mut AttrWriter, key: &ServiceKey) {
    full_service(w, &service::key_only_service(key));
}

impl Request {
    /// GET_INFO: no attributes.
    pub fn get_info() -> Request {
        Request::with_attrs(Cmd::GetInfo, |_| {})
    }

    /// NEW_SERVICE: the whole service.
    pub fn new_service(svc: &Service) -> Request {
        Request::with_attrs(Cmd::NewService, |w| full_service(w, svc))
    }

    /// SET_SERVICE: the whole service, as NEW_SERVICE.
    pub fn set_service(svc: &Service) -> Request {
        Request::with_attrs(Cmd::SetService, |w| full_service(w, svc))
    }

    /// DEL_SERVICE: the key, in a service nest with the empty settings
    /// ipvsadm sends beside it.
    pub fn del_service(key: &ServiceKey) -> Request {
        Request::with_attrs(Cmd::DelService, |w| keyed_service(w, key))
    }

    /// GET_SERVICE for one service (a "do"); the dump form has no attributes.
    pub fn get_service(key: &ServiceKey) -> Request {
        // ipvsadm's list path leaves the netmask 0 here (seen with strace);
        // the kernel reads only the identity, so copying it costs nothing.
        let svc = service::key_only_service(key);
        Request::with_attrs(Cmd::GetService, |w| {
            w.nest(CmdAttr::Service, |n| {
                service::encode_service_with_netmask(n, &svc, 0)
            });
        })
    }

    /// GET_SERVICE as a dump: no attributes.
    pub fn get_services() -> Request {
        Request::with_attrs(Cmd::GetService, |_| {})
    }

    /// FLUSH: no attributes.
    pub fn flush() -> Request {
        Request::with_attrs(Cmd::Flush, |_| {})
    }

    /// GET_DEST dump; its service nest carries the identity only.
    pub fn get_dests(key: &ServiceKey) -> Request {
        Request::with_attrs(Cmd::GetDest, |w| {
            w.nest(CmdAttr::Service, |n| service::encode_key(n, key));
        })
    }

    fn dest_cmd(cmd: Cmd, key: &ServiceKey, d: &Destination) -> Request {
        Request::with_attrs(cmd, |w| {
            keyed_service(w, key);
            w.nest(CmdAttr::Dest, |n| dest::encode_dest(n, d));
        })
    }

    /// NEW_DEST: the service nest and the whole destination.
    pub fn new_dest(key: &ServiceKey, d: &Destination) -> Request {
        Request::dest_cmd(Cmd::NewDest, key, d)
    }

    /// SET_DEST: as NEW_DEST.
    pub fn set_dest(key: &ServiceKey, d: &Destination) -> Request {
        Request::dest_cmd(Cmd::SetDest, key, d)
    }

    /// DEL_DEST: as NEW_DEST.
    pub fn del_dest(key: &ServiceKey, d: &Destination) -> Request {
        Request::dest_cmd(Cmd::DelDest, key, d)
    }

    /// ZERO: one service's counters, or (no SERVICE nest) all of them.
    pub fn zero(key: Option<&ServiceKey>) -> Request {
        Request::with_attrs(Cmd::Zero, |w| {
            if let Some(key) = key {
                keyed_service(w, key);
            }
        })
    }

    /// GET_CONFIG: no attributes.
    pub fn get_config() -> Request {
        Request::with_attrs(Cmd::GetConfig, |_| {})
    }

    /// SET_CONFIG: the three timeouts.
    pub fn set_config(t: &Timeouts) -> Request {
        Request::with_attrs(Cmd::SetConfig, |w| info::encode_timeouts(w, t))
    }

    /// GET_DAEMON as a dump: no attributes.
    pub fn get_daemons() -> Request {
        Request::with_attrs(Cmd::GetDaemon, |_| {})
    }

    /// NEW_DAEMON: the daemon nest.
    pub fn new_daemon(d: &Daemon) -> Request {
        Request::with_attrs(Cmd::NewDaemon, |w| {
            w.nest(CmdAttr::Daemon, |n| daemon::encode_daemon(n, d));
        })
    }

    /// DEL_DAEMON: a daemon nest of state and sync id.
    pub fn del_daemon(state: DaemonState, syncid: u32) -> Request {
        Request::with_attrs(Cmd::DelDaemon, |w| {
            w.nest(CmdAttr::Daemon, |n| {
                daemon::encode_daemon_stop(n, state, syncid)
            });
        })
    }
}

fn nest<'a>(reply: &Reply<'a>, kind: CmdAttr) -> Result<&'a [u8], DecodeError> {
    reply
        .nest(kind)?
        .ok_or_else(|| malformed(format!("{:?} reply without {kind:?}", reply.cmd)))
}

/// One GET_SERVICE reply (NEW_SERVICE with a SERVICE nest).
pub fn decode_service_reply(body: &[u8]) -> Result<Service, DecodeError> {
    let reply = Reply::parse(body)?.expect(Cmd::NewService)?;
    service::decode_service(nest(&reply, CmdAttr::Service)?)
}

/// One GET_DEST reply (NEW_DEST with a DEST nest).
pub fn decode_dest_reply(
    body: &[u8],
    service_family: Family,
    counters: Counters,
) -> Result<Destination, DecodeError> {
    let reply = Reply::parse(body)?.expect(Cmd::NewDest)?;
    dest::decode_dest(nest(&reply, CmdAttr::Dest)?, service_family, counters)
}

/// One GET_DAEMON reply (NEW_DAEMON with a DAEMON nest).
pub fn decode_daemon_reply(body: &[u8]) -> Result<Daemon, DecodeError> {
    let reply = Reply::parse(body)?.expect(Cmd::NewDaemon)?;
    daemon::decode_daemon(nest(&reply, CmdAttr::Daemon)?)
}

/// GET_INFO's reply (SET_INFO).
pub fn decode_info_reply(body: &[u8]) -> Result<Info, DecodeError> {
    let reply = Reply::parse(body)?.expect(Cmd::SetInfo)?;
    info::decode_info(reply.attrs)
}

/// GET_CONFIG's reply (SET_CONFIG).
pub fn decode_timeouts_reply(body: &[u8]) -> Result<Timeouts, DecodeError> {
    let reply = Reply::parse(body)?.expect(Cmd::SetConfig)?;
    info::decode_timeouts(reply.attrs)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::model::{DaemonState, Family, Protocol, Service};
    use crate::wire::attr::attrs;

    fn key() -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            port: 53,
        }
    }

    fn top_kinds(req: &Request) -> Vec<u16> {
        attrs(&req.attrs).map(|a| a.unwrap().kind).collect()
    }

    #[test]
    fn commands_carry_the_right_top_level_attributes() {
        let d = Destination::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 53);
        let svc = Service::new(key());
        assert_eq!(Request::new_service(&svc).cmd, Cmd::NewService);
        assert_eq!(top_kinds(&Request::new_service(&svc)), vec![1]);
        assert_eq!(top_kinds(&Request::new_dest(&key(), &d)), vec![1, 2]);
        assert_eq!(top_kinds(&Request::del_dest(&key(), &d)), vec![1, 2]);
        assert_eq!(top_kinds(&Request::zero(None)), Vec::<u16>::new());
        assert_eq!(top_kinds(&Request::zero(Some(&key()))), vec![1]);
        assert_eq!(top_kinds(&Request::get_services()), Vec::<u16>::new());
        assert_eq!(top_kinds(&Request::flush()), Vec::<u16>::new());
        assert_eq!(top_kinds(&Request::get_info()), Vec::<u16>::new());
        assert_eq!(
            top_kinds(&Request::set_config(&Timeouts::default())),
            vec![4, 5, 6]
        );
    }

    #[test]
    fn get_dest_service_nest_is_identity_only() {
        let req = Request::get_dests(&key());
        let top: Vec<_> = attrs(&req.attrs).map(|a| a.unwrap()).collect();
        assert_eq!(top.len(), 1);
        let inner: Vec<u16> = attrs(top[0].payload).map(|a| a.unwrap().kind).collect();
        assert_eq!(inner, vec![1, 2, 3, 4]);
    }

    #[test]
    fn keyed_service_nest_matches_ipvsadm_for_delete() {
        let req = Request::del_service(&key());
        let top: Vec<_> = attrs(&req.attrs).map(|a| a.unwrap()).collect();
        let inner: Vec<u16> = attrs(top[0].payload).map(|a| a.unwrap().kind).collect();
        assert_eq!(inner, vec![1, 2, 3, 4, 6, 7, 8, 9]);
    }

    #[test]
    fn decodes_replies_and_rejects_wrong_commands() {
        let svc = Service::new(key());
        let nest = service::tests::kernel_service_nest(&svc, 2, !0);
        let body = Request::with_attrs(Cmd::NewService, |w| {
            w.bytes(CmdAttr::Service, &nest);
        })
        .encode();
        let mut want = svc.clone();
        want.flags = crate::model::ServiceFlags::empty();
        assert_eq!(decode_service_reply(&body).unwrap(), want);
        // The same body read as a destination reply: wrong command.
        assert!(decode_dest_reply(&body, Family::Inet, Counters::Read).is_err());
        // A reply without its nest.
        assert!(decode_service_reply(&[1, 1, 0, 0]).is_err());
        assert!(decode_daemon_reply(&[9, 1, 0, 0]).is_err());
        assert!(decode_info_reply(&[14, 1]).is_err());
        assert!(decode_timeouts_reply(&[12, 1, 0, 0]).is_ok());
    }

    #[test]
    fn daemon_stop_nest() {
        let d = Daemon {
            state: DaemonState::Backup,
            mcast_ifn: "eth0".into(),
            syncid: 3,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        };
        let req = Request::del_daemon(d.state, d.syncid);
        let top: Vec<_> = attrs(&req.attrs).map(|a| a.unwrap()).collect();
        assert_eq!(top[0].kind, 3);
        let inner: Vec<_> = attrs(top[0].payload).map(|a| a.unwrap()).collect();
        assert_eq!(inner[0].u32().unwrap(), 2);
        assert_eq!(inner[1].cstr().unwrap(), "");
        assert_eq!(inner[2].u32().unwrap(), 3);
    }

    #[test]
    fn a_name_too_long_for_netlink_keeps_the_request_well_formed() {
        // Attribute lengths are 16 bits: a longer name must not corrupt
        // the lengths of its attribute and of the service nest, or the
        // kernel would read the name's tail as attributes of their own.
        let mut svc = Service::new(ServiceKey::Fwmark {
            mark: 1,
            family: Family::Inet,
        });
        svc.scheduler = "x".repeat(70_000);
        svc.pe_name = Some("sip".into());
        let body = Request::new_service(&svc).encode();
        let back = decode_service_reply(&body).expect("well-formed");
        assert_eq!(back.key, svc.key);
        assert_eq!(back.pe_name.as_deref(), Some("sip"));
        // Still far longer than any name the kernel takes, which refuses
        // it as it refuses the whole name.
        assert_eq!(back.scheduler, "x".repeat(255));
    }
}
