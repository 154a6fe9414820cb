//! How ipvsadm writes an `addr:port`.
//!
//! Numeric text has to match glibc's `inet_ntop` exactly (scripts parse
//! it), and Rust's `Ipv6Addr` `Display` does not (`::1.2.3.4` comes out as
//! `::102:304`), so the IPv6 rules are spelled out here. Name lookups go
//! through the [`Resolver`] trait: the real one asks the system's NSS
//! (reverse host lookup, services database), the golden tests use a fake.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CStr;
use std::net::{IpAddr, Ipv6Addr};

use ipvs::model::Protocol;

use super::text;
use crate::sys;

/// ipvsadm formats into a 60-byte buffer: at most 59 bytes survive.
pub const NAME_MAX: usize = 59;

/// Name lookups used when `-n` is not given.
pub trait Resolver {
    /// The first name of `addr` (reverse lookup), or `None` if it has none.
    fn host_name(&self, addr: IpAddr) -> Option<String>;
    /// The services-database name of `port` for `protocol`, if any.
    fn service_name(&self, port: u16, protocol: Protocol) -> Option<String>;
}

/// A resolver that knows no names: everything stays numeric.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoNames;

impl Resolver for NoNames {
    fn host_name(&self, _addr: IpAddr) -> Option<String> {
        None
    }
    fn service_name(&self, _port: u16, _protocol: Protocol) -> Option<String> {
        None
    }
}

/// The system's resolver (`getnameinfo` with `NI_NAMEREQD`,
/// `getservbyport_r`), with a per-run cache: a listing names the same
/// hosts and ports over and over.
#[derive(Debug, Default)]
pub struct SystemResolver {
    hosts: RefCell<HashMap<IpAddr, Option<String>>>,
    services: RefCell<HashMap<(u16, u16), Option<String>>>,
}

impl SystemResolver {
    pub fn new() -> SystemResolver {
        SystemResolver::default()
    }
}

impl Resolver for SystemResolver {
    fn host_name(&self, addr: IpAddr) -> Option<String> {
        self.hosts
            .borrow_mut()
            .entry(addr)
            .or_insert_with(|| sys::host_name(addr))
            .clone()
    }

    fn service_name(&self, port: u16, protocol: Protocol) -> Option<String> {
        let proto: &CStr = match protocol {
            Protocol::Tcp => c"tcp",
            Protocol::Udp => c"udp",
            Protocol::Sctp => c"sctp",
            Protocol::Other(_) => return None,
        };
        self.services
            .borrow_mut()
            .entry((port, protocol.raw()))
            .or_insert_with(|| sys::service_name(port, proto))
            .clone()
    }
}

/// An address as glibc's `inet_ntop` writes it.
pub fn ntop(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => {
            let mut s = String::with_capacity(15);
            text::ipv4(&mut s, a);
            s
        }
        IpAddr::V6(a) => ntop6(a),
    }
}

/// glibc's IPv6 text: lower-case hex without leading zeros, the longest
/// run of at least two zero groups (the first of equal runs) as `::`, and
/// a dotted quad for `::a.b.c.d` (run of 6 from the start) and
/// `::ffff:a.b.c.d` (run of 5, then ffff).
pub fn ntop6(addr: Ipv6Addr) -> String {
    let words = addr.segments();
    let octets = addr.octets();
    // Longest zero run; strictly longer wins, so the first of ties stays.
    let (mut best_base, mut best_len) = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best_base, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    // A single zero group is written out.
    let best_base = (best_len >= 2).then_some(best_base);
    let in_run = |i: usize| best_base.is_some_and(|b| i >= b && i < b + best_len);
    let mut s = String::with_capacity(46);
    for (i, &w) in words.iter().enumerate() {
        if in_run(i) {
            if best_base == Some(i) {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            s.push_str(&format!(
                "{}.{}.{}.{}",
                octets[12], octets[13], octets[14], octets[15]
            ));
            return s;
        }
        s.push_str(&format!("{w:x}"));
    }
    if best_base.is_some_and(|b| b + best_len == 8) {
        s.push(':');
    }
    s
}

/// `addr:port` as ipvsadm prints it: IPv6 in brackets; with `numeric`
/// both parts in digits, otherwise the host's name (falling back to
/// digits) and the port's service name for `protocol` (falling back to
/// digits; `None`, as for fwmark services, means always digits). Cut to
/// [`NAME_MAX`] bytes.
pub fn addr_port(
    addr: IpAddr,
    port: u16,
    protocol: Option<Protocol>,
    numeric: bool,
    resolver: &dyn Resolver,
) -> String {
    // Built by appending: this runs once per destination line.
    let mut s = String::with_capacity(48);
    if addr.is_ipv6() {
        s.push('[');
    }
    match (numeric, addr) {
        (true, IpAddr::V4(a)) => text::ipv4(&mut s, a),
        (true, IpAddr::V6(a)) => s.push_str(&ntop6(a)),
        (false, _) => s.push_str(&resolver.host_name(addr).unwrap_or_else(|| ntop(addr))),
    }
    if addr.is_ipv6() {
        s.push(']');
    }
    s.push(':');
    let service = if numeric {
        None
    } else {
        protocol.and_then(|p| resolver.service_name(port, p))
    };
    match service {
        Some(name) => s.push_str(&name),
        None => text::uint(&mut s, u64::from(port)),
    }
    cut(&mut s, NAME_MAX);
    s
}

/// Cut `s` to at most `max` bytes, as C's `buf[max] = '\0'` does (backing
/// off to a character boundary for the rare non-ASCII name).
pub fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// A fake resolver for tests: fixed tables.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct FakeResolver {
    pub hosts: HashMap<IpAddr, String>,
    pub services: HashMap<(u16, u16), String>,
}

#[cfg(test)]
impl FakeResolver {
    pub fn host(mut self, addr: &str, name: &str) -> Self {
        self.hosts.insert(addr.parse().unwrap(), name.to_string());
        self
    }
    pub fn service(mut self, port: u16, protocol: Protocol, name: &str) -> Self {
        self.services
            .insert((port, protocol.raw()), name.to_string());
        self
    }
}

#[cfg(test)]
impl Resolver for FakeResolver {
    fn host_name(&self, addr: IpAddr) -> Option<String> {
        self.hosts.get(&addr).cloned()
    }
    fn service_name(&self, port: u16, protocol: Protocol) -> Option<String> {
        self.services.get(&(port, protocol.raw())).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn v6(s: &str) -> String {
        ntop6(s.parse().unwrap())
    }

    #[test]
    fn ipv6_text_is_glibcs() {
        let cases = [
            ("::1", "::1"),
            ("::", "::"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("::1.2.3.4", "::1.2.3.4"),
            ("2001:db8::1", "2001:db8::1"),
            ("fe80::1", "fe80::1"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1"),
            // first of two equal runs
            ("1:0:0:1:0:0:1:1", "1::1:0:0:1:1"),
            // a single zero group is not compressed
            ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
            ("2001:db8:0:0:0:0:0:0", "2001:db8::"),
            ("0:0:0:0:0:0:0:2", "::2"),
            ("::0.1.0.0", "::0.1.0.0"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
            ("0:0:0:0:0:1:1.2.3.4", "::1:102:304"),
            ("FE80:0:0:0:ABCD:0:0:0", "fe80::abcd:0:0:0"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("0:0:1:0:0:0:0:0", "0:0:1::"),
        ];
        for (input, want) in cases {
            assert_eq!(v6(input), want, "for {input}");
        }
    }

    #[test]
    fn ipv6_text_matches_the_running_glibc() {
        // Zero-heavy addresses: each group is 0, 1, 0xffff or a value.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut w = [0u16; 8];
            for g in w.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *g = match x % 5 {
                    0 | 1 => 0,
                    2 => 1,
                    3 => 0xffff,
                    _ => (x >> 20) as u16,
                };
            }
            let a = Ipv6Addr::from(w);
            assert_eq!(ntop6(a), sys::inet_ntop6(a), "for {w:x?}");
        }
    }

    #[test]
    fn numeric_addr_port() {
        let r = NoNames;
        assert_eq!(
            addr_port(
                "10.0.0.6".parse().unwrap(),
                80,
                Some(Protocol::Tcp),
                true,
                &r
            ),
            "10.0.0.6:80"
        );
        assert_eq!(
            addr_port(
                "2001:db8::1".parse().unwrap(),
                80,
                Some(Protocol::Tcp),
                true,
                &r
            ),
            "[2001:db8::1]:80"
        );
        assert_eq!(
            addr_port("::1.2.3.4".parse().unwrap(), 0, None, true, &r),
            "[::1.2.3.4]:0"
        );
    }

    #[test]
    fn names_and_fallbacks() {
        let r = FakeResolver::default()
            .host("10.0.0.6", "web.example")
            .host("2001:db8::1", "six.example")
            .service(80, Protocol::Tcp, "http")
            .service(53, Protocol::Udp, "domain");
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            addr_port(a("10.0.0.6"), 80, Some(Protocol::Tcp), false, &r),
            "web.example:http"
        );
        // -n wins over known names
        assert_eq!(
            addr_port(a("10.0.0.6"), 80, Some(Protocol::Tcp), true, &r),
            "10.0.0.6:80"
        );
        // the port name is looked up for the service's protocol only
        assert_eq!(
            addr_port(a("10.0.0.6"), 80, Some(Protocol::Udp), false, &r),
            "web.example:80"
        );
        // fwmark services: numeric ports
        assert_eq!(addr_port(a("10.0.0.7"), 80, None, false, &r), "10.0.0.7:80");
        assert_eq!(
            addr_port(a("2001:db8::1"), 53, Some(Protocol::Udp), false, &r),
            "[six.example]:domain"
        );
    }

    #[test]
    fn names_cut_at_59_bytes() {
        let long = "a".repeat(70);
        let r = FakeResolver::default().host("10.0.0.6", &long);
        let s = addr_port(
            "10.0.0.6".parse().unwrap(),
            80,
            Some(Protocol::Tcp),
            false,
            &r,
        );
        assert_eq!(s, "a".repeat(59));
        let mut u = "é".repeat(40);
        cut(&mut u, 59);
        assert_eq!(u.len(), 58);
    }

    #[test]
    fn system_resolver_knows_etc_services() {
        // Only checks what a Debian /etc/services always has.
        let r = SystemResolver::new();
        if std::path::Path::new("/etc/services").exists() {
            assert_eq!(r.service_name(80, Protocol::Tcp).as_deref(), Some("http"));
        }
        assert_eq!(r.service_name(80, Protocol::Other(99)), None);
    }
}
