//! `-v` and `-h` texts. The version line is ipvsadm's, byte for byte,
//! because scripts parse it; a second line says what this program is. The
//! help is our own text, rendered from the option table so every option
//! appears with its real default.

use std::fmt::Write as _;

use super::table::{HEADINGS, OPTIONS, ValueKind};

/// ipvsadm 1.31's version line (what scripts match on).
pub const VERSION_LINE: &str = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)";

/// What `-v` prints: the version line, then which implementation this is.
pub fn version_text() -> String {
    format!(
        "{VERSION_LINE}\n(ipvsadm-rs {}, a Rust reimplementation)\n",
        env!("CARGO_PKG_VERSION")
    )
}

const WIDTH: usize = 79;
const HELP_COLUMN: usize = 30;

/// What `-h` prints on stdout; `argv0` as invoked (bytes, as the program
/// was called) appears in the usage.
pub fn help_text(argv0: &[u8]) -> Vec<u8> {
    let mut text = version_text().into_bytes();
    let usage = [
        "-A|-E service [-s scheduler] [-p [timeout]] [-M netmask] [--pe engine] [-b flags] [-o]",
        "-D service",
        "-C",
        "-R",
        "-S [-n]",
        "-a|-e service -r server [-g|-i|-m] [-w weight] [-x count] [-y count] [tunnel options]",
        "-d service -r server",
        "-L|-l [service] [listing options]",
        "-Z [service]",
        "--set tcp tcpfin udp",
        "--start-daemon master|backup [daemon options]",
        "--stop-daemon master|backup [--syncid id]",
        "-h | -v",
    ];
    text.extend_from_slice(b"Usage:\n");
    for line in usage {
        text.extend_from_slice(b"  ");
        text.extend_from_slice(argv0);
        text.push(b' ');
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    // The rest is ours alone: made as a `String`, to wrap it.
    let mut out = String::from("\n");
    push_wrapped(
        &mut out,
        "A service is -t, -u or --sctp-service host[:port], or -f mark [-6]. A host is \
         an IPv4 address (inet_aton forms such as 10.1 allowed), an IPv6 address \
         ([address]:port when a port follows) or a name; a port is a number or a \
         service name for the protocol. The first option must be the command; \
         options may be clustered (-Ln) and values attached (-p600, --weight=2).",
        "",
    );
    for heading in HEADINGS {
        let _ = write!(out, "\n{heading}:\n");
        for option in OPTIONS.iter().filter(|o| o.heading == heading) {
            let mut names = String::from("  ");
            for s in option.shorts() {
                let _ = write!(names, "-{s}, ");
            }
            if option.short.is_none() {
                names.push_str("    ");
            }
            let _ = write!(names, "--{}", option.long);
            match (option.kind, option.value_name) {
                (_, "") => {}
                (ValueKind::Optional, value) => {
                    let _ = write!(names, " [{value}]");
                }
                (_, value) => {
                    let _ = write!(names, " {value}");
                }
            }
            let help = option.help;
            if names.len() + 2 > HELP_COLUMN {
                let _ = writeln!(out, "{names}");
                push_wrapped(&mut out, help, &" ".repeat(HELP_COLUMN));
            } else {
                let first = format!("{names:<HELP_COLUMN$}");
                push_wrapped_after(&mut out, &first, help, &" ".repeat(HELP_COLUMN));
            }
        }
    }
    out.push('\n');
    push_wrapped(
        &mut out,
        "Exit status: 0 on success, 1 when a listing fails, 2 for a refused command \
         line or when IPVS or the --netns namespace cannot be reached, 255 for \
         kernel errors and option syntax errors.",
        "",
    );
    text.extend_from_slice(out.as_bytes());
    text
}

fn push_wrapped(out: &mut String, text: &str, indent: &str) {
    push_wrapped_after(out, indent, text, indent);
}

/// Writes `text` after `first`, wrapping at [`WIDTH`] with `indent`.
fn push_wrapped_after(out: &mut String, first: &str, text: &str, indent: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines() {
        let text = version_text();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(VERSION_LINE));
        assert!(lines.next().unwrap().starts_with("(ipvsadm-rs "));
        assert_eq!(lines.next(), None);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn help_covers_every_option() {
        let text = String::from_utf8(help_text(b"/sbin/ipvsadm")).unwrap();
        assert!(text.starts_with(&format!("{VERSION_LINE}\n")));
        assert!(text.contains("  /sbin/ipvsadm -S [-n]\n"));
        for option in OPTIONS {
            assert!(
                text.contains(&format!("--{}", option.long)),
                "{}",
                option.long
            );
            if let Some(short) = option.short {
                assert!(text.contains(&format!("  -{short}, -")), "-{short}");
            }
        }
        for fact in [
            "default 360",
            "default 0)",
            "0..2147483647",
            "default wlc",
            "default ipip",
            "eth0",
            "-l, --list",
        ] {
            assert!(text.contains(fact), "{fact}");
        }
        let prose = text.lines().filter(|l| !l.contains("/sbin/ipvsadm"));
        assert!(prose.clone().all(|l| l.len() <= WIDTH), "{text}");
        assert!(text.ends_with(".\n"));
        if std::env::var_os("SHOW_HELP").is_some() {
            print!("{text}");
        }
    }

    #[test]
    fn usage_shows_argv0_as_invoked() {
        let text = help_text(b"./ipvs\xffadm");
        let wanted: &[u8] = b"\nUsage:\n  ./ipvs\xffadm -A|-E service ";
        assert!(text.windows(wanted.len()).any(|w| w == wanted));
        // Apart from argv0, the same text.
        let plain = String::from_utf8(help_text(b"ipvsadm")).unwrap();
        let lossy = String::from_utf8_lossy(&text).replace("./ipvs\u{fffd}adm", "ipvsadm");
        assert_eq!(lossy, plain);
    }
}
