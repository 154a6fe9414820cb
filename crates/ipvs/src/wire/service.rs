//! Virtual services ⇄ the SERVICE nest (`IPVS_SVC_ATTR_*`).
//!
//! Byte orders inside this one nest differ per attribute, which is why they
//! are all spelled out here: AF, PROTOCOL, FWMARK, TIMEOUT and the flags
//! struct are host order; PORT is `__be16`; ADDR is the 16-byte
//! `nf_inet_addr`; NETMASK is host order for IPv6 (a prefix length) but
//! for IPv4 its four bytes are the mask octets in network order, because
//! ipvsadm stores an `in_addr` there and sends it as a "u32".

use super::DecodeError;
use crate::model::{Family, Netmask, Protocol, Service, ServiceFlags, ServiceKey};

use super::attr::{Attr, AttrWriter, attrs, malformed};
use super::stats;

kernel_numbers! {
    /// Attributes of the SERVICE nest (`IPVS_SVC_ATTR_*`).
    pub enum SvcAttr: u16 {
        /// Not an attribute; never sent.
        Unspec = 0,
        /// u16 address family.
        Af = 1,
        /// u16 IP protocol number (address services).
        Protocol = 2,
        /// 16-byte `nf_inet_addr`: the virtual address.
        Addr = 3,
        /// Big-endian u16: the virtual port.
        Port = 4,
        /// u32 firewall mark (firewall-mark services).
        Fwmark = 5,
        /// NUL-terminated scheduler name.
        SchedName = 6,
        /// `struct ip_vs_flags`: u32 flags, then a u32 mask of the bits to change.
        Flags = 7,
        /// u32 persistence timeout in seconds.
        Timeout = 8,
        /// u32 persistence netmask (IPv4 mask in host order, or IPv6 prefix length).
        Netmask = 9,
        /// Nest of 32-bit counters ([`StatsAttr`](super::StatsAttr)).
        Stats = 10,
        /// NUL-terminated persistence engine name.
        PeName = 11,
        /// Nest of 64-bit counters ([`StatsAttr`](super::StatsAttr)).
        Stats64 = 12,
    }
}

/// The mask ipvsadm always sends with FLAGS: replace every bit.
pub const FLAGS_MASK_ALL: u32 = 0xffff_ffff;

/// The identity attributes: AF, then FWMARK or PROTOCOL, ADDR, PORT.
/// Alone, this is GET_DEST's service nest.
pub fn encode_key(w: &mut AttrWriter, key: &ServiceKey) {
    w.u16(SvcAttr::Af, key.family().raw());
    match key {
        ServiceKey::Fwmark { mark, .. } => {
            w.u32(SvcAttr::Fwmark, *mark);
        }
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            w.u16(SvcAttr::Protocol, protocol.raw())
                .inet_addr(SvcAttr::Addr, addr)
                .be16(SvcAttr::Port, *port);
        }
    }
}

/// The netmask's four payload bytes (see the module docs).
fn netmask_bytes(family: Family, netmask: u32) -> [u8; 4] {
    match family {
        Family::Inet => netmask.to_be_bytes(),
        Family::Inet6 => netmask.to_ne_bytes(),
    }
}

/// The full nest as ipvsadm 1.31 sends it for every service command:
/// identity, SCHED_NAME, PE_NAME if set, FLAGS (with an all-ones mask),
/// TIMEOUT, NETMASK. HASHED is the kernel's own bit: never sent.
pub fn encode_service(w: &mut AttrWriter, svc: &Service) {
    encode_service_with_netmask(w, svc, svc.netmask.raw());
}

/// [`encode_service`] with the netmask's number given: GET_SERVICE sends 0,
/// which no [`Netmask`](crate::model::Netmask) of an IPv6 service is.
pub fn encode_service_with_netmask(w: &mut AttrWriter, svc: &Service, netmask: u32) {
    encode_key(w, &svc.key);
    w.cstr(SvcAttr::SchedName, &svc.scheduler);
    if let Some(pe) = svc.pe_name.as_deref().filter(|pe| !pe.is_empty()) {
        w.cstr(SvcAttr::PeName, pe);
    }
    let mut flags = [0u8; 8];
    let bits = svc.flags.bits() & !ServiceFlags::KERNEL_HASHED;
    flags[..4].copy_from_slice(&bits.to_ne_bytes());
    flags[4..].copy_from_slice(&FLAGS_MASK_ALL.to_ne_bytes());
    w.bytes(SvcAttr::Flags, &flags)
        .u32(SvcAttr::Timeout, svc.timeout)
        .bytes(SvcAttr::Netmask, &netmask_bytes(svc.key.family(), netmask));
}

/// What ipvsadm sends when a command names a service but sets nothing
/// (`-D`, `-Z`, `-a`/`-e`/`-d`, `-L -t`): the identity, an empty scheduler,
/// no flags, timeout 0 and the default netmask. The kernel only looks at
/// the identity.
pub fn key_only_service(key: &ServiceKey) -> Service {
    Service {
        scheduler: String::new(),
        ..Service::new(*key)
    }
}

fn need<'a>(a: Option<Attr<'a>>, what: &str) -> Result<Attr<'a>, DecodeError> {
    a.ok_or_else(|| malformed(format!("service without {what}")))
}

/// Reads a SERVICE nest from a kernel reply.
pub fn decode_service(nest: &[u8]) -> Result<Service, DecodeError> {
    let mut found: [Option<Attr<'_>>; 13] = [None; 13];
    for a in attrs(nest) {
        let a = a?;
        if let Some(slot) = found.get_mut(usize::from(a.kind)) {
            *slot = Some(a);
        }
    }
    let get = |k: SvcAttr| found[usize::from(u16::from(k))];

    let af = need(get(SvcAttr::Af), "AF")?.u16()?;
    let family = Family::from_raw(af).ok_or_else(|| malformed(format!("service AF {af}")))?;
    let key = match get(SvcAttr::Fwmark) {
        Some(mark) => ServiceKey::Fwmark {
            mark: mark.u32()?,
            family,
        },
        None => ServiceKey::Addr {
            protocol: Protocol::from_raw(need(get(SvcAttr::Protocol), "PROTOCOL")?.u16()?),
            addr: need(get(SvcAttr::Addr), "ADDR")?.inet_addr(family)?,
            port: need(get(SvcAttr::Port), "PORT")?.be16()?,
        },
    };
    let flags_raw = need(get(SvcAttr::Flags), "FLAGS")?;
    let flags = match *flags_raw.payload {
        [f0, f1, f2, f3, m0, m1, m2, m3] => {
            u32::from_ne_bytes([f0, f1, f2, f3]) & u32::from_ne_bytes([m0, m1, m2, m3])
        }
        _ => return Err(malformed("service FLAGS is not 8 bytes")),
    };
    let netmask_raw = need(get(SvcAttr::Netmask), "NETMASK")?;
    let nm: [u8; 4] = netmask_raw
        .payload
        .try_into()
        .map_err(|_| malformed("service NETMASK is not 4 bytes"))?;
    let netmask_raw = match family {
        Family::Inet => u32::from_be_bytes(nm),
        Family::Inet6 => u32::from_ne_bytes(nm),
    };
    let netmask = Netmask::from_raw(family, netmask_raw)
        .ok_or_else(|| malformed(format!("service NETMASK {netmask_raw} for IPv6")))?;
    let pe_name = match get(SvcAttr::PeName) {
        Some(a) => Some(a.cstr()?).filter(|s| !s.is_empty()),
        None => None,
    };
    Ok(Service {
        key,
        scheduler: need(get(SvcAttr::SchedName), "SCHED_NAME")?.cstr()?,
        flags: ServiceFlags::from_bits_retain(flags & !ServiceFlags::KERNEL_HASHED),
        timeout: need(get(SvcAttr::Timeout), "TIMEOUT")?.u32()?,
        netmask,
        pe_name,
        stats: stats::decode_either(
            get(SvcAttr::Stats64).map(|a| a.payload),
            get(SvcAttr::Stats).map(|a| a.payload),
        )?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::model::Stats;

    /// A SERVICE nest laid out the way `ip_vs_genl_fill_service` writes it:
    /// no NLA_F_NESTED, flags with the HASHED bit and an all-ones mask,
    /// STATS then STATS64.
    pub(crate) fn kernel_service_nest(svc: &Service, flags: u32, mask: u32) -> Vec<u8> {
        let mut w = AttrWriter::new();
        encode_key(&mut w, &svc.key);
        w.cstr(SvcAttr::SchedName, &svc.scheduler);
        if let Some(pe) = &svc.pe_name {
            w.cstr(SvcAttr::PeName, pe);
        }
        let mut f = flags.to_ne_bytes().to_vec();
        f.extend_from_slice(&mask.to_ne_bytes());
        w.bytes(SvcAttr::Flags, &f)
            .u32(SvcAttr::Timeout, svc.timeout)
            .bytes(
                SvcAttr::Netmask,
                &netmask_bytes(svc.key.family(), svc.netmask.raw()),
            );
        let mut s = AttrWriter::new();
        stats::encode_stats(&mut s, &svc.stats, false);
        w.bytes(SvcAttr::Stats, &s.into_bytes());
        let mut s = AttrWriter::new();
        stats::encode_stats(&mut s, &svc.stats, true);
        w.bytes(SvcAttr::Stats64, &s.into_bytes());
        w.into_bytes()
    }

    fn tcp(addr: IpAddr, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr,
            port,
        }
    }

    fn ne16(v: u16) -> [u8; 2] {
        v.to_ne_bytes()
    }
    fn ne32(v: u32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    #[test]
    fn encodes_tcp_service_like_ipvsadm() {
        // ipvsadm -A -t 10.0.0.1:80 -s rr
        let mut svc = Service::new(tcp(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 80));
        svc.scheduler = "rr".into();
        let mut w = AttrWriter::new();
        encode_service(&mut w, &svc);
        let expected: Vec<u8> = [
            &[6, 0, 1, 0][..],
            &ne16(2),
            &[0, 0],
            &[6, 0, 2, 0],
            &ne16(6),
            &[0, 0],
            &[20, 0, 3, 0, 10, 0, 0, 1],
            &[0; 12],
            &[6, 0, 4, 0, 0, 80, 0, 0],
            &[7, 0, 6, 0, b'r', b'r', 0, 0],
            &[12, 0, 7, 0],
            &ne32(0),
            &ne32(0xffff_ffff),
            &[8, 0, 8, 0],
            &ne32(0),
            &[8, 0, 9, 0, 255, 255, 255, 255],
        ]
        .concat();
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn encodes_fwmark_ipv6_persistent_with_pe() {
        let mut svc = Service::new(ServiceKey::Fwmark {
            mark: 0x1234_5678,
            family: Family::Inet6,
        });
        svc.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET;
        svc.timeout = 360;
        svc.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        svc.pe_name = Some("sip".into());
        let mut w = AttrWriter::new();
        encode_service(&mut w, &svc);
        let expected: Vec<u8> = [
            &[6, 0, 1, 0][..],
            &ne16(10),
            &[0, 0],
            &[8, 0, 5, 0],
            &ne32(0x1234_5678),
            &[8, 0, 6, 0, b'w', b'l', b'c', 0],
            &[8, 0, 11, 0, b's', b'i', b'p', 0],
            &[12, 0, 7, 0],
            &ne32(5),
            &ne32(0xffff_ffff),
            &[8, 0, 8, 0],
            &ne32(360),
            &[8, 0, 9, 0],
            &ne32(64),
        ]
        .concat();
        assert_eq!(w.into_bytes(), expected);
    }

    #[test]
    fn ipv4_netmask_travels_as_octets() {
        let mut svc = Service::new(tcp(IpAddr::V4(Ipv4Addr::LOCALHOST), 1));
        svc.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 255, 0));
        let mut w = AttrWriter::new();
        encode_service(&mut w, &svc);
        let b = w.into_bytes();
        assert_eq!(&b[b.len() - 4..], &[255, 255, 255, 0]);
        let back = decode_service(&kernel_service_nest(&svc, 0, !0)).unwrap();
        assert_eq!(back.netmask, Netmask::V4(Ipv4Addr::new(255, 255, 255, 0)));
    }

    #[test]
    fn key_only_nest_has_empty_scheduler() {
        let key = tcp(IpAddr::V6(Ipv6Addr::LOCALHOST), 443);
        let mut w = AttrWriter::new();
        encode_service(&mut w, &key_only_service(&key));
        let b = w.into_bytes();
        // AF(8) PROTOCOL(8) ADDR(20) PORT(8), then SCHED_NAME "" = 5 bytes + pad.
        assert_eq!(&b[44..52], &[5, 0, 6, 0, 0, 0, 0, 0]);
        // ...and the IPv6 default netmask, 128, in host order.
        assert_eq!(&b[b.len() - 4..], &ne32(128));
    }

    #[test]
    fn decodes_kernel_reply_with_flags_masked_and_stats64() {
        let mut svc = Service::new(tcp(IpAddr::V6("2001:db8::1".parse().unwrap()), 8080));
        svc.scheduler = "sh".into();
        svc.timeout = 300;
        svc.netmask = Netmask::from_raw(Family::Inet6, 96).unwrap();
        svc.stats = Stats {
            conns: 5_000_000_000,
            inbytes: 7,
            ..Stats::default()
        };
        let nest = kernel_service_nest(&svc, 0x1 | 0x2 | 0x8 | 0x100, 0x2f);
        let got = decode_service(&nest).unwrap();
        let mut want = svc.clone();
        // The mask drops 0x100; HASHED (0x2) is the kernel's own.
        want.flags = ServiceFlags::PERSISTENT | ServiceFlags::SCHED1;
        assert_eq!(got, want);
        // Bits without a name are kept, both ways.
        let nest = kernel_service_nest(&svc, 0x1 | 0x2 | 0x8 | 0x100, !0);
        let got = decode_service(&nest).unwrap();
        assert_eq!(got.flags.bits(), 0x109);
        let mut w = AttrWriter::new();
        encode_service(&mut w, &got);
        let b = w.into_bytes();
        assert!(b.windows(12).any(|f| f[..4] == [12, 0, 7, 0]
            && f[4..8] == 0x109u32.to_ne_bytes()
            && f[8..] == [0xff; 4]));
    }

    #[test]
    fn hashed_is_never_sent() {
        let mut svc = Service::new(tcp(IpAddr::V4(Ipv4Addr::LOCALHOST), 1));
        svc.flags = ServiceFlags::from_bits_retain(ServiceFlags::KERNEL_HASHED | 0x1);
        let mut w = AttrWriter::new();
        encode_service(&mut w, &svc);
        let b = w.into_bytes();
        assert!(
            b.windows(8)
                .any(|f| f[..4] == [12, 0, 7, 0] && f[4..] == 1u32.to_ne_bytes())
        );
    }

    #[test]
    fn an_ipv6_netmask_outside_1_to_128_is_malformed() {
        let mut svc = Service::new(tcp(IpAddr::V6(Ipv6Addr::LOCALHOST), 1));
        svc.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        let mut nest = kernel_service_nest(&svc, 0, !0);
        // NETMASK is the last attribute here unless stats follow; find it.
        let at = nest
            .windows(8)
            .position(|f| f[..4] == [8, 0, 9, 0] && f[4..] == 64u32.to_ne_bytes())
            .expect("netmask attribute");
        nest[at + 4..at + 8].copy_from_slice(&0u32.to_ne_bytes());
        assert!(decode_service(&nest).is_err());
        nest[at + 4..at + 8].copy_from_slice(&129u32.to_ne_bytes());
        assert!(decode_service(&nest).is_err());
    }

    #[test]
    fn decodes_fwmark_reply_without_protocol() {
        let svc = Service::new(ServiceKey::Fwmark {
            mark: 4_000_000_000,
            family: Family::Inet,
        });
        let got = decode_service(&kernel_service_nest(&svc, 2, !0)).unwrap();
        assert_eq!(got.key, svc.key);
        assert_eq!(got.flags, ServiceFlags::empty());
        assert_eq!(got.pe_name, None);
    }

    #[test]
    fn missing_or_bad_fields_are_malformed() {
        let svc = Service::new(tcp(IpAddr::V4(Ipv4Addr::LOCALHOST), 80));
        let good = kernel_service_nest(&svc, 0, !0);
        // Drop the first attribute (AF).
        assert!(matches!(
            decode_service(&good[8..]),
            Err(DecodeError { .. })
        ));
        // Unknown family.
        let mut bad_af = good.clone();
        bad_af[4..6].copy_from_slice(&ne16(99));
        assert!(decode_service(&bad_af).is_err());
        // Every truncation either decodes or errors; none panics.
        for cut in 0..good.len() {
            let _ = decode_service(&good[..cut]);
        }
        // Flipping every byte one at a time must not panic either.
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xff;
            let _ = decode_service(&b);
        }
    }
}
