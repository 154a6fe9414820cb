//! Appending numbers, addresses and padded columns to a line.
//!
//! The big views write one line per destination: 20,000 lines for a
//! 2,000-service director. Built with `format!`/`write!`, each line cost
//! some 7,000 instructions (formatter dispatch, padding one `char` at a
//! time, a `String` per address and per port) and that was most of
//! `-L`'s and `-S`'s user time (measured with callgrind). These
//! appends do the same work directly. Padding counts characters, as
//! `{:<N}` does, so the text is the one the format strings gave.
//!
//! Why not the `itoa` crate (already built, for `serde_json`): its
//! `Buffer::format` returns digits of any length, so every append becomes
//! a `memcpy` call, where ours copies one to three digits inline. Counted
//! with callgrind on the ignored test that replays a 2,000 x 10 table
//! (`run::tests::listing_of_the_benchmark_table`): `-L -n` and `--stats`
//! went from 110.8 to 119.6 million instructions (+7.9%) and `-S -n` from
//! 54.7 to 57.6 million (+5.3%) with `itoa` for every number; with
//! `itoa` only for numbers of four digits or more, +0.5% for both, which
//! would keep this table and add a second way of writing digits.

use std::net::Ipv4Addr;

/// "000" to "999", three digits each: numbers are appended from here as
/// `&str` slices, a plain copy. Appending digits computed as bytes would
/// need either a UTF-8 check per number (`str::from_utf8`, a call each)
/// or `unsafe`; pushing them one `char` at a time cost a quarter more
/// instructions (callgrind, a loop formatting listing lines).
const DIGITS: &str = {
    const BYTES: [u8; 3000] = {
        let mut bytes = [0u8; 3000];
        let mut v = 0;
        while v < 1000 {
            bytes[3 * v] = b'0' + (v / 100) as u8;
            bytes[3 * v + 1] = b'0' + (v / 10 % 10) as u8;
            bytes[3 * v + 2] = b'0' + (v % 10) as u8;
            v += 1;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(digits) => digits,
        Err(_) => panic!("digits are ASCII"),
    }
};

/// Appends `v` in decimal. Most numbers in a listing (octets, weights,
/// connection counts) have one to three digits; those are written
/// inline, without the general path and its call.
#[inline]
pub fn uint(line: &mut String, v: u64) {
    if v >= 1000 {
        return long_uint(line, v);
    }
    let at = 3 * v as usize;
    match v {
        0..=9 => line.push(char::from(b'0' + v as u8)),
        10..=99 => line.push_str(&DIGITS[at + 1..at + 3]),
        _ => line.push_str(&DIGITS[at..at + 3]),
    }
}

/// Numbers of four digits or more: the leading part, then the last three
/// digits with their zeros.
#[inline(never)]
fn long_uint(line: &mut String, v: u64) {
    uint(line, v / 1000);
    let at = 3 * (v % 1000) as usize;
    line.push_str(&DIGITS[at..at + 3]);
}

/// Appends `v` in decimal, with a minus sign when negative.
pub fn int(line: &mut String, v: i64) {
    if v < 0 {
        line.push('-');
    }
    uint(line, v.unsigned_abs());
}

/// Appends `count` blanks, as slices of a constant `&str` (a copy; not
/// one `char` at a time).
fn blanks(line: &mut String, mut count: usize) {
    const BLANKS: &str = "                                ";
    while count > 0 {
        let n = count.min(BLANKS.len());
        line.push_str(&BLANKS[..n]);
        count -= n;
    }
}

/// Appends `text` left-aligned in `width` columns (`{:<width}`).
pub fn left(line: &mut String, text: &str, width: usize) {
    line.push_str(text);
    let chars = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    blanks(line, width.saturating_sub(chars));
}

/// Pads the ASCII text appended since `start` to `width` columns.
pub fn pad_ascii(line: &mut String, start: usize, width: usize) {
    blanks(line, width.saturating_sub(line.len() - start));
}

/// Appends `v` left-aligned in `width` columns (`{v:<width}`).
pub fn uint_left(line: &mut String, v: u64, width: usize) {
    let start = line.len();
    uint(line, v);
    pad_ascii(line, start, width);
}

/// Appends `v` left-aligned in `width` columns (`{v:<width}`).
pub fn int_left(line: &mut String, v: i64, width: usize) {
    let start = line.len();
    int(line, v);
    pad_ascii(line, start, width);
}

/// Appends `v` right-aligned in `width` columns (`{v:>width}`).
pub fn uint_right(line: &mut String, v: u64, width: usize) {
    let mut len = 1;
    let mut rest = v / 10;
    while rest > 0 {
        len += 1;
        rest /= 10;
    }
    blanks(line, width.saturating_sub(len));
    uint(line, v);
}

/// Appends a dotted quad, as `Ipv4Addr`'s `Display` (and `inet_ntop`).
pub fn ipv4(line: &mut String, addr: Ipv4Addr) {
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            line.push('.');
        }
        uint(line, u64::from(octet));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn with(f: impl FnOnce(&mut String)) -> String {
        let mut s = String::from("|");
        f(&mut s);
        s
    }

    #[test]
    fn numbers_match_the_format_machinery() {
        let short = [0, 1, 9, 10, 99, 100, 999, 1000];
        for v in short.into_iter().chain([65535, 4_294_967_295, u64::MAX]) {
            assert_eq!(with(|s| uint(s, v)), format!("|{v}"));
            assert_eq!(with(|s| uint_left(s, v, 7)), format!("|{v:<7}"));
            assert_eq!(with(|s| uint_right(s, v, 9)), format!("|{v:>9}"));
        }
        for v in [0, -1, 5, -65536, i64::MIN, i64::MAX] {
            assert_eq!(with(|s| int(s, v)), format!("|{v}"));
            assert_eq!(with(|s| int_left(s, v, 6)), format!("|{v:<6}"));
        }
    }

    #[test]
    fn every_short_number_and_the_zeros_inside_long_ones() {
        for v in 0..=2000 {
            assert_eq!(with(|s| uint(s, v)), format!("|{v}"));
        }
        let mut power = 1u64;
        while let Some(next) = power.checked_mul(10) {
            power = next;
            for v in [
                power - 1,
                power,
                power + 1,
                power + 1000,
                power / 10 * 9 + 7,
            ] {
                assert_eq!(with(|s| uint(s, v)), format!("|{v}"));
            }
        }
    }

    #[test]
    fn padding_counts_characters_and_never_cuts() {
        assert_eq!(with(|s| left(s, "ab", 5)), format!("|{:<5}", "ab"));
        assert_eq!(with(|s| left(s, "héllo", 7)), format!("|{:<7}", "héllo"));
        assert_eq!(with(|s| left(s, "toolong", 3)), "|toolong");
    }

    #[test]
    fn dotted_quads() {
        for a in ["0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.100.7"] {
            let addr: Ipv4Addr = a.parse().unwrap();
            assert_eq!(with(|s| ipv4(s, addr)), format!("|{addr}"));
        }
    }
}
