//! Sync daemons ⇄ the DAEMON nest (`IPVS_DAEMON_ATTR_*`).
//!
//! Unlike service and destination ports, MCAST_PORT is host order (the
//! kernel converts it itself). MCAST_GROUP is a 4-byte `in_addr`,
//! MCAST_GROUP6 a 16-byte `in6_addr` — not the 16-byte `nf_inet_addr`
//! used elsewhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::DecodeError;
use crate::model::{Daemon, DaemonState};

use super::attr::{Attr, AttrWriter, attrs, malformed};

kernel_numbers! {
    /// Attributes of the DAEMON nest (`IPVS_DAEMON_ATTR_*`).
    pub enum DaemonAttr: u16 {
        /// Not an attribute; never sent.
        Unspec = 0,
        /// u32 role: 1 master, 2 backup.
        State = 1,
        /// NUL-terminated interface name.
        McastIfn = 2,
        /// u32 sync id.
        SyncId = 3,
        /// u16 largest sync message in bytes.
        SyncMaxlen = 4,
        /// 4-byte `in_addr`: IPv4 multicast group.
        McastGroup = 5,
        /// 16-byte `in6_addr`: IPv6 multicast group.
        McastGroup6 = 6,
        /// u16 UDP port, host order.
        McastPort = 7,
        /// u8 multicast TTL.
        McastTtl = 8,
    }
}

/// NEW_DAEMON's nest in ipvsadm's order: STATE, MCAST_IFN, SYNC_ID, then
/// the optional settings only when set (0 / `None` = kernel default).
pub fn encode_daemon(w: &mut AttrWriter, d: &Daemon) {
    w.u32(DaemonAttr::State, d.state.raw())
        .cstr(DaemonAttr::McastIfn, &d.mcast_ifn)
        .u32(DaemonAttr::SyncId, d.syncid);
    if d.sync_maxlen != 0 {
        w.u16(DaemonAttr::SyncMaxlen, d.sync_maxlen);
    }
    if d.mcast_port != 0 {
        w.u16(DaemonAttr::McastPort, d.mcast_port);
    }
    if d.mcast_ttl != 0 {
        w.u8(DaemonAttr::McastTtl, d.mcast_ttl);
    }
    match d.mcast_group {
        Some(IpAddr::V6(g)) => {
            w.bytes(DaemonAttr::McastGroup6, &g.octets());
        }
        Some(IpAddr::V4(g)) => {
            w.bytes(DaemonAttr::McastGroup, &g.octets());
        }
        None => {}
    }
}

/// DEL_DAEMON's nest, as ipvsadm sends it: STATE, an empty MCAST_IFN (the
/// kernel requires the attribute but ignores it here) and SYNC_ID.
pub fn encode_daemon_stop(w: &mut AttrWriter, state: DaemonState, syncid: u32) {
    w.u32(DaemonAttr::State, state.raw())
        .cstr(DaemonAttr::McastIfn, "")
        .u32(DaemonAttr::SyncId, syncid);
}

fn need<'a>(a: Option<Attr<'a>>, what: &str) -> Result<Attr<'a>, DecodeError> {
    a.ok_or_else(|| malformed(format!("daemon without {what}")))
}

/// Reads one DAEMON nest of a GET_DAEMON reply.
pub fn decode_daemon(nest: &[u8]) -> Result<Daemon, DecodeError> {
    let mut found: [Option<Attr<'_>>; 9] = [None; 9];
    for a in attrs(nest) {
        let a = a?;
        if let Some(slot) = found.get_mut(usize::from(a.kind)) {
            *slot = Some(a);
        }
    }
    let get = |k: DaemonAttr| found[usize::from(u16::from(k))];

    let state_raw = need(get(DaemonAttr::State), "STATE")?.u32()?;
    let state = DaemonState::from_raw(state_raw)
        .ok_or_else(|| malformed(format!("daemon state {state_raw}")))?;
    let mcast_group = if let Some(a) = get(DaemonAttr::McastGroup6) {
        let raw: [u8; 16] = a
            .payload
            .try_into()
            .map_err(|_| malformed("MCAST_GROUP6 is not 16 bytes"))?;
        Some(IpAddr::V6(Ipv6Addr::from(raw)))
    } else if let Some(a) = get(DaemonAttr::McastGroup) {
        let raw: [u8; 4] = a
            .payload
            .try_into()
            .map_err(|_| malformed("MCAST_GROUP is not 4 bytes"))?;
        Some(IpAddr::V4(Ipv4Addr::from(raw)))
    } else {
        None
    };
    Ok(Daemon {
        state,
        mcast_ifn: need(get(DaemonAttr::McastIfn), "MCAST_IFN")?.cstr()?,
        syncid: need(get(DaemonAttr::SyncId), "SYNC_ID")?.u32()?,
        sync_maxlen: get(DaemonAttr::SyncMaxlen)
            .map(|a| a.u16())
            .transpose()?
            .unwrap_or(0),
        mcast_group,
        mcast_port: get(DaemonAttr::McastPort)
            .map(|a| a.u16())
            .transpose()?
            .unwrap_or(0),
        mcast_ttl: get(DaemonAttr::McastTtl)
            .map(|a| a.u8())
            .transpose()?
            .unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> Daemon {
        Daemon {
            state: DaemonState::Master,
            mcast_ifn: "lo".into(),
            syncid: 7,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        }
    }

    #[test]
    fn encodes_minimal_start() {
        let mut w = AttrWriter::new();
        encode_daemon(&mut w, &master());
        let expected: Vec<u8> = [
            &[8, 0, 1, 0][..],
            &1u32.to_ne_bytes(),
            &[7, 0, 2, 0, b'l', b'o', 0, 0],
            &[8, 0, 3, 0],
            &7u32.to_ne_bytes(),
        ]
        .concat();
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn encodes_all_options_with_host_order_port() {
        let d = Daemon {
            sync_maxlen: 1400,
            mcast_group: Some("ff02::81".parse().unwrap()),
            mcast_port: 8849,
            mcast_ttl: 2,
            ..master()
        };
        let mut w = AttrWriter::new();
        encode_daemon(&mut w, &d);
        let b = w.into_bytes();
        let tail: Vec<u8> = [
            &[6, 0, 4, 0][..],
            &1400u16.to_ne_bytes(),
            &[0, 0],
            &[6, 0, 7, 0],
            &8849u16.to_ne_bytes(),
            &[0, 0],
            &[5, 0, 8, 0, 2, 0, 0, 0],
            &[20, 0, 6, 0, 0xff, 0x02],
            &[0; 12],
            &[0, 0x81],
        ]
        .concat();
        assert_eq!(&b[b.len() - tail.len()..], &tail[..]);
        assert_eq!(decode_daemon(&b).unwrap(), d);
    }

    #[test]
    fn stop_sends_empty_interface() {
        let mut w = AttrWriter::new();
        let d = master();
        encode_daemon_stop(&mut w, d.state, d.syncid);
        let b = w.into_bytes();
        assert_eq!(&b[8..16], &[5, 0, 2, 0, 0, 0, 0, 0]);
        assert_eq!(b.len(), 24);
    }

    #[test]
    fn decodes_kernel_reply_with_ipv4_group() {
        let mut w = AttrWriter::new();
        w.u32(DaemonAttr::State, 2)
            .cstr(DaemonAttr::McastIfn, "eth0")
            .u32(DaemonAttr::SyncId, 255)
            .u16(DaemonAttr::SyncMaxlen, 1472)
            .bytes(DaemonAttr::McastGroup, &[224, 0, 0, 81])
            .u16(DaemonAttr::McastPort, 8848)
            .u8(DaemonAttr::McastTtl, 1);
        let d = decode_daemon(&w.into_bytes()).unwrap();
        assert_eq!(
            d,
            Daemon {
                state: DaemonState::Backup,
                mcast_ifn: "eth0".into(),
                syncid: 255,
                sync_maxlen: 1472,
                mcast_group: Some("224.0.0.81".parse().unwrap()),
                mcast_port: 8848,
                mcast_ttl: 1,
            }
        );
    }

    #[test]
    fn bad_state_or_truncation_is_malformed() {
        let mut w = AttrWriter::new();
        w.u32(DaemonAttr::State, 3)
            .cstr(DaemonAttr::McastIfn, "x")
            .u32(DaemonAttr::SyncId, 1);
        assert!(matches!(
            decode_daemon(&w.into_bytes()),
            Err(DecodeError { .. })
        ));
        let mut w = AttrWriter::new();
        encode_daemon(&mut w, &master());
        let b = w.into_bytes();
        for cut in 0..b.len() {
            let _ = decode_daemon(&b[..cut]);
        }
    }
}
