//! The value syntaxes ipvsadm accepts, emulating the C functions it uses:
//! `strtol` for numbers, `atoi` for IPv6 netmasks, `inet_aton` for IPv4
//! addresses and masks, `inet_pton` for IPv6 literals and multicast
//! groups, and its `host[:port]` operand rules.
//!
//! Values are bytes, as typed: like the C functions, none of these needs
//! them to be UTF-8, and host and service names go to the C library as
//! they are. Only [`name`] makes text, for the names the library carries
//! as `String`s.

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

fn strtol(bytes: &[u8]) -> Strtol {
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
pub fn number(s: &[u8], min: i64, max: i64) -> Option<i64> {
    let n = strtol(s);
    (n.any && n.whole && !n.overflow && (min..=max).contains(&n.value)).then_some(n.value)
}

/// C `atoi`: `(int) strtol(s, NULL, 10)`, trailing junk ignored.
pub fn atoi(s: &[u8]) -> i32 {
    strtol(s).value as i32
}

/// A firewall mark: 1..=4294967295 in `strtol` syntax.
pub fn fwmark(s: &[u8]) -> Result<u32, ParseError> {
    let n = strtol(s);
    if n.any && n.whole && !n.overflow && n.value > 0 && n.value <= i64::from(u32::MAX) {
        Ok(n.value as u32)
    } else {
        Err(ParseError::Fwmark(s.to_vec()))
    }
}

/// glibc `inet_aton`: one to four parts, each decimal, octal (`0…`) or hex
/// (`0x…`), the last one filling the remaining bytes; trailing blanks and
/// anything after them are ignored.
pub fn inet_aton(bytes: &[u8]) -> Option<Ipv4Addr> {
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
pub fn operand(text: &[u8], protocol: Option<Protocol>) -> Option<Operand> {
    if text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (host, port_text, bracketed) = if let Some(inner) = text.strip_prefix(b"[") {
        let close = inner.iter().position(|&b| b == b']')?;
        let port = inner[close + 1..].strip_prefix(b":")?;
        (&inner[..close], Some(port), true)
    } else if let Some(v6) = ipv6_literal(text) {
        return Some(Operand {
            addr: IpAddr::V6(v6),
            port: None,
        });
    } else {
        match text.iter().rposition(|&b| b == b':') {
            Some(colon) => (&text[..colon], Some(&text[colon + 1..]), false),
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
/// IPv6 parse (`-R` reads thousands of operands).
fn ipv6_literal(text: &[u8]) -> Option<Ipv6Addr> {
    if text.iter().filter(|&&b| b == b':').count() < 2 {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

fn host_part(host: &[u8], bracketed: bool) -> Option<IpAddr> {
    if !bracketed && host.contains(&b':') {
        // What is left of the last colon of an operand that is not an
        // IPv6 literal as a whole (`2001:db8::1:65535`): ipvsadm reads it
        // as an IPv4 address or name, which it cannot be, so the operand
        // is invalid; the IPv6 lookup below would take it.
        return None;
    }
    if let Some(v6) = ipv6_literal(host) {
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

fn port_number_or_name(text: &[u8], protocol: Option<Protocol>) -> Option<u16> {
    if let Some(n) = number(text, 0, 65535) {
        return Some(n as u16);
    }
    lookup::service_port(text, protocol?)
}

/// An IPv4 persistence mask (`inet_aton` form or a host name, as ipvsadm),
/// any mask, contiguous or not.
pub fn ipv4_netmask(text: &[u8]) -> Result<Netmask, ParseError> {
    inet_aton(text)
        .or_else(|| match lookup::host_address(text, false) {
            Some(IpAddr::V4(v4)) => Some(v4),
            _ => None,
        })
        .map(Netmask::V4)
        .ok_or(ParseError::Netmask)
}

/// An IPv6 persistence prefix: `atoi`, then 1..=128.
pub fn ipv6_netmask(text: &[u8]) -> Result<Netmask, ParseError> {
    Netmask::from_raw(Family::Inet6, atoi(text) as u32).ok_or(ParseError::Ipv6Netmask)
}

/// `-b`: comma-separated flags checked against the scheduler (`wlc` when
/// none or an empty one was given). Empty items are skipped, so a list of
/// only commas is no flags (defect D9 fixed; ipvsadm crashes).
pub fn sched_flags(scheduler: &[u8], list: &[u8]) -> Result<ServiceFlags, ParseError> {
    let scheduler = if scheduler.is_empty() {
        b"wlc"
    } else {
        scheduler
    };
    let mut flags = ServiceFlags::empty();
    for flag in list.split(|&b| b == b',').filter(|f| !f.is_empty()) {
        let (bit, needs): (ServiceFlags, Option<&[u8]>) = match flag {
            b"flag-1" => (ServiceFlags::SCHED1, None),
            b"flag-2" => (ServiceFlags::SCHED2, None),
            b"flag-3" => (ServiceFlags::SCHED3, None),
            b"sh-fallback" => (ServiceFlags::SCHED1, Some(b"sh")),
            b"sh-port" => (ServiceFlags::SCHED2, Some(b"sh")),
            b"mh-fallback" => (ServiceFlags::SCHED1, Some(b"mh")),
            b"mh-port" => (ServiceFlags::SCHED2, Some(b"mh")),
            _ => return Err(ParseError::InvalidSchedFlag(flag.to_vec())),
        };
        if needs.is_some_and(|s| s != scheduler) {
            return Err(ParseError::IncompatibleSchedFlag(flag.to_vec()));
        }
        flags |= bit;
    }
    Ok(flags)
}

/// `--mcast-group`: with a `:` an IPv6 multicast address, else a strict
/// dotted IPv4 multicast address (`inet_pton`).
pub fn mcast_group(text: &[u8]) -> Result<IpAddr, ParseError> {
    // Not UTF-8: no address either (inet_pton reads ASCII only).
    let parsed = std::str::from_utf8(text).ok();
    if text.contains(&b':') {
        match parsed.and_then(|t| t.parse::<Ipv6Addr>().ok()) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V6(a)),
            _ => Err(ParseError::McastGroup6(text.to_vec())),
        }
    } else {
        match parsed.and_then(|t| t.parse::<Ipv4Addr>().ok()) {
            Some(a) if a.is_multicast() => Ok(IpAddr::V4(a)),
            _ => Err(ParseError::McastGroup4(text.to_vec())),
        }
    }
}

/// C `strncpy` into a buffer of `max` usable bytes, as ipvsadm does for
/// names: the first `max` bytes, even if that cuts a character in two.
pub fn cut(text: &[u8], max: usize) -> &[u8] {
    &text[..text.len().min(max)]
}

/// A scheduler, persistence engine or interface name, cut as ipvsadm cuts
/// it ([`cut`]), as the text the library carries. Bytes that are not
/// UTF-8 (typed so, or a character cut in two) become U+FFFD, cut again to
/// `max` bytes at a character boundary: no scheduler or persistence
/// engine module has such a name (theirs are ASCII), so the kernel gives
/// the answer it gives ipvsadm's raw bytes, "not found". An interface
/// whose name is not UTF-8 cannot be named this way (the README lists
/// it); one that does not exist gets "No such device" either way.
pub fn name(text: &[u8], max: usize) -> String {
    let text = cut(text, max);
    match std::str::from_utf8(text) {
        Ok(name) => name.to_string(),
        Err(_) => {
            let lossy = String::from_utf8_lossy(text);
            let mut end = lossy.len().min(max);
            while !lossy.is_char_boundary(end) {
                end -= 1;
            }
            lossy[..end].to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The functions under test on UTF-8 text, which most cases are.
    fn number(s: &str, min: i64, max: i64) -> Option<i64> {
        super::number(s.as_bytes(), min, max)
    }
    fn atoi(s: &str) -> i32 {
        super::atoi(s.as_bytes())
    }
    fn fwmark(s: &str) -> Result<u32, ParseError> {
        super::fwmark(s.as_bytes())
    }
    fn inet_aton(s: &str) -> Option<Ipv4Addr> {
        super::inet_aton(s.as_bytes())
    }
    fn operand(s: &str, protocol: Option<Protocol>) -> Option<Operand> {
        super::operand(s.as_bytes(), protocol)
    }
    fn ipv4_netmask(s: &str) -> Result<Netmask, ParseError> {
        super::ipv4_netmask(s.as_bytes())
    }
    fn ipv6_netmask(s: &str) -> Result<Netmask, ParseError> {
        super::ipv6_netmask(s.as_bytes())
    }
    fn sched_flags(scheduler: &str, list: &str) -> Result<ServiceFlags, ParseError> {
        super::sched_flags(scheduler.as_bytes(), list.as_bytes())
    }
    fn mcast_group(s: &str) -> Result<IpAddr, ParseError> {
        super::mcast_group(s.as_bytes())
    }

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
    fn cuts_and_names() {
        assert_eq!(cut(b"abcdefghijklmnopqrstuvwxyz", 15), b"abcdefghijklmno");
        assert_eq!(cut(b"rr", 15), b"rr");
        // Bytes, as strncpy: half a character stays.
        assert_eq!(
            cut("ééééééééé".as_bytes(), 15),
            &"ééééééééé".as_bytes()[..15]
        );
        assert_eq!(name(b"abcdefghijklmnopqrstuvwxyz", 15), "abcdefghijklmno");
        assert_eq!(name(b"wlc", 15), "wlc");
        assert_eq!(name(b"", 15), "");
        // Not UTF-8: U+FFFD for the bad bytes, never more than `max` bytes.
        assert_eq!(name("ééééééééé".as_bytes(), 15), "ééééééé");
        assert_eq!(name(b"r\xffr", 15), "r\u{fffd}r");
        assert_eq!(name(&[0xff; 20], 15), "\u{fffd}".repeat(5));
        assert_eq!(name(&[0xff; 20], 16), "\u{fffd}".repeat(5));
        assert_eq!(name(b"abcdefghijklmn\xff", 15), "abcdefghijklmn");
        for max in 0..20 {
            assert!(name(b"\xfe\xffa\xc3", max).len() <= max);
        }
    }

    #[test]
    fn values_that_are_not_utf8() {
        let bad: &[u8] = b"1\xff";
        assert_eq!(super::number(bad, 0, 100), None);
        assert_eq!(super::fwmark(bad), Err(ParseError::Fwmark(bad.to_vec())));
        assert_eq!(super::inet_aton(b"10.0.0.1\xff"), None);
        // inet_aton stops at a blank, whatever follows.
        assert_eq!(
            super::inet_aton(b"10.0.0.1 \xff"),
            Some(Ipv4Addr::new(10, 0, 0, 1))
        );
        super::lookup::OFFLINE.set(true);
        assert_eq!(super::operand(b"\xff:80", Some(Protocol::Tcp)), None);
        assert_eq!(super::operand(b"10.0.0.1:\xff", Some(Protocol::Tcp)), None);
        assert_eq!(super::operand(b"[\xff]:80", Some(Protocol::Tcp)), None);
        assert_eq!(super::operand(b"::\xff", Some(Protocol::Tcp)), None);
        assert_eq!(super::ipv4_netmask(b"\xff"), Err(ParseError::Netmask));
        super::lookup::OFFLINE.set(false);
        assert_eq!(
            super::ipv6_netmask(b"64\xff"),
            Ok(Netmask::from_raw(Family::Inet6, 64).unwrap())
        );
        assert_eq!(
            super::sched_flags(b"sh", b"sh-port,\xff"),
            Err(ParseError::InvalidSchedFlag(b"\xff".to_vec()))
        );
        assert_eq!(
            super::mcast_group(b"224.0.0.\xff"),
            Err(ParseError::McastGroup4(b"224.0.0.\xff".to_vec()))
        );
        assert_eq!(
            super::mcast_group(b"ff02::\xff"),
            Err(ParseError::McastGroup6(b"ff02::\xff".to_vec()))
        );
    }
}
