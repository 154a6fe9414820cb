//! `ipvsadm -L`: the version header, the column titles and one block per
//! service (its line, then one line per destination).
//!
//! Widths and blanks are ipvsadm 1.31's to the byte, including its
//! trailing blanks and its cuts of long fields; the differences are the
//! fixes the README lists: fwmarks unsigned (D1), 64-bit destination
//! counters (D2), and the third scheduler flag named for `sh`/`mh` (D4).

use std::io::{self, Write};
use std::net::IpAddr;

use ipvs::model::{Destination, Info, Protocol, Service, ServiceFlags, ServiceKey};

use super::labels::{forward_name, netmask_text, sched_flag_names, tunnel_info};
use super::names::{Resolver, addr_port, cut};
use super::numbers::{push_scaled, scaled};
use super::text;
use crate::cli::command::ServiceFormat;

/// How the service table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListOptions {
    pub format: ServiceFormat,
    /// `-n`: no name lookups.
    pub numeric: bool,
    /// `-X`/`--exact`: unscaled counters.
    pub exact: bool,
}

/// Service labels of IPv4 (and fwmark) services are cut to this many bytes.
const SERVICE_CUT: usize = 33;
/// IPv4 destination names are cut to this many bytes.
const DEST_CUT: usize = 28;

/// `IP Virtual Server version 1.2.1 (size=4096)`: only for a full listing.
pub fn write_header(out: &mut impl Write, info: &Info) -> io::Result<()> {
    let (a, b, c) = info.version_triplet();
    writeln!(
        out,
        "IP Virtual Server version {a}.{b}.{c} (size={})",
        info.conn_tab_size as i32
    )
}

/// The two title lines of a format (also when there are no services).
pub fn write_titles(out: &mut impl Write, format: ServiceFormat) -> io::Result<()> {
    const PROT: &str = "Prot LocalAddress:Port";
    const REMOTE: &str = "  -> RemoteAddress:Port";
    match format {
        ServiceFormat::Default => writeln!(
            out,
            "{PROT} Scheduler Flags\n{REMOTE}           Forward Weight ActiveConn InActConn"
        ),
        ServiceFormat::TunInfo => writeln!(
            out,
            "{PROT} Scheduler Flags\n{REMOTE}           Forward TunnelInfo    Weight ActiveConn InActConn"
        ),
        ServiceFormat::Stats => writeln!(
            out,
            "{PROT:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n{REMOTE}",
            "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"
        ),
        ServiceFormat::Rate => writeln!(
            out,
            "{PROT:<33} {:>8} {:>8} {:>8} {:>8} {:>8}\n{REMOTE}",
            "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"
        ),
        ServiceFormat::Thresholds => writeln!(
            out,
            "{PROT:<33} {:<10} {:<10} {:<10} {:<10}\n{REMOTE}",
            "Uthreshold", "Lthreshold", "ActiveConn", "InActConn"
        ),
        ServiceFormat::PersistentConn => writeln!(
            out,
            "{PROT:<33} {:<9} {:<11} {:<10} {:<10}\n{REMOTE}",
            "Weight", "PersistConn", "ActiveConn", "InActConn"
        ),
    }
}

/// The protocol of an address service (ports of fwmark services are
/// never named).
pub(super) fn protocol_of(svc: &Service) -> Option<Protocol> {
    match svc.key {
        ServiceKey::Addr { protocol, .. } => Some(protocol),
        ServiceKey::Fwmark { .. } => None,
    }
}

/// The first column of a service line: `TCP  10.0.0.6:80`, `FWM  1 IPv6`.
pub fn service_label(svc: &Service, numeric: bool, resolver: &dyn Resolver) -> String {
    match svc.key {
        ServiceKey::Fwmark { mark, family } => {
            if family == ipvs::model::Family::Inet6 {
                format!("FWM  {mark} IPv6")
            } else {
                format!("FWM  {mark}")
            }
        }
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let proto = match protocol {
                Protocol::Tcp => "TCP",
                Protocol::Udp => "UDP",
                Protocol::Sctp => "SCTP",
                Protocol::Other(_) => "?",
            };
            let mut s = format!(
                "{proto:<4} {}",
                addr_port(addr, port, Some(protocol), numeric, resolver)
            );
            if addr.is_ipv4() {
                cut(&mut s, SERVICE_CUT);
            }
            s
        }
    }
}

/// The first column of a destination line (IPv4 cut to 28 bytes).
pub fn dest_label(
    svc: &Service,
    dest: &Destination,
    numeric: bool,
    resolver: &dyn Resolver,
) -> String {
    let mut s = addr_port(dest.addr, dest.port, protocol_of(svc), numeric, resolver);
    if dest.addr.is_ipv4() {
        cut(&mut s, DEST_CUT);
    }
    s
}

/// The scheduler and flags part of a service line in the non-counter views.
fn service_details(svc: &Service) -> String {
    let mut s = format!(" {}", svc.scheduler);
    let flags = sched_flag_names(svc);
    if !flags.is_empty() {
        s.push_str(&format!(" ({})", flags.join(",")));
    }
    if svc.is_persistent() {
        s.push_str(&format!(" persistent {}", svc.timeout));
        if let Some(mask) = netmask_text(svc) {
            s.push_str(&format!(" mask {mask}"));
        }
        // ipvsadm 1.31 shows the engine only for persistent services
        // (`-S` writes it whenever it is set).
        if let Some(pe) = &svc.pe_name {
            s.push_str(&format!(" pe {pe}"));
        }
    }
    if svc.flags.contains(ServiceFlags::ONEPACKET) {
        s.push_str(" ops");
    }
    s
}

/// One service and its destinations, in the order given (sort them first
/// with `sort::destinations` unless `--nosort`).
pub fn write_service(
    out: &mut impl Write,
    svc: &Service,
    dests: &[Destination],
    opts: &ListOptions,
    resolver: &dyn Resolver,
) -> io::Result<()> {
    let label = service_label(svc, opts.numeric, resolver);
    let n = |v: u64| scaled(v, opts.exact);
    let st = &svc.stats;
    match opts.format {
        ServiceFormat::Stats => writeln!(
            out,
            "{label:<33}{}{}{}{}{}",
            n(st.conns),
            n(st.inpkts),
            n(st.outpkts),
            n(st.inbytes),
            n(st.outbytes)
        )?,
        ServiceFormat::Rate => writeln!(
            out,
            "{label:<33}{}{}{}{}{}",
            n(st.cps),
            n(st.inpps),
            n(st.outpps),
            n(st.inbps),
            n(st.outbps)
        )?,
        _ => writeln!(out, "{label}{}", service_details(svc))?,
    }
    // One buffer for every line of the service, not one per line.
    let mut line = String::with_capacity(128);
    for dest in dests {
        line.clear();
        dest_line(&mut line, svc, dest, opts, resolver);
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// One `  -> ` line, appended column by column (see `text` for why not
/// `write!`); each column is the `{:<N}` or `{:>N}` of 1.31's printf.
fn dest_line(
    line: &mut String,
    svc: &Service,
    d: &Destination,
    opts: &ListOptions,
    resolver: &dyn Resolver,
) {
    line.push_str("  -> ");
    match (opts.numeric, d.addr) {
        // At most "255.255.255.255:65535", 21 ASCII bytes: never cut, so
        // written in place rather than through a String (one per line).
        (true, IpAddr::V4(a)) => {
            let start = line.len();
            text::ipv4(line, a);
            line.push(':');
            text::uint(line, u64::from(d.port));
            text::pad_ascii(line, start, 28);
        }
        _ => text::left(line, &dest_label(svc, d, opts.numeric, resolver), 28),
    }
    // `col` for a left-aligned number after one blank, `n` for a counter.
    let col = |line: &mut String, v: u32, width: usize| {
        line.push(' ');
        text::uint_left(line, u64::from(v), width);
    };
    let n = |line: &mut String, v: u64| push_scaled(line, v, opts.exact);
    // The kernel keeps the weight as a signed int.
    let weight = i64::from(d.weight as i32);
    let st = &d.stats;
    match opts.format {
        ServiceFormat::Default | ServiceFormat::TunInfo => {
            line.push(' ');
            text::left(line, forward_name(d.forward), 7);
            if opts.format == ServiceFormat::TunInfo {
                line.push(' ');
                text::left(line, &tunnel_info(d), 13);
            }
            line.push(' ');
            text::int_left(line, weight, 6);
            col(line, d.active_conns, 10);
            col(line, d.inactive_conns, 10);
        }
        ServiceFormat::Thresholds => {
            col(line, d.u_threshold, 10);
            col(line, d.l_threshold, 10);
            col(line, d.active_conns, 10);
            col(line, d.inactive_conns, 10);
        }
        ServiceFormat::PersistentConn => {
            col(line, d.weight, 9);
            col(line, d.persist_conns, 11);
            col(line, d.active_conns, 10);
            col(line, d.inactive_conns, 10);
        }
        ServiceFormat::Stats => {
            for v in [st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes] {
                n(line, v);
            }
        }
        // cps/pps are raw (1.31 never scales them), the byte rates scaled.
        ServiceFormat::Rate => {
            for v in [st.cps, st.inpps, st.outpps] {
                line.push(' ');
                text::uint_right(line, v, 8);
            }
            n(line, st.inbps);
            n(line, st.outbps);
        }
    }
    line.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::fixtures::{dest, fwm, service as with_proto, tcp};
    use crate::cli::views::names::{FakeResolver, NoNames};
    use ipvs::model::{Family, ForwardMethod, Netmask, Stats, Tunnel, TunnelFlags, TunnelType};
    use pretty_assertions::assert_eq;
    use std::net::Ipv4Addr;

    fn opts(format: ServiceFormat) -> ListOptions {
        ListOptions {
            format,
            numeric: true,
            exact: false,
        }
    }
    fn render(svc: &Service, dests: &[Destination], o: ListOptions, r: &dyn Resolver) -> String {
        let mut v = Vec::new();
        write_service(&mut v, svc, dests, &o, r).unwrap();
        String::from_utf8(v).unwrap()
    }
    fn line(svc: &Service) -> String {
        render(svc, &[], opts(ServiceFormat::Default), &NoNames)
    }

    #[test]
    fn header_and_default_titles() {
        let mut v = Vec::new();
        write_header(&mut v, &Info::new(0x010201, 4096)).unwrap();
        write_titles(&mut v, ServiceFormat::Default).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "IP Virtual Server version 1.2.1 (size=4096)\n\
             Prot LocalAddress:Port Scheduler Flags\n\
             \x20 -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        );
    }

    #[test]
    fn titles_of_every_format() {
        let t = |f| {
            let mut v = Vec::new();
            write_titles(&mut v, f).unwrap();
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            t(ServiceFormat::TunInfo),
            "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
        );
        assert_eq!(
            t(ServiceFormat::Stats),
            "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n"
        );
        assert_eq!(
            t(ServiceFormat::Rate),
            "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n"
        );
        assert_eq!(
            t(ServiceFormat::Thresholds),
            "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n"
        );
        assert_eq!(
            t(ServiceFormat::PersistentConn),
            "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n  -> RemoteAddress:Port\n"
        );
    }

    #[test]
    fn service_lines_of_the_facts_file() {
        let mut s = tcp("10.0.0.6", 80);
        s.flags = ServiceFlags::PERSISTENT;
        s.timeout = 600;
        s.netmask = Netmask::V4(Ipv4Addr::from(0xffff_ff00u32));
        s.pe_name = Some("sip".into());
        assert_eq!(
            line(&s),
            "TCP  10.0.0.6:80 wlc persistent 600 mask 255.255.255.0 pe sip\n"
        );

        let mut s = tcp("2001:db8::1", 80);
        s.scheduler = "sh".into();
        s.flags = ServiceFlags::PERSISTENT | ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
        s.timeout = 360;
        s.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        assert_eq!(
            line(&s),
            "TCP  [2001:db8::1]:80 sh (sh-fallback,sh-port) persistent 360 mask 64\n"
        );

        let mut s = with_proto(Protocol::Udp, "10.0.0.5", 53);
        s.scheduler = "rr".into();
        s.flags = ServiceFlags::ONEPACKET;
        assert_eq!(line(&s), "UDP  10.0.0.5:53 rr ops\n");

        let mut s = with_proto(Protocol::Sctp, "10.0.0.11", 5060);
        s.scheduler = "rr".into();
        assert_eq!(line(&s), "SCTP 10.0.0.11:5060 rr\n");

        let mut s = fwm(1, Family::Inet6);
        s.scheduler = "rr".into();
        assert_eq!(line(&s), "FWM  1 IPv6 rr\n");

        let mut s = tcp("10.0.0.10", 80);
        s.flags = ServiceFlags::from_bits_retain(
            ServiceFlags::SCHED1.bits() | ServiceFlags::SCHED2.bits() | ServiceFlags::KERNEL_HASHED,
        );
        assert_eq!(line(&s), "TCP  10.0.0.10:80 wlc (flag-1,flag-2)\n");

        let mut s = with_proto(Protocol::Other(99), "10.0.0.12", 1);
        s.scheduler = "none".into();
        assert_eq!(line(&s), "?    10.0.0.12:1 none\n");
    }

    #[test]
    fn mask_only_with_persistence() {
        let mut s = tcp("10.0.0.6", 80);
        s.netmask = Netmask::V4(Ipv4Addr::from(0xffff_ff00u32));
        assert_eq!(line(&s), "TCP  10.0.0.6:80 wlc\n");
        s.flags = ServiceFlags::PERSISTENT;
        s.timeout = 360;
        s.netmask = Netmask::V4(Ipv4Addr::from(0xffff_ffffu32));
        assert_eq!(line(&s), "TCP  10.0.0.6:80 wlc persistent 360\n");
        let mut s = tcp("2001:db8::1", 80);
        s.flags = ServiceFlags::PERSISTENT;
        s.timeout = 1;
        assert_eq!(line(&s), "TCP  [2001:db8::1]:80 wlc persistent 1\n");
    }

    #[test]
    fn pe_only_with_persistence() {
        let mut s = with_proto(Protocol::Udp, "10.0.0.1", 5060);
        s.pe_name = Some("sip".into());
        s.flags = ServiceFlags::ONEPACKET;
        assert_eq!(line(&s), "UDP  10.0.0.1:5060 wlc ops\n");
        s.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET;
        s.timeout = 60;
        assert_eq!(
            line(&s),
            "UDP  10.0.0.1:5060 wlc persistent 60 pe sip ops\n"
        );
    }

    #[test]
    fn fixed_defects_in_service_lines() {
        // D1: unsigned fwmark
        let mut s = fwm(u32::MAX, Family::Inet);
        s.scheduler = "rr".into();
        assert_eq!(line(&s), "FWM  4294967295 rr\n");
        // D4: the third flag is named for sh and mh
        let mut s = tcp("10.0.0.1", 80);
        s.scheduler = "sh".into();
        s.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED3;
        assert_eq!(line(&s), "TCP  10.0.0.1:80 sh (sh-fallback,flag-3)\n");
        s.scheduler = "mh".into();
        s.flags = ServiceFlags::SCHED3;
        assert_eq!(line(&s), "TCP  10.0.0.1:80 mh (flag-3)\n");
        s.scheduler = "rr".into();
        s.flags = ServiceFlags::SCHED_MASK;
        assert_eq!(line(&s), "TCP  10.0.0.1:80 rr (flag-1,flag-2,flag-3)\n");
    }

    #[test]
    fn default_destination_lines_keep_trailing_blanks() {
        let mut s = tcp("10.0.0.6", 80);
        s.scheduler = "rr".into();
        let mut d = dest("192.168.0.1", 80);
        d.weight = 7;
        let mut m = dest("192.168.0.2", 8080);
        m.forward = ForwardMethod::Masquerade;
        m.weight = 0;
        m.active_conns = u32::MAX;
        m.inactive_conns = 12;
        let mut l = dest("10.0.0.6", 80);
        l.forward = ForwardMethod::Local;
        assert_eq!(
            render(&s, &[d, m, l], opts(ServiceFormat::Default), &NoNames),
            "TCP  10.0.0.6:80 rr\n\
             \x20 -> 192.168.0.1:80               Route   7      0          0         \n\
             \x20 -> 192.168.0.2:8080             Masq    0      4294967295 12        \n\
             \x20 -> 10.0.0.6:80                  Local   1      0          0         \n"
        );
    }

    #[test]
    fn tunnel_info_view() {
        let s = tcp("10.0.0.6", 80);
        let mut gue = dest("192.168.0.5", 80);
        gue.forward = ForwardMethod::Tunnel;
        gue.tunnel = Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::CSUM);
        let mut ipip = dest("192.168.0.6", 80);
        ipip.forward = ForwardMethod::Tunnel;
        let mut gre = dest("192.168.0.7", 80);
        gre.forward = ForwardMethod::Tunnel;
        gre.tunnel.kind = TunnelType::Gre;
        gre.tunnel.flags = TunnelFlags::REMCSUM;
        let route = dest("192.168.0.8", 80);
        assert_eq!(
            render(
                &s,
                &[gue, ipip, gre, route],
                opts(ServiceFormat::TunInfo),
                &NoNames
            ),
            "TCP  10.0.0.6:80 wlc\n\
             \x20 -> 192.168.0.5:80               Tunnel  gue:6080:+c   1      0          0         \n\
             \x20 -> 192.168.0.6:80               Tunnel  ipip          1      0          0         \n\
             \x20 -> 192.168.0.7:80               Tunnel  gre:r+c       1      0          0         \n\
             \x20 -> 192.168.0.8:80               Route   n/a           1      0          0         \n"
        );
    }

    #[test]
    fn thresholds_and_persistent_conn_views() {
        let s = tcp("10.0.0.6", 80);
        let mut d = dest("192.168.0.1", 80);
        d.u_threshold = 100;
        d.l_threshold = 10;
        d.active_conns = 3;
        d.inactive_conns = 4;
        d.persist_conns = 5;
        d.weight = 2_147_483_647;
        assert_eq!(
            render(
                &s,
                std::slice::from_ref(&d),
                opts(ServiceFormat::Thresholds),
                &NoNames
            ),
            "TCP  10.0.0.6:80 wlc\n  -> 192.168.0.1:80               100        10         3          4         \n"
        );
        assert_eq!(
            render(&s, &[d], opts(ServiceFormat::PersistentConn), &NoNames),
            "TCP  10.0.0.6:80 wlc\n  -> 192.168.0.1:80               2147483647 5           3          4         \n"
        );
    }

    fn counters(base: u64) -> Stats {
        {
            let mut v = Stats::default();
            v.conns = base;
            v.inpkts = base * 10;
            v.outpkts = 0;
            v.inbytes = 123_456_789_012;
            v.outbytes = u64::MAX;
            v.cps = 1;
            v.inpps = 100_000_000;
            v.outpps = 5_000_000_000;
            v.inbps = 99_999_999;
            v.outbps = 100_000_000;
            v
        }
    }

    #[test]
    fn stats_view() {
        let mut s = tcp("10.0.0.6", 80);
        s.stats = counters(7);
        let mut d = dest("192.168.0.1", 80);
        // D2: full 64-bit destination counters
        d.stats = counters(5_000_000_000);
        assert_eq!(
            render(&s, &[d], opts(ServiceFormat::Stats), &NoNames),
            "TCP  10.0.0.6:80                         7       70        0     123G18446744T\n\
             \x20 -> 192.168.0.1:80                  5000M   50000M        0     123G18446744T\n"
        );
    }

    #[test]
    fn rate_view_raw_fields_are_unscaled() {
        let mut s = tcp("10.0.0.6", 80);
        s.stats = counters(7);
        let mut d = dest("192.168.0.1", 80);
        d.stats = counters(7);
        assert_eq!(
            render(&s, &[d], opts(ServiceFormat::Rate), &NoNames),
            "TCP  10.0.0.6:80                         1  100000K    5000M 99999999  100000K\n\
             \x20 -> 192.168.0.1:80                      1 100000000 5000000000 99999999  100000K\n"
        );
    }

    #[test]
    fn exact_numbers_in_stats() {
        let mut s = tcp("10.0.0.6", 80);
        s.stats = counters(7);
        let o = ListOptions {
            exact: true,
            ..opts(ServiceFormat::Stats)
        };
        assert_eq!(
            render(&s, &[], o, &NoNames),
            "TCP  10.0.0.6:80                         7       70        0 123456789012 18446744073709551615\n"
        );
    }

    #[test]
    fn long_names_are_cut_ipv4_only() {
        let long = "a-very-long-host-name.in.a.deep.example.org";
        let r = FakeResolver::default()
            .host("10.0.0.6", long)
            .host("192.168.0.1", long)
            .host("2001:db8::1", long)
            .service(80, Protocol::Tcp, "http");
        let o = ListOptions {
            numeric: false,
            ..opts(ServiceFormat::Default)
        };
        let s = tcp("10.0.0.6", 80);
        assert_eq!(
            render(
                &s,
                &[dest("192.168.0.1", 80), dest("2001:db8::1", 80)],
                o,
                &r
            ),
            "TCP  a-very-long-host-name.in.a.d wlc\n\
             \x20 -> a-very-long-host-name.in.a.d Route   1      0          0         \n\
             \x20 -> [a-very-long-host-name.in.a.deep.example.org]:http Route   1      0          0         \n"
        );
        let s6 = tcp("2001:db8::1", 80);
        assert_eq!(
            render(&s6, &[], o, &r),
            "TCP  [a-very-long-host-name.in.a.deep.example.org]:http wlc\n"
        );
        // fwmark services: ports stay numeric even without -n
        let f = fwm(5, Family::Inet);
        assert_eq!(
            render(&f, &[dest("192.168.0.1", 80)], o, &r),
            "FWM  5 wlc\n  -> a-very-long-host-name.in.a.d Route   1      0          0         \n"
        );
        assert_eq!(
            render(&f, &[dest("192.168.0.2", 80)], o, &r),
            "FWM  5 wlc\n  -> 192.168.0.2:80               Route   1      0          0         \n"
        );
    }

    #[test]
    fn ipv6_names_are_not_cut_or_padded_in_stats() {
        let s = tcp("2001:db8:1234:5678:9abc:def0:1234:5678", 65535);
        assert_eq!(
            render(&s, &[], opts(ServiceFormat::Stats), &NoNames),
            "TCP  [2001:db8:1234:5678:9abc:def0:1234:5678]:65535        0        0        0        0        0\n"
        );
    }
}
