//! One line of `/proc/net/ip_vs_conn`, read the way ipvsadm 1.31 reads it.
//!
//! 1.31 reads a line with a C `sscanf` of eleven fields: protocol, three
//! addresses (words), three ports (hex), state (a word), seconds left
//! (decimal), then the persistence engine's name and data (words), each
//! field after optional blanks. The bytes are never decoded, so whatever
//! a client put in its SIP Call-ID is printed back byte for byte. What
//! `sscanf` does with unusual input is what 1.31 prints, so it is
//! reproduced here rather than a stricter reading:
//!
//! - a field is what comes after C blanks (space, tab, newline, vertical
//!   tab, form feed, carriage return; bytes above 127 are not blanks);
//!   words end at a blank; a NUL byte ends the line;
//! - numbers stop at the first byte that is not a digit, and the rest of
//!   the word is the next field (`04G0` is the port 4, then the word
//!   `G0`); a sign is accepted, ports take a `0x` prefix, and values are
//!   wrapped or saturated as C's `strtoul`/`strtol` then cut to 16 or 32
//!   bits;
//! - fields after the eleventh are ignored (engine data containing
//!   blanks shows its first word);
//! - the first address decides the family of the first two: IPv6 text,
//!   dotted IPv4, or else a hex number as the kernel writes IPv4; the
//!   third is read on its own.
//!
//! Where 1.31 reads memory it never wrote (fewer than nine fields, or a
//! second address that does not parse in the first one's family) there is
//! nothing to reproduce: such a line is refused (`None`), and the caller
//! stops with status 1 as 1.31 does for a blank line.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One row: the fields 1.31 prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// As written (`TCP`, `UDP`, `SCTP`, ...).
    pub protocol: &'a [u8],
    pub client: (IpAddr, u16),
    pub virt: (IpAddr, u16),
    pub dest: (IpAddr, u16),
    /// As written (`ESTABLISHED`, `NONE`, ...).
    pub state: &'a [u8],
    /// Seconds left, as 1.31 reads them (a C `int`, so a value beyond 32
    /// bits keeps its low 32 bits).
    pub expires: u32,
    /// Persistence engine name and data: only when both are there, as
    /// 1.31 prints them only then.
    pub pe: Option<(&'a [u8], &'a [u8])>,
}

/// Reads `line` (with or without its newline); `None` for a line 1.31
/// cannot read: blank, or fewer than nine fields, or addresses it would
/// leave unset.
pub fn row(line: &[u8]) -> Option<Row<'_>> {
    // C strings end at NUL: sscanf never sees what follows.
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    let mut c = Cursor { rest: &line[..end] };
    let protocol = c.word()?;
    let a1 = c.word()?;
    let p1 = c.hex16()?;
    let a2 = c.word()?;
    let p2 = c.hex16()?;
    let a3 = c.word()?;
    let p3 = c.hex16()?;
    let state = c.word()?;
    let expires = c.int32()?;
    let pe = c.word().zip(c.word());
    let (client, virt) = if let Some(a) = pton6(a1) {
        (IpAddr::V6(a), IpAddr::V6(pton6(a2)?))
    } else if let Some(a) = pton4(a1) {
        (IpAddr::V4(a), IpAddr::V4(pton4(a2)?))
    } else {
        (hex_ipv4(a1), hex_ipv4(a2))
    };
    let dest = match (pton6(a3), pton4(a3)) {
        (Some(a), _) => IpAddr::V6(a),
        (None, Some(a)) => IpAddr::V4(a),
        (None, None) => hex_ipv4(a3),
    };
    Some(Row {
        protocol,
        client: (client, p1),
        virt: (virt, p2),
        dest: (dest, p3),
        state,
        expires,
        pe,
    })
}

/// C's `isspace` in the C locale (1.31 never sets a locale).
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What is left of the line for the next field.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn skip_blanks(&mut self) {
        let n = self.rest.iter().take_while(|&&b| is_blank(b)).count();
        self.rest = &self.rest[n..];
    }

    /// Takes `n` bytes.
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        taken
    }

    /// `%s`: the next word; `None` at the end of the line.
    fn word(&mut self) -> Option<&'a [u8]> {
        self.skip_blanks();
        let n = self.rest.iter().take_while(|&&b| !is_blank(b)).count();
        (n > 0).then(|| self.take(n))
    }

    /// The sign and digits of the next number (`%X` or `%d`): `None` at
    /// the end of the line or when no digit comes. A hex number may start
    /// with `0x`, which is consumed even when no digit follows (the `0`
    /// is then the number).
    fn number(&mut self, radix: u32) -> Option<(bool, Magnitude)> {
        self.skip_blanks();
        let negative = match self.rest.first() {
            Some(b'-') => true,
            Some(b'+') => false,
            _ => {
                return self.digits(radix).map(|m| (false, m));
            }
        };
        self.take(1);
        self.digits(radix).map(|m| (negative, m))
    }

    fn digits(&mut self, radix: u32) -> Option<Magnitude> {
        let mut m = Magnitude::default();
        if radix == 16 && self.rest.first() == Some(&b'0') {
            self.take(1);
            m.push(0, radix);
            if matches!(self.rest.first(), Some(b'x' | b'X')) {
                self.take(1);
            }
        }
        while let Some(d) = self
            .rest
            .first()
            .and_then(|&b| char::from(b).to_digit(radix))
        {
            self.take(1);
            m.push(d, radix);
        }
        m.seen.then_some(m)
    }

    /// `%hX`: C's `strtoul` in base 16, cut to 16 bits.
    fn hex16(&mut self) -> Option<u16> {
        let (negative, m) = self.number(16)?;
        // Truncation to the field's width is what C's store does.
        Some(strtoul(negative, m) as u16)
    }

    /// `%d` into 1.31's `unsigned int`: C's `strtol`, cut to 32 bits.
    fn int32(&mut self) -> Option<u32> {
        let (negative, m) = self.number(10)?;
        let v: i64 = match (negative, m.value) {
            (false, Some(v)) => i64::try_from(v).unwrap_or(i64::MAX),
            (false, None) => i64::MAX,
            (true, Some(v)) if v <= i64::MIN.unsigned_abs() => 0i64.wrapping_sub_unsigned(v),
            (true, _) => i64::MIN,
        };
        // Truncation to the field's width is what C's store does.
        Some(v as u32)
    }
}

/// The digits of a number read so far: `value` is `None` once it no
/// longer fits 64 bits (C's conversions then saturate).
#[derive(Debug, Default, Clone, Copy)]
struct Magnitude {
    seen: bool,
    value: Option<u64>,
}

impl Magnitude {
    fn push(&mut self, digit: u32, radix: u32) {
        let before = if self.seen { self.value } else { Some(0) };
        self.seen = true;
        self.value = before
            .and_then(|v| v.checked_mul(u64::from(radix)))
            .and_then(|v| v.checked_add(u64::from(digit)));
    }
}

/// C's `strtoul` result for a sign and magnitude: a negative number wraps,
/// one beyond 64 bits saturates.
fn strtoul(negative: bool, m: Magnitude) -> u64 {
    match m.value {
        Some(v) if negative => v.wrapping_neg(),
        Some(v) => v,
        None => u64::MAX,
    }
}

/// `inet_pton(AF_INET6, ...)`.
fn pton6(word: &[u8]) -> Option<Ipv6Addr> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// `inet_pton(AF_INET, ...)`: strict dotted quad.
fn pton4(word: &[u8]) -> Option<Ipv4Addr> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// An IPv4 address as the kernel writes it, 8 hex digits; read as 1.31
/// does, with `strtoul(word, NULL, 16)` cut to 32 bits (no digit: 0).
fn hex_ipv4(word: &[u8]) -> IpAddr {
    let mut c = Cursor { rest: word };
    let v = c.number(16).map_or(0, |(negative, m)| strtoul(negative, m));
    // Truncation to 32 bits is what 1.31's `htonl` argument does.
    IpAddr::V4(Ipv4Addr::from(v as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn v4(s: &str, port: u16) -> (IpAddr, u16) {
        (IpAddr::V4(s.parse().unwrap()), port)
    }

    /// A row's fields as text, for short comparisons.
    #[derive(Debug, PartialEq)]
    struct Fields {
        addrs: [(IpAddr, u16); 3],
        expires: u32,
        /// `name|data`
        pe: Option<String>,
    }

    /// The fields of `line`. The expected values below are what glibc's
    /// sscanf (2.36) gives for 1.31's format on the same lines.
    fn fields(line: &[u8]) -> Option<Fields> {
        let r = row(line)?;
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Some(Fields {
            addrs: [r.client, r.virt, r.dest],
            expires: r.expires,
            pe: r.pe.map(|(n, d)| format!("{}|{}", s(n), s(d))),
        })
    }

    #[test]
    fn kernel_rows() {
        let r =
            row(b"TCP C0A80A05 D431 0A000006 0050 C0A80001 0050 ESTABLISHED     899\n").unwrap();
        assert_eq!(r.protocol, b"TCP");
        assert_eq!(
            [r.client, r.virt, r.dest],
            [
                v4("192.168.10.5", 54321),
                v4("10.0.0.6", 80),
                v4("192.168.0.1", 80)
            ]
        );
        assert_eq!((r.state, r.expires, r.pe), (&b"ESTABLISHED"[..], 899, None));
        let r = row(
            b"UDP 0A000064 0000 0A000001 13C4 C0A80A01 13C4 NONE             53 sip ab\xff\xfe@x\n",
        )
        .unwrap();
        assert_eq!(r.pe, Some((&b"sip"[..], &b"ab\xff\xfe@x"[..])));
        let r = row(b"TCP 2001:0db8:0000:0000:0000:0000:0000:0005 0400 2001:0db8:0000:0000:0000:0000:0000:0001 0050 C0A80001 0050 SYN_RECV 59\n")
            .unwrap();
        assert_eq!(r.client.0, "2001:db8::5".parse::<IpAddr>().unwrap());
        assert_eq!(r.dest, v4("192.168.0.1", 80));
    }

    #[test]
    fn blanks_nul_and_extra_words() {
        // every C blank separates; bytes above 127 do not
        let f = fields(
            b"TCP\t0A000005\x0b0400\x0c0A000006\r0050 C0A80001 0050 NONE 1 sip a\xa0b\tc d\r\n",
        )
        .unwrap();
        assert_eq!(f.pe.as_deref(), Some("sip|a\u{fffd}b"));
        // the line ends at NUL
        let f =
            fields(b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE 1 sip ab\0cd\n").unwrap();
        assert_eq!(f.pe.as_deref(), Some("sip|ab"));
        assert_eq!(
            fields(b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE 1 \0sip ab\n")
                .unwrap()
                .pe,
            None
        );
        // a name without data: no engine fields
        assert_eq!(
            fields(b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE 1 sip")
                .unwrap()
                .pe,
            None
        );
    }

    #[test]
    fn numbers_as_c_reads_them() {
        // 0x prefix, sign, wrap of a negative, saturation, cut to 16 bits
        let f = fields(b"TCP 0A000005 0x400 0A000006 +50 C0A80001 -1 ESTABLISHED -5\n").unwrap();
        assert_eq!(f.addrs.map(|a| a.1), [1024, 80, 65535]);
        assert_eq!(f.expires, 4294967291);
        let f = fields(b"TCP 0A000005 12345 0A000006 FFFFFFFFFFFFFFFFFFFF C0A80001 0050 X 99999999999999999999\n")
            .unwrap();
        assert_eq!(f.addrs.map(|a| a.1), [0x2345, 65535, 80]);
        assert_eq!(f.expires, u32::MAX);
        // what the kernel writes for a timer already due: 64-bit, cut to 32
        let f = fields(b"UDP 0A000005 0400 0A000006 0050 C0A80001 0050 UDP 73786976294838206\n")
            .unwrap();
        assert_eq!(f.expires, 73786976294838206u64 as u32);
        let f =
            fields(b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE -9223372036854775809\n")
                .unwrap();
        assert_eq!(f.expires, 0);
        // "0x" alone is 0 and both bytes are consumed; the rest of a word
        // is the next field
        let f = fields(b"TCP 0x 0400 0A000006 0x 0 0050 NONE 1 ").unwrap();
        assert_eq!(
            f.addrs,
            [v4("0.0.0.0", 1024), v4("10.0.0.6", 0), v4("0.0.0.0", 80)]
        );
        let f = fields(b"TCP -1 0400 0A000006 0050 C0A80001 0050 NONE 1x2 sip \xff\xfe").unwrap();
        assert_eq!(f.addrs[0], v4("255.255.255.255", 1024));
        assert_eq!((f.expires, f.pe.as_deref()), (1, Some("x2|sip")));
        let f = fields(b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE -0x5").unwrap();
        assert_eq!((f.expires, f.pe.as_deref()), (0, None));
    }

    #[test]
    fn addresses_as_1_31_reads_them() {
        // dotted IPv4 for the first two, and a third of another family
        let f = fields(b"TCP 10.0.0.5 0400 10.0.0.6 0050 ::1 0050 NONE 1\n").unwrap();
        assert_eq!(f.addrs[2], ("::1".parse().unwrap(), 80));
        // leading zeros are not dotted IPv4 but hex: 010.0.0.1 is 0x10
        let f = fields(b"TCP 010.0.0.1 0400 0A000006 0050 1FFFFFFFF 0050 NONE 1\n").unwrap();
        assert_eq!(f.addrs[0], v4("0.0.0.16", 1024));
        assert_eq!(f.addrs[2], v4("255.255.255.255", 80));
        let f = fields(b"TCP zz 0400 0A000006 0050 1FFFFFFFFFFFFFFFFF 0050 NONE 1\n").unwrap();
        assert_eq!(f.addrs[0], v4("0.0.0.0", 1024));
        assert_eq!(f.addrs[2], v4("255.255.255.255", 80));
        // the second address unset in the first one's family: refused
        assert_eq!(
            fields(b"TCP ::5 0400 0A000006 0050 C0A80001 0050 NONE 1\n"),
            None
        );
        assert_eq!(
            fields(b"TCP 10.0.0.5 0400 0A000006 0050 C0A80001 0050 NONE 1\n"),
            None
        );
    }

    #[test]
    fn lines_1_31_cannot_read() {
        for line in [
            &b""[..],
            b"\n",
            b"  \t\r\n",
            b"\0TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE 1\n",
            // truncated: fewer than nine fields
            b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE\n",
            b"TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE +\n",
            b"TCP 0A000005 04G0 0A000006 0050 C0A80001 0050 ESTABLISHED 1\n",
            b"TCP 0A000005 -x 0A000006 0050 C0A80001 0050 NONE 1\n",
            b"qqqqqqqq\n",
        ] {
            assert_eq!(fields(line), None, "{:?}", String::from_utf8_lossy(line));
        }
    }
}
