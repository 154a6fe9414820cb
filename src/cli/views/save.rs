//! `ipvsadm -S`: each service as an `-A` line followed by its `-a` lines,
//! in a form `-R` reads back.
//!
//! Identical to 1.31 except where 1.31 lost data: fwmarks unsigned (D1),
//! thresholds appended as ` -x`/` -y` when non-zero (D3), and the third
//! scheduler flag written by name so `-b` is never empty (D4).

use std::io::{self, Write};

use ipvs::model::{
    Destination, Family, ForwardMethod, Protocol, Service, ServiceFlags, ServiceKey,
};

use super::labels::{forward_switch, netmask_text, sched_flag_names, tunnel_options};
use super::list::protocol_of;
use super::names::{Resolver, addr_port};
use super::text;

/// The service operand as the save format writes it: `-t 10.0.0.6:80`,
/// `-f 1 -6`. Never cut (besides the 59-byte name limit).
pub fn service_operand(svc: &Service, numeric: bool, resolver: &dyn Resolver) -> String {
    match svc.key {
        ServiceKey::Fwmark { mark, family } => match family {
            Family::Inet => format!("-f {mark}"),
            Family::Inet6 => format!("-f {mark} -6"),
        },
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let switch = match protocol {
                Protocol::Tcp => "-t",
                Protocol::Udp => "-u",
                Protocol::Sctp => "--sctp-service",
                Protocol::Other(_) => "--xxx-service",
            };
            format!(
                "{switch} {}",
                addr_port(addr, port, Some(protocol), numeric, resolver)
            )
        }
    }
}

/// The `-A` line of a service and the `-a` lines of `dests`, in the order
/// given (sort them first with `sort::destinations`).
pub fn write_service(
    out: &mut impl Write,
    svc: &Service,
    dests: &[Destination],
    numeric: bool,
    resolver: &dyn Resolver,
) -> io::Result<()> {
    let operand = service_operand(svc, numeric, resolver);
    writeln!(out, "{}", service_line(svc, &operand))?;
    for d in dests {
        let mut line = destination_line(svc, &operand, d, numeric, resolver);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The `-A` line of `svc` (no newline), `operand` from
/// [`service_operand`]. Everything the service has is stated, so with
/// `-E` in place of `-A` it is also a whole edit.
pub fn service_line(svc: &Service, operand: &str) -> String {
    let mut line = format!("-A {operand} -s {}", svc.scheduler);
    if svc.is_persistent() {
        line.push_str(&format!(" -p {}", svc.timeout));
        if let Some(mask) = netmask_text(svc) {
            line.push_str(&format!(" -M {mask}"));
        }
    }
    if let Some(pe) = &svc.pe_name {
        line.push_str(&format!(" --pe {pe}"));
    }
    if svc.flags.contains(ServiceFlags::ONEPACKET) {
        line.push_str(" -o");
    }
    let flags = sched_flag_names(svc);
    if !flags.is_empty() {
        line.push_str(&format!(" -b {}", flags.join(",")));
    }
    line
}

/// The `-a` line of `d` in `svc` (no newline), appended piece by piece
/// (see `text`); like [`service_line`], a whole edit with `-e`.
pub fn destination_line(
    svc: &Service,
    operand: &str,
    d: &Destination,
    numeric: bool,
    resolver: &dyn Resolver,
) -> String {
    let mut line = String::with_capacity(96);
    line.push_str("-a ");
    line.push_str(operand);
    line.push_str(" -r ");
    line.push_str(&addr_port(
        d.addr,
        d.port,
        protocol_of(svc),
        numeric,
        resolver,
    ));
    line.push(' ');
    line.push_str(forward_switch(d.forward));
    line.push_str(" -w ");
    text::int(&mut line, i64::from(d.weight as i32));
    if d.forward == ForwardMethod::Tunnel {
        line.push_str(&tunnel_options(d));
    }
    for (switch, value) in [(" -x ", d.u_threshold), (" -y ", d.l_threshold)] {
        if value != 0 {
            line.push_str(switch);
            text::uint(&mut line, u64::from(value));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::fixtures::{dest, fwm, service as svc};
    use crate::cli::views::names::{FakeResolver, NoNames};
    use ipvs::model::{Netmask, Tunnel, TunnelFlags, TunnelType};
    use pretty_assertions::assert_eq;
    use std::net::Ipv4Addr;

    fn save(s: &Service, dests: &[Destination]) -> String {
        let mut v = Vec::new();
        write_service(&mut v, s, dests, true, &NoNames).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn examples_of_the_facts_file() {
        let mut s = svc(Protocol::Tcp, "10.0.0.6", 80);
        s.flags = ServiceFlags::from_bits_retain(
            ServiceFlags::PERSISTENT.bits() | ServiceFlags::KERNEL_HASHED,
        );
        s.timeout = 600;
        s.netmask = Netmask::V4(Ipv4Addr::from(0xffff_ff00u32));
        s.pe_name = Some("sip".into());
        let mut d = dest("192.168.0.5", 80);
        d.forward = ForwardMethod::Tunnel;
        d.tunnel = Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::CSUM);
        assert_eq!(
            save(&s, &[d]),
            "-A -t 10.0.0.6:80 -s wlc -p 600 -M 255.255.255.0 --pe sip\n\
             -a -t 10.0.0.6:80 -r 192.168.0.5:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n"
        );

        let mut s = fwm(1, Family::Inet6);
        s.scheduler = "rr".into();
        assert_eq!(save(&s, &[]), "-A -f 1 -6 -s rr\n");

        let s = fwm(5, Family::Inet);
        assert_eq!(
            save(&s, &[dest("192.168.0.1", 0)]),
            "-A -f 5 -s wlc\n-a -f 5 -r 192.168.0.1:0 -g -w 1\n"
        );
    }

    #[test]
    fn every_service_kind_and_option() {
        let mut s = svc(Protocol::Udp, "2001:db8::1", 53);
        s.scheduler = "none".into();
        s.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET;
        s.timeout = 360;
        s.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        assert_eq!(
            save(&s, &[]),
            "-A -u [2001:db8::1]:53 -s none -p 360 -M 64 -o\n"
        );

        // netmask of a non-persistent service is not saved; pe is
        let mut s = svc(Protocol::Sctp, "10.0.0.11", 5060);
        s.netmask = Netmask::V4(Ipv4Addr::from(0xffff_0000u32));
        s.pe_name = Some("sip".into());
        assert_eq!(
            save(&s, &[]),
            "-A --sctp-service 10.0.0.11:5060 -s wlc --pe sip\n"
        );

        let s = svc(Protocol::Other(99), "10.0.0.12", 1);
        assert_eq!(save(&s, &[]), "-A --xxx-service 10.0.0.12:1 -s wlc\n");

        let mut s = svc(Protocol::Tcp, "10.0.0.10", 80);
        s.scheduler = "sh".into();
        s.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
        assert_eq!(
            save(&s, &[]),
            "-A -t 10.0.0.10:80 -s sh -b sh-fallback,sh-port\n"
        );
    }

    #[test]
    fn fixed_defects() {
        // D1: unsigned fwmark
        assert_eq!(
            save(&fwm(u32::MAX, Family::Inet), &[]),
            "-A -f 4294967295 -s wlc\n"
        );
        // D4: flag-3 is written, -b never empty
        let mut s = svc(Protocol::Tcp, "10.0.0.1", 80);
        s.scheduler = "sh".into();
        s.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED3;
        assert_eq!(
            save(&s, &[]),
            "-A -t 10.0.0.1:80 -s sh -b sh-fallback,flag-3\n"
        );
        s.scheduler = "mh".into();
        s.flags = ServiceFlags::SCHED3;
        assert_eq!(save(&s, &[]), "-A -t 10.0.0.1:80 -s mh -b flag-3\n");
        // D3: thresholds only when non-zero
        let s = svc(Protocol::Tcp, "10.0.0.1", 80);
        let mut both = dest("192.168.0.1", 80);
        both.u_threshold = 100;
        both.l_threshold = 10;
        let mut upper = dest("192.168.0.2", 80);
        upper.u_threshold = 2_147_483_647;
        upper.forward = ForwardMethod::Masquerade;
        upper.weight = 0;
        assert_eq!(
            save(&s, &[both, upper, dest("192.168.0.3", 80)]),
            "-A -t 10.0.0.1:80 -s wlc\n\
             -a -t 10.0.0.1:80 -r 192.168.0.1:80 -g -w 1 -x 100 -y 10\n\
             -a -t 10.0.0.1:80 -r 192.168.0.2:80 -m -w 0 -x 2147483647\n\
             -a -t 10.0.0.1:80 -r 192.168.0.3:80 -g -w 1\n"
        );
    }

    #[test]
    fn tunnel_and_local_dests() {
        let s = svc(Protocol::Tcp, "10.0.0.1", 80);
        let mut ipip = dest("192.168.0.1", 80);
        ipip.forward = ForwardMethod::Tunnel;
        let mut gre = dest("2001:db8::5", 80);
        gre.forward = ForwardMethod::Tunnel;
        gre.tunnel.kind = TunnelType::Gre;
        gre.tunnel.flags = TunnelFlags::REMCSUM;
        gre.u_threshold = 5;
        let mut local = dest("10.0.0.1", 80);
        local.forward = ForwardMethod::Local;
        assert_eq!(
            save(&s, &[ipip, gre, local]),
            "-A -t 10.0.0.1:80 -s wlc\n\
             -a -t 10.0.0.1:80 -r 192.168.0.1:80 -i -w 1 --tun-type ipip\n\
             -a -t 10.0.0.1:80 -r [2001:db8::5]:80 -i -w 1 --tun-type gre --tun-remcsum -x 5\n\
             -a -t 10.0.0.1:80 -r 10.0.0.1:80 -g -w 1\n"
        );
    }

    #[test]
    fn names_without_n_are_not_cut_to_columns() {
        let long = "a-very-long-host-name.in.a.deep.example.org";
        let r = FakeResolver::default()
            .host("10.0.0.6", long)
            .service(80, Protocol::Tcp, "http");
        let s = svc(Protocol::Tcp, "10.0.0.6", 80);
        let mut v = Vec::new();
        write_service(&mut v, &s, &[dest("10.0.0.6", 80)], false, &r).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            format!("-A -t {long}:http -s wlc\n-a -t {long}:http -r {long}:http -g -w 1\n")
        );
    }
}
