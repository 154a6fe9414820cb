//! The value syntaxes ipvsadm accepts, emulating the C functions it uses:
//! `strtol` for numbers, `atoi` for IPv6 netmasks, `inet_aton` for IPv4
//! addresses and masks, `inet_pton` for IPv6 literals and multicast
//! groups, and its `host[:port]` operand rules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::model::{Family, Netmask, Protocol, ServiceFlags};

use super::error::ParseError;
use super::lookup;

/// C `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What C `strtol(s, &end, 10)` yields on a 64-bit system.
struct Strtol {
    /// The value, saturated to the `long` range on overflow.
    value: i64,
    /// Digits were read (`end != s`).
    any: bool,
    /// Nothing follows the number (`*end == '\0'`).
    whole: bool,
    /// ERANGE.
    overflow: bool,
}

fn strtol(s: &str) -> Strtol {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && is_c_space(bytes[i]) {
        i += 1;
    }
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut magnitude: u128 = 0;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        magnitude = (magnitude * 10 + u128::from(d - b'0')).min(1 << 64);
        i += 1;
    }
    if i == start {
        return Strtol {
            value: 0,
            any: false,
            whole: bytes.is_empty(),
            overflow: false,
        };
    }
    let (value, overflow) = if negative {
        if magnitude > 1 << 63 {
            (i64::MIN, true)
        } else {
            ((magnitude as i128).wrapping_neg() as i64, false)
        }
    } else if magnitude > i64::MAX as u128 {
        (i64::MAX, true)
    } else {
        (magnitude as i64, false)
    };
    Strtol {
        value,
        any: true,
        whole: i == bytes.len(),
        overflow,
    }
}

/// ipvsadm's `string_to_number`: base 10, leading blanks and a sign
/// allowed, the whole string a number, then `min..=max`.
pub fn number(s: &str, min: i64, max: i64) -> Option<i64> {
    let n = strtol(s);
    (n.any && n.whole && !n.overflow && (min..=max).contains(&n.value)).then_some(n.value)
}

/// C `atoi`: `(int) strtol(s, NULL, 10)`, trailing junk ignored.
pub fn atoi(s: &str) -> i32 {
    strtol(s).value as i32
}

/// A firewall mark: 1..=4294967295 in `strtol` syntax.
pub fn fwmark(s: &str) -> Result<u32, ParseError> {
    let n = strtol(s);
    if n.any && n.whole && !n.overflow && n.value > 0 && n.value <= i64::from(u32::MAX) {
        Ok(n.value as u32)
    } else {
        Err(ParseError::Fwmark(s.to_string()))
    }
}

/// glibc `inet_aton`: one to four parts, each decimal, octal (`0…`) or hex
/// (`0x…`), the last one filling the remaining bytes; trailing blanks and
/// anything after them are ignored.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let bytes = s.as_bytes();
    // At most three parts before the last (no allocation: `-R` reads
    // thousands of addresses).
    let mut parts = [0u32; 3];
    let mut count = 0;
    let mut i = 0;
    let last = loop {
        if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (value, next) = strtoul_base0(bytes, i)?;
        i = next;
        if bytes.get(i) == Some(&b'.') {
            if count > 2 || value > 0xff {
                return None;
            }
            parts[count] = value;
            count += 1;
            i += 1;
        } else {
            break value;
        }
    };
    if let Some(&c) = bytes.get(i)
        && !is_c_space(c)
    {
        return None;
    }
    const MAX: [u32; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    if last > MAX[count] {
        return None;
    }
    let mut word: u32 = 0;
    for (k, part) in parts[..count].iter().enumerate() {
        word |= part << (24 - 8 * k);
    }
    Some(Ipv4Addr::from(word | last))
}

/// `strtoul(s + i, &end, 0)` for a string known to start with a digit at
/// `i`: the value (None if above 32 bits) and the index after it.
fn strtoul_base0(bytes: &[u8], mut i: usize) -> Option<(u32, usize)> {
    let (radix, mut j) = if bytes[i] == b'0' {
        if matches!(bytes.get(i + 1), Some(b'x' | b'X'))
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            (16, i + 2)
        } else {
            (8, i)
        }
    } else {
        (10, i)
    };
    let mut value: u64 = 0;
    let start = j;
    while let Some(d) = bytes.get(j).and_then(|&b| (b as char).to_digit(radix)) {
        value = (value * u64::from(radix) + u64::from(d)).min(1 << 33);
        j += 1;
    }
    if j == start {
        // "0x" without hex digits reads as "0" followed by "x".
        j = i + 1;
    }
    i = j;
    u32::try_from(value).ok().map(|v| (v, i))
}

/// A resolved `host[:port]` operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operand {
    pub addr: IpAddr,
    /// None when no port was written.
    pub port: Option<u16>,
}

/// ipvsadm's `host[:port]` (its `parse_service`), with defect D5 fixed: a
/// bracketed host keeps its port whatever it is, and host names may
/// resolve to IPv6 (bracketed names try IPv6 first, others IPv4 first, so
/// names with an A record resolve as ipvsadm does). Port names are looked
/// up for `protocol`; without one they fail, as in ipvsadm.
pub fn operand(text: &str, protocol: Option<Protocol>) -> Option<Operand> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (host, port_text, bracketed) = if let Some(inner) = text.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        (host, Some(after.strip_prefix(':')?), true)
    } else if let Some(v6) = ipv6_literal(text) {
        return Some(Operand {
            addr: IpAddr::V6(v6),
            port: None,
        });
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port), false),
            None => (text, None, false),
        }
    };
    let addr = host_part(host, bracketed)?;
    let port = match port_text {
        None => None,
        Some(p) => Some(port_number_or_name(p, protocol)?),
    };
    Some(Operand { addr, port })
}

/// `text` as an IPv6 literal. Every such literal has two colons or
/// more; checking that first spares the common IPv4 operand a failed
/// IPv6 parse (issue 7: `-R` reads thousands of operands).
fn ipv6_literal(text: &str) -> Option<Ipv6Addr> {
    if text.bytes().filter(|&b| b == b':').count() < 2 {
        return None;
    }
    text.parse().ok()
}

fn host_part(host: &str, bracketed: bool) -> Option<IpAddr> {
    if let Some(v6) = ipv6_literal(host) {
        // Only reachable in brackets: a bare IPv6 literal has no port.
        return Some(IpAddr::V6(v6));
    }
    if let Some(v4) = inet_aton(host) {
        return Some(IpAddr::V4(v4));
    }
    let order = if bracketed {
        [true, false]
    } else {
        [false, true]
    };
    order
        .into_iter()
        .find_map(|v6| lookup::host_address(host, v6))
}

fn port_number_or_name(text: &str, protocol: Option<Protocol>) -> Option<u16> {
    if let Some(n) = number(text, 0, 65535) {
        return Some(n as u16);
    }
    lookup::service_port(text, protocol?)
}

/// An IPv4 persistence mask (`inet_aton` form or a host name, as ipvsadm),
/// as the number whose `Ipv4Addr::from` is the dotted form.
pub fn ipv4_netmask(text: &str) -> Result<Netmask, ParseError> {
    inet_aton(text)
        .or_else(|| match lookup::host_address(text, false) {
            Some(IpAddr::V4(v4)) => Some(v4),
            _ => None,
        })
        .map(Netmask::V4)
        .ok_or(ParseError::Netmask)
}

/// An IPv6 persistence prefix: `atoi`, then 1..=128.
pub fn ipv6_netmask(text: &str) -> Result<Netmask, ParseError> {
    Netmask::from_raw(Family::Inet6, atoi(text) as u32).ok_or(ParseError::Ipv6Netmask)
}

/// `-b`: comma-separated flags checked against the scheduler (`wlc` when
/// none or an empty one was given). Empty items are skipped, so a list of
/// only commas is no flags (defect D9 fixed; ipvsadm crashes).
pub fn sched_flags(scheduler: &str, list: &str) -> Result<ServiceFlags, ParseError> {
    let scheduler = if scheduler.is_empty() {
        "wlc"
    } else {
        scheduler
    };
    let mut flags = ServiceFlags::empty();
    for flag in list.split(',').filter(|f| !f.is_empty()) {
        let (bit, needs) = match flag {
            "flag-1" => (ServiceFlags::SCHED1, None),
            "flag-2" => (ServiceFlags::SCHED2, None),
            "flag-3" => (ServiceFlags::SCHED3, None),
            "sh-fallback" => (ServiceFlags::SCHED1, Some("sh")),
            "sh-port" => (ServiceFlags::SCHED2, Some("sh")),
            "mh-fallback" => (ServiceFlags::SCHED1, Some("mh")),
            "mh-port" => (ServiceFlags::SCHED2, Some("mh")),
            _ => return Err(ParseError::InvalidSchedFlag(flag.to_string())),
        };
        if needs.is_some_and(|s| s != scheduler) {
            return Err(ParseError::IncompatibleSchedFlag(flag.to_string()));
        }
        flags |= bit;
    }
    Ok(flags)
}

/// `--mcast-group`: with a `:` an IPv6 multicast address, else a strict
/// dotted IPv4 multicast address (`inet_pton`).
pub fn mcast_group(text: &str) -> Result<IpAddr, ParseError> {
    if text.contains(':') {
        match text.parse::<Ipv6Addr>() {
            Ok(a) if a.is_multicast() => Ok(IpAddr::V6(a)),
            _ => Err(ParseError::McastGroup6(text.to_string())),
        }
    } else {
        match text.parse::<Ipv4Addr>() {
            Ok(a) if a.is_multicast() => Ok(IpAddr::V4(a)),
            _ => Err(ParseError::McastGroup4(text.to_string())),
        }
    }
}

/// C `strncpy` into a buffer of `max` usable bytes, as ipvsadm does for
/// names. Cut at a character boundary (a Rust string cannot hold half a
/// character; ipvsadm would keep the partial bytes).
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }
    fn v6(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().unwrap())
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(number("7", 0, 10), Some(7));
        assert_eq!(number(" +7", 0, 10), Some(7));
        assert_eq!(number("\t-0", 0, 10), Some(0));
        assert_eq!(number("-1", 0, 10), None);
        assert_eq!(number("7 ", 0, 10), None);
        assert_eq!(number("", 0, 10), None);
        assert_eq!(number("+", 0, 10), None);
        assert_eq!(number(" ", 0, 10), None);
        assert_eq!(number("0x10", 0, 100), None);
        assert_eq!(number("abc", 0, 100), None);
        assert_eq!(number("2147483647", 0, 2147483647), Some(2147483647));
        assert_eq!(number("2147483648", 0, 2147483647), None);
        assert_eq!(number("99999999999999999999", 0, i64::MAX), None);
        assert_eq!(number("9223372036854775807", 0, i64::MAX), Some(i64::MAX));
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi("64abc"), 64);
        assert_eq!(atoi(" 12"), 12);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("4294967360"), 64);
        assert_eq!(atoi("99999999999999999999"), -1);
        let prefix = |n| Netmask::from_raw(Family::Inet6, n).unwrap();
        assert_eq!(ipv6_netmask("64abc"), Ok(prefix(64)));
        assert_eq!(ipv6_netmask("4294967360"), Ok(prefix(64)));
        assert_eq!(ipv6_netmask("0"), Err(ParseError::Ipv6Netmask));
        assert_eq!(ipv6_netmask("129"), Err(ParseError::Ipv6Netmask));
        assert_eq!(ipv6_netmask("-1"), Err(ParseError::Ipv6Netmask));
    }

    #[test]
    fn fwmarks() {
        assert_eq!(fwmark("1"), Ok(1));
        assert_eq!(fwmark("+5"), Ok(5));
        assert_eq!(fwmark(" 12"), Ok(12));
        assert_eq!(fwmark("4294967295"), Ok(u32::MAX));
        for bad in ["0", "-1", "0x10", "4294967296", "", "5 "] {
            assert_eq!(fwmark(bad), Err(ParseError::Fwmark(bad.into())), "{bad}");
        }
    }

    #[test]
    fn inet_aton_forms() {
        let a = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(a("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("10.1.2").as_deref(), Some("10.1.0.2"));
        assert_eq!(a("0x0a000002").as_deref(), Some("10.0.0.2"));
        assert_eq!(a("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(a("167772161").as_deref(), Some("10.0.0.1"));
        assert_eq!(a("0").as_deref(), Some("0.0.0.0"));
        assert_eq!(a("1.2.3.4 junk").as_deref(), Some("1.2.3.4"));
        assert_eq!(a("255.255.255.255").as_deref(), Some("255.255.255.255"));
        for bad in [
            "",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.256",
            "1.256.0",
            "09.1.1.1",
            "0x",
            "0xg",
            "1.2.3.4x",
            " 1.2.3.4",
            "1..2",
            "1.2.",
            "4294967296",
            "-1",
            "+1",
        ] {
            assert_eq!(a(bad), None, "{bad}");
        }
    }

    #[test]
    fn operands() {
        let op = |s: &str, p| operand(s, p).map(|o| (o.addr, o.port));
        let tcp = Some(Protocol::Tcp);
        assert_eq!(op("10.0.0.1:80", tcp), Some((v4("10.0.0.1"), Some(80))));
        assert_eq!(op("10.0.0.1", tcp), Some((v4("10.0.0.1"), None)));
        assert_eq!(op("10.1:http", tcp), Some((v4("10.0.0.1"), Some(80))));
        assert_eq!(
            op("10.0.0.1:domain", Some(Protocol::Udp)),
            Some((v4("10.0.0.1"), Some(53)))
        );
        assert_eq!(op("10.0.0.1:http", None), None);
        assert_eq!(op("10.0.0.1:", tcp), None);
        assert_eq!(op("10.0.0.1:65536", tcp), None);
        assert_eq!(op("10.0.0.1: 8", tcp), Some((v4("10.0.0.1"), Some(8))));
        assert_eq!(op("12345", tcp), None);
        assert_eq!(op("", tcp), None);
        assert_eq!(op("2001:db8::1", tcp), Some((v6("2001:db8::1"), None)));
        assert_eq!(
            op("2001:db8::1:80", tcp),
            Some((v6("2001:db8::1:80"), None))
        );
        assert_eq!(
            op("[2001:db8::4]:80", tcp),
            Some((v6("2001:db8::4"), Some(80)))
        );
        assert_eq!(op("[2001:db8::4]", tcp), None);
        assert_eq!(op("[2001:db8::4]80", tcp), None);
        assert_eq!(op("[2001:db8::4:80", tcp), None);
        assert_eq!(op("[::1]:http", tcp), Some((v6("::1"), Some(80))));
        assert_eq!(op("localhost:80", tcp), Some((v4("127.0.0.1"), Some(80))));
        // D5 fixed: a bracketed name or IPv4 address keeps its port.
        assert_eq!(op("[10.0.0.1]:80", tcp), Some((v4("10.0.0.1"), Some(80))));
        let bracketed = op("[localhost]:80", tcp).unwrap();
        assert_eq!(bracketed.1, Some(80));
        assert!(bracketed.0.is_loopback());
    }

    #[test]
    fn netmasks() {
        assert_eq!(
            ipv4_netmask("255.255.255.0"),
            Ok(Netmask::V4(Ipv4Addr::from(0xffff_ff00u32)))
        );
        assert_eq!(ipv4_netmask("64"), Ok(Netmask::V4(Ipv4Addr::from(64u32))));
        assert_eq!(
            ipv4_netmask("255.0.255.0"),
            Ok(Netmask::V4(Ipv4Addr::from(0xff00_ff00u32)))
        );
        assert_eq!(
            ipv4_netmask("localhost"),
            Ok(Netmask::V4(Ipv4Addr::from(0x7f00_0001u32)))
        );
        assert_eq!(ipv4_netmask("1.2.3.4.5"), Err(ParseError::Netmask));
    }

    #[test]
    fn scheduler_flags() {
        use ServiceFlags as F;
        assert_eq!(sched_flags("", "flag-1,flag-3"), Ok(F::SCHED1 | F::SCHED3));
        assert_eq!(
            sched_flags("sh", "sh-fallback,sh-port"),
            Ok(F::SCHED1 | F::SCHED2)
        );
        assert_eq!(sched_flags("mh", "mh-port"), Ok(F::SCHED2));
        assert_eq!(sched_flags("rr", ","), Ok(F::empty()));
        assert_eq!(sched_flags("rr", ",,flag-2,"), Ok(F::SCHED2));
        assert_eq!(
            sched_flags("", "sh-port"),
            Err(ParseError::IncompatibleSchedFlag("sh-port".into()))
        );
        assert_eq!(
            sched_flags("sh", "mh-port"),
            Err(ParseError::IncompatibleSchedFlag("mh-port".into()))
        );
        assert_eq!(
            sched_flags("sh", "flag-1, flag-2"),
            Err(ParseError::InvalidSchedFlag(" flag-2".into()))
        );
        assert_eq!(
            sched_flags("sh", "bogus,sh-port"),
            Err(ParseError::InvalidSchedFlag("bogus".into()))
        );
    }

    #[test]
    fn multicast_groups() {
        assert_eq!(mcast_group("224.0.0.81"), Ok(v4("224.0.0.81")));
        assert_eq!(mcast_group("ff02::1"), Ok(v6("ff02::1")));
        assert_eq!(
            mcast_group("10.0.0.1"),
            Err(ParseError::McastGroup4("10.0.0.1".into()))
        );
        assert_eq!(
            mcast_group("224.0.0.081"),
            Err(ParseError::McastGroup4("224.0.0.081".into()))
        );
        assert_eq!(
            mcast_group("224.1"),
            Err(ParseError::McastGroup4("224.1".into()))
        );
        assert_eq!(
            mcast_group("fe80::1"),
            Err(ParseError::McastGroup6("fe80::1".into()))
        );
        assert_eq!(
            mcast_group("x:y"),
            Err(ParseError::McastGroup6("x:y".into()))
        );
    }

    #[test]
    fn cuts() {
        assert_eq!(cut("abcdefghijklmnopqrstuvwxyz", 15), "abcdefghijklmno");
        assert_eq!(cut("rr", 15), "rr");
        assert_eq!(cut("ééééééééé", 15), "ééééééé");
    }
}
