//! Real servers ⇄ the DEST nest (`IPVS_DEST_ATTR_*`).
//!
//! PORT and TUN_PORT are `__be16`; everything else is host order. The
//! address family travels in ADDR_FAMILY (kernel >= 3.18) and defaults to
//! the service's, so decoding needs the service family as a fallback.

use super::DecodeError;
use crate::model::{Destination, Family, ForwardMethod, Stats, Tunnel, TunnelFlags, TunnelType};

use super::attr::{AttrWriter, each_attr, malformed};
use super::stats;

kernel_numbers! {
    /// Attributes of the DEST nest (`IPVS_DEST_ATTR_*`).
    pub enum DestAttr: u16 {
        /// Not an attribute; never sent.
        Unspec = 0,
        /// 16-byte `nf_inet_addr`: the real server's address.
        Addr = 1,
        /// Big-endian u16: the real server's port.
        Port = 2,
        /// u32 connection flags; the low three bits are the forwarding method.
        FwdMethod = 3,
        /// u32 weight (the kernel reads it as a signed int).
        Weight = 4,
        /// u32 upper connection threshold, 0 = none.
        UThresh = 5,
        /// u32 lower connection threshold, 0 = none.
        LThresh = 6,
        /// u32 active connections (replies only).
        ActiveConns = 7,
        /// u32 inactive connections (replies only).
        InactConns = 8,
        /// u32 persistence templates (replies only).
        PersistConns = 9,
        /// Nest of 32-bit counters ([`StatsAttr`](super::StatsAttr)).
        Stats = 10,
        /// u16 family of the address, which may differ from the service's.
        AddrFamily = 11,
        /// Nest of 64-bit counters ([`StatsAttr`](super::StatsAttr)).
        Stats64 = 12,
        /// u8 tunnel type.
        TunType = 13,
        /// Big-endian u16: GUE's UDP port.
        TunPort = 14,
        /// u16 tunnel flags.
        TunFlags = 15,
    }
}

/// The nest as ipvsadm 1.31 sends it for NEW/SET/DEL_DEST: always all ten
/// attributes, in this order.
pub fn encode_dest(w: &mut AttrWriter, d: &Destination) {
    w.u16(DestAttr::AddrFamily, d.family().raw())
        .inet_addr(DestAttr::Addr, &d.addr)
        .be16(DestAttr::Port, d.port)
        .u32(DestAttr::FwdMethod, d.forward.raw())
        .u32(DestAttr::Weight, d.weight)
        .u8(DestAttr::TunType, d.tunnel.kind.raw())
        .be16(DestAttr::TunPort, d.tunnel.port)
        .u16(DestAttr::TunFlags, d.tunnel.flags.bits())
        .u32(DestAttr::UThresh, d.u_threshold)
        .u32(DestAttr::LThresh, d.l_threshold);
}

/// Whether a decoder reads a destination's traffic counters. Their two
/// nests are over half of a destination's attributes, and most views
/// (`-L` without `--stats`/`--rate`, `-S`) never print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counters {
    /// Fill `stats` from the STATS64 (or STATS) nest.
    Read,
    /// Leave `stats` zero (and do not check the nests).
    Skip,
}

fn need<T>(v: Option<T>, what: &str) -> Result<T, DecodeError> {
    v.ok_or_else(|| malformed(format!("destination without {what}")))
}

/// Reads a DEST nest from a kernel reply; `service_family` is used when
/// the kernel sends no ADDR_FAMILY.
///
/// One pass, each attribute read where it is met (a later duplicate
/// wins): a listing decodes one of these per real server, and collecting
/// them in a table first cost half as many instructions again.
/// Only the address waits for the end, as its family may come after it.
pub fn decode_dest(
    nest: &[u8],
    service_family: Family,
    counters: Counters,
) -> Result<Destination, DecodeError> {
    let mut addr = None;
    let mut family = service_family;
    let (mut port, mut forward, mut weight) = (None, None, None);
    let (mut u_threshold, mut l_threshold) = (None, None);
    let mut tunnel = Tunnel::default();
    let (mut active_conns, mut inactive_conns, mut persist_conns) = (0, 0, 0);
    let (mut stats32, mut stats64) = (None, None);
    each_attr(nest, |a| {
        match DestAttr::from(a.kind) {
            DestAttr::Addr => addr = Some(a),
            DestAttr::AddrFamily => {
                let af = a.u16()?;
                family = Family::from_raw(af)
                    .ok_or_else(|| malformed(format!("destination AF {af}")))?;
            }
            DestAttr::Port => port = Some(a.be16()?),
            DestAttr::FwdMethod => forward = Some(ForwardMethod::from_raw(a.u32()?)),
            DestAttr::Weight => weight = Some(a.u32()?),
            DestAttr::UThresh => u_threshold = Some(a.u32()?),
            DestAttr::LThresh => l_threshold = Some(a.u32()?),
            DestAttr::TunType => tunnel.kind = TunnelType::from_raw(a.u8()?),
            DestAttr::TunPort => tunnel.port = a.be16()?,
            DestAttr::TunFlags => tunnel.flags = TunnelFlags::from_bits_retain(a.u16()?),
            DestAttr::ActiveConns => active_conns = a.u32()?,
            DestAttr::InactConns => inactive_conns = a.u32()?,
            DestAttr::PersistConns => persist_conns = a.u32()?,
            DestAttr::Stats => stats32 = Some(a.payload),
            DestAttr::Stats64 => stats64 = Some(a.payload),
            _ => {}
        }
        Ok(())
    })?;
    Ok(Destination {
        addr: need(addr, "ADDR")?.inet_addr(family)?,
        port: need(port, "PORT")?,
        forward: need(forward, "FWD_METHOD")?,
        weight: need(weight, "WEIGHT")?,
        u_threshold: need(u_threshold, "U_THRESH")?,
        l_threshold: need(l_threshold, "L_THRESH")?,
        tunnel,
        active_conns,
        inactive_conns,
        persist_conns,
        stats: match counters {
            Counters::Read => stats::decode_either(stats64, stats32)?,
            Counters::Skip => Stats::default(),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::model::TunnelFlags;
    use crate::wire::attr::attrs;

    /// A DEST nest laid out like `ip_vs_genl_fill_dest` (kernel 6.1).
    pub(crate) fn kernel_dest_nest(d: &Destination) -> Vec<u8> {
        let mut w = AttrWriter::new();
        w.inet_addr(DestAttr::Addr, &d.addr)
            .be16(DestAttr::Port, d.port)
            .u32(DestAttr::FwdMethod, d.forward.raw())
            .u8(DestAttr::TunType, d.tunnel.kind.raw())
            .be16(DestAttr::TunPort, d.tunnel.port)
            .u16(DestAttr::TunFlags, d.tunnel.flags.bits())
            .u32(DestAttr::Weight, d.weight)
            .u32(DestAttr::UThresh, d.u_threshold)
            .u32(DestAttr::LThresh, d.l_threshold)
            .u32(DestAttr::ActiveConns, d.active_conns)
            .u32(DestAttr::InactConns, d.inactive_conns)
            .u32(DestAttr::PersistConns, d.persist_conns)
            .u16(DestAttr::AddrFamily, d.family().raw());
        let mut s = AttrWriter::new();
        stats::encode_stats(&mut s, &d.stats, false);
        w.bytes(DestAttr::Stats, &s.into_bytes());
        let mut s = AttrWriter::new();
        stats::encode_stats(&mut s, &d.stats, true);
        w.bytes(DestAttr::Stats64, &s.into_bytes());
        w.into_bytes()
    }

    fn gue_dest() -> Destination {
        let mut d = Destination::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)), 8080);
        d.forward = ForwardMethod::Tunnel;
        d.weight = 2_147_483_647;
        d.u_threshold = 100;
        d.l_threshold = 10;
        d.tunnel = Tunnel {
            kind: TunnelType::Gue,
            port: 6080,
            flags: TunnelFlags::CSUM,
        };
        d
    }

    #[test]
    fn encodes_all_ten_attributes_in_ipvsadm_order() {
        let mut w = AttrWriter::new();
        encode_dest(&mut w, &gue_dest());
        let expected: Vec<u8> = [
            &[6, 0, 11, 0][..],
            &2u16.to_ne_bytes(),
            &[0, 0],
            &[20, 0, 1, 0, 192, 168, 1, 2],
            &[0; 12],
            &[6, 0, 2, 0, 0x1f, 0x90, 0, 0],
            &[8, 0, 3, 0],
            &2u32.to_ne_bytes(),
            &[8, 0, 4, 0],
            &0x7fff_ffffu32.to_ne_bytes(),
            &[5, 0, 13, 0, 1, 0, 0, 0],
            &[6, 0, 14, 0, 0x17, 0xc0, 0, 0],
            &[6, 0, 15, 0],
            &1u16.to_ne_bytes(),
            &[0, 0],
            &[8, 0, 5, 0],
            &100u32.to_ne_bytes(),
            &[8, 0, 6, 0],
            &10u32.to_ne_bytes(),
        ]
        .concat();
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn decodes_kernel_reply() {
        let mut d = gue_dest();
        d.active_conns = 3;
        d.inactive_conns = 4;
        d.persist_conns = 5;
        d.stats = Stats {
            conns: 1 << 35,
            outbytes: 9,
            ..Stats::default()
        };
        assert_eq!(
            decode_dest(&kernel_dest_nest(&d), Family::Inet6, Counters::Read).unwrap(),
            d
        );
        let without = decode_dest(&kernel_dest_nest(&d), Family::Inet6, Counters::Skip).unwrap();
        assert_eq!(without.stats, Stats::default());
        assert_eq!(
            Destination {
                stats: d.stats,
                ..without
            },
            d
        );
    }

    #[test]
    fn family_falls_back_to_the_service() {
        let d = Destination::new("2001:db8::2".parse().unwrap(), 80);
        let nest = kernel_dest_nest(&d);
        // Strip ADDR_FAMILY (the attribute after PERSIST_CONNS).
        let mut w = AttrWriter::new();
        for a in attrs(&nest) {
            let a = a.unwrap();
            if a.kind != u16::from(DestAttr::AddrFamily) {
                w.bytes(a.kind, a.payload);
            }
        }
        let stripped = w.into_bytes();
        assert_eq!(
            decode_dest(&stripped, Family::Inet6, Counters::Read)
                .unwrap()
                .addr,
            d.addr
        );
        assert_eq!(
            decode_dest(&stripped, Family::Inet, Counters::Read)
                .unwrap()
                .addr,
            "32.1.13.184".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        let good = kernel_dest_nest(&gue_dest());
        for cut in 0..good.len() {
            let _ = decode_dest(&good[..cut], Family::Inet, Counters::Read);
        }
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] = b[i].wrapping_add(0x55);
            let _ = decode_dest(&b, Family::Inet, Counters::Read);
        }
        assert!(matches!(
            decode_dest(&[], Family::Inet, Counters::Skip),
            Err(DecodeError { .. })
        ));
    }
}
