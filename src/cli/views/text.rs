//! Appending numbers, addresses and padded columns to a line.
//!
//! The big views write one line per destination: 20,000 lines for a
//! 2,000-service director. Built with `format!`/`write!`, each line cost
//! some 7,000 instructions (formatter dispatch, padding one `char` at a
//! time, a `String` per address and per port) and that was most of
//! `-L`'s and `-S`'s user time (issue 7, measured with callgrind). These
//! appends do the same work directly. Padding counts characters, as
//! `{:<N}` does, so the text is the one the format strings gave.

use std::net::Ipv4Addr;

/// Appends `v` in decimal. Most numbers in a listing (octets, weights,
/// connection counts) have one to three digits; those are written
/// inline, without the general loop, its buffer and its call.
#[inline]
pub fn uint(line: &mut String, v: u64) {
    if v >= 1000 {
        return long_uint(line, v);
    }
    let digit = |d: u64| b'0' + (d % 10) as u8;
    match v {
        0..=9 => push_ascii(line, &[digit(v)]),
        10..=99 => push_ascii(line, &[digit(v / 10), digit(v)]),
        _ => push_ascii(line, &[digit(v / 100), digit(v / 10), digit(v)]),
    }
}

#[inline(never)]
fn long_uint(line: &mut String, v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = v;
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    push_ascii(line, &digits[at..]);
}

/// Appends ASCII bytes. `push_str` would first check them for UTF-8
/// (a call per number) and `extend` pushes one `char` at a time; these
/// were a fifth of a listing's user time (issue 7).
fn push_ascii(line: &mut String, ascii: &[u8]) {
    debug_assert!(ascii.is_ascii());
    // SAFETY: ASCII bytes appended to valid UTF-8 leave it valid UTF-8;
    // its callers pass bytes they wrote themselves (digits, blanks).
    unsafe { line.as_mut_vec() }.extend_from_slice(ascii);
}

/// Appends `v` in decimal, with a minus sign when negative.
pub fn int(line: &mut String, v: i64) {
    if v < 0 {
        line.push('-');
    }
    uint(line, v.unsigned_abs());
}

/// Appends `count` blanks.
fn blanks(line: &mut String, mut count: usize) {
    const BLANKS: &[u8; 32] = b"                                ";
    while count > 0 {
        let n = count.min(BLANKS.len());
        push_ascii(line, &BLANKS[..n]);
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
