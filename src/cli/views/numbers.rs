//! The counters of `--stats` and `--rate`: ipvsadm's 9-column numbers.
//!
//! Each number carries its own leading blanks (there is no separator
//! between fields), so a value that fills its column glues to the one
//! before it, as in 1.31 (reproduced): `  717742T12632776T`.

use super::text;

/// One number as `--stats`/`--rate` print it: right-aligned in 9 columns,
/// scaled with K/M/G/T (powers of 1000, truncating) from 10^8 up, or
/// with `exact` in full, always with at least one leading blank.
pub fn scaled(v: u64, exact: bool) -> String {
    let mut s = String::with_capacity(10);
    push_scaled(&mut s, v, exact);
    s
}

/// [`scaled`], appended to `line`.
pub fn push_scaled(line: &mut String, v: u64, exact: bool) {
    if exact {
        line.push(' ');
        return text::uint_right(line, v, 8);
    }
    let (shown, unit) = match v {
        0..=99_999_999 => return text::uint_right(line, v, 9),
        100_000_000..=999_999_999 => (v / 1_000, 'K'),
        1_000_000_000..=99_999_999_999 => (v / 1_000_000, 'M'),
        100_000_000_000..=99_999_999_999_999 => (v / 1_000_000_000, 'G'),
        _ => (v / 1_000_000_000_000, 'T'),
    };
    text::uint_right(line, shown, 8);
    line.push(unit);
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn scaling_table_edges() {
        let cases: [(u64, &str); 14] = [
            (0, "        0"),
            (99_999_999, " 99999999"),
            (100_000_000, "  100000K"),
            (999_999_999, "  999999K"),
            (1_000_000_000, "    1000M"),
            (99_999_999_999, "   99999M"),
            (100_000_000_000, "     100G"),
            (99_999_999_999_999, "   99999G"),
            (100_000_000_000_000, "     100T"),
            (717_742_000_000_000_000, "  717742T"),
            // a full column: no blank left in front
            (12_632_776_000_000_000_000, "12632776T"),
            (u64::MAX, "18446744T"),
            (1_999, "     1999"),
            (100_999_999, "  100999K"),
        ];
        for (v, want) in cases {
            assert_eq!(scaled(v, false), want, "for {v}");
            assert_eq!(scaled(v, false).len(), 9);
        }
    }

    #[test]
    fn exact_numbers() {
        assert_eq!(scaled(0, true), "        0");
        assert_eq!(scaled(99_999_999, true), " 99999999");
        assert_eq!(scaled(100_000_000, true), " 100000000");
        assert_eq!(scaled(u64::MAX, true), " 18446744073709551615");
    }

    #[test]
    fn glued_fields() {
        let line = format!(
            "{}{}",
            scaled(717_742_000_000_000_000, false),
            scaled(12_632_776_000_000_000_000, false)
        );
        assert_eq!(line, "  717742T12632776T");
    }
}
