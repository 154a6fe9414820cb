//! Every way a command line can be refused, with ipvsadm's exact text.
//!
//! [`ParseError::message`] is what ipvsadm writes to stderr, without the
//! final newline, as bytes: a word the user typed is quoted byte for byte,
//! whatever its encoding, as ipvsadm's `fprintf` quotes it (so the texts
//! are rendered here rather than by `thiserror`, whose `Display` can only
//! make UTF-8; our `Display` is the same text, made valid UTF-8 for logs
//! and tests). One message is two lines
//! in ipvsadm: `-6 used before -f` is followed by an empty line, so its
//! text here ends in `\n`. [`ParseError::exit_code`] and
//! [`ParseError::is_popt`] tell the caller how to go on (ipvsadm's restore
//! continues after popt errors and stops after the others).

use std::fmt;
use std::io::{self, Write};

use super::lexer::PoptReason;

/// A word from the command line, as typed.
pub type Word = Vec<u8>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No command first (or a popt error on the first option). Exit 255.
    TryHelp {
        argv0: Word,
    },
    /// popt stopped on `token`. Exit 255; a restore goes on.
    Popt {
        token: Word,
        reason: PoptReason,
    },

    // Everything below is ipvsadm's own validation: exit 2.
    InvalidOption(Word),
    /// An option (matrix row) given twice, by its row's name.
    Repeated(&'static str),
    StartDaemonState,
    StopDaemonState,
    VirtualAddress,
    RealAddress,
    Fwmark(Word),
    Ipv6BeforeFwmark,
    Timeout(Word),
    Netmask,
    Ipv6Netmask,
    Weight,
    UThreshold,
    LThreshold,
    Syncid,
    McastGroup6(Word),
    McastGroup4(Word),
    McastPort,
    McastTtl,
    SyncMaxlen,
    TunnelType,
    TunnelPort,
    SetNeedsThree,
    UnexpectedArgument(Word),
    IncompatibleSchedFlag(Word),
    InvalidSchedFlag(Word),
    MissingOption {
        option: &'static str,
        command: &'static str,
    },
    IllegalOption {
        option: &'static str,
        command: &'static str,
    },
    ConflictingOptions {
        later: &'static str,
        earlier: &'static str,
        command: &'static str,
    },
    MissingTunnelOption {
        option: &'static str,
        tunnel: &'static str,
    },
    IllegalTunnelOption {
        option: &'static str,
        tunnel: &'static str,
    },
    ConflictingTunnelOptions {
        later: &'static str,
        earlier: &'static str,
        tunnel: &'static str,
    },
    ZeroPort,
    OnePacket,
    FamilyMismatch,
    TunnelOptionsNeedTunnel,
    ListConflict,
    /// Ours (not in 1.31): a restore runs in one namespace, chosen with
    /// `-R`; a line cannot move it.
    NetnsInRestore,
}

impl ParseError {
    /// ipvsadm's exit status for this error: 255 for the try-help line and
    /// popt errors, 2 for its own checks.
    pub fn exit_code(&self) -> i32 {
        match self {
            ParseError::TryHelp { .. } | ParseError::Popt { .. } => 255,
            _ => 2,
        }
    }

    /// A popt error (`<token>: <reason>`): a restore reports it and goes on
    /// with the next line (status 255). Every other error ends a restore.
    pub fn is_popt(&self) -> bool {
        matches!(self, ParseError::Popt { .. })
    }

    /// The message, without the final newline; the words quoted in it are
    /// the user's bytes.
    pub fn message(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_message(&mut out);
        out
    }

    fn write_message(&self, out: &mut Vec<u8>) -> io::Result<()> {
        use ParseError::*;
        // A text with one word of the user's between `before` and `after`.
        let quoted = |out: &mut Vec<u8>, before: &str, word: &[u8], after: &str| {
            out.extend_from_slice(before.as_bytes());
            out.extend_from_slice(word);
            out.extend_from_slice(after.as_bytes());
            Ok(())
        };
        let fixed = match self {
            TryHelp { argv0 } => {
                quoted(out, "Try `", argv0, " -h' or '")?;
                return quoted(out, "", argv0, " --help' for more information.");
            }
            Popt { token, reason } => {
                return quoted(out, "", token, &format!(": {}", reason.text()));
            }
            InvalidOption(token) => return quoted(out, "invalid option `", token, "'"),
            Fwmark(v) => return quoted(out, "invalid fwmark value `", v, "' specified"),
            Timeout(v) => return quoted(out, "invalid timeout value `", v, "' specified"),
            McastGroup6(v) => return quoted(out, "invalid IPv6 mcast-group `", v, "'"),
            McastGroup4(v) => return quoted(out, "invalid IPv4 mcast-group `", v, "'"),
            UnexpectedArgument(w) => return quoted(out, "unexpected argument ", w, ""),
            IncompatibleSchedFlag(f) => {
                return quoted(out, "incompatible scheduler flag `", f, "'");
            }
            InvalidSchedFlag(f) => return quoted(out, "invalid scheduler flag `", f, "'"),
            Repeated(name) => return write!(out, "multiple '{name}' options specified"),
            MissingOption { option, command } => {
                return write!(
                    out,
                    "You need to supply the '{option}' option for the '{command}' command"
                );
            }
            IllegalOption { option, command } => {
                return write!(
                    out,
                    "Illegal '{option}' option with the '{command}' command"
                );
            }
            ConflictingOptions {
                later,
                earlier,
                command,
            } => {
                return write!(
                    out,
                    "The option '{later}' conflicts with the '{earlier}' option in the \
                     '{command}' command"
                );
            }
            MissingTunnelOption { option, tunnel } => {
                return write!(
                    out,
                    "You need to supply the '{option}' option for the '{tunnel}' tunnel type"
                );
            }
            IllegalTunnelOption { option, tunnel } => {
                return write!(
                    out,
                    "Illegal '{option}' option with the '{tunnel}' tunnel type"
                );
            }
            ConflictingTunnelOptions {
                later,
                earlier,
                tunnel,
            } => {
                return write!(
                    out,
                    "The option '{later}' conflicts with the '{earlier}' option in the \
                     '{tunnel}' tunnel type"
                );
            }
            StartDaemonState => "illegal start-daemon parameter specified",
            StopDaemonState => "illegal start_daemon specified",
            VirtualAddress => "illegal virtual server address[:port] specified",
            RealAddress => "illegal real server address[:port] specified",
            Ipv6BeforeFwmark => "-6 used before -f\n",
            Netmask => "illegal virtual server persistent mask specified",
            Ipv6Netmask => "illegal ipv6 netmask specified",
            Weight => "illegal weight specified",
            UThreshold => "illegal u_threshold specified",
            LThreshold => "illegal l_threshold specified",
            Syncid => "illegal syncid specified",
            McastPort => "illegal mcast-port specified",
            McastTtl => "illegal mcast-ttl specified",
            SyncMaxlen => "illegal sync-maxlen specified",
            TunnelType => "illegal tunnel type specified",
            TunnelPort => "illegal tunnel port specified",
            SetNeedsThree => "--set option requires 3 timeout values",
            ZeroPort => "Zero port specified for non-persistent service",
            OnePacket => "One-Packet Scheduling is only for UDP virtual services",
            FamilyMismatch => "Different address family is allowed only for tunneling servers",
            TunnelOptionsNeedTunnel => "Tunnel options conflict with forward method",
            ListConflict => "options conflicts in the list command",
            NetnsInRestore => "--netns is not allowed in restore input; give it with -R",
        };
        out.extend_from_slice(fixed.as_bytes());
        Ok(())
    }
}

/// The message with any bytes that are not UTF-8 replaced (U+FFFD): for
/// logs and tests; stderr gets [`ParseError::message`].
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message()))
    }
}

impl std::error::Error for ParseError {}

/// The try-help line (also printed for a `-R` inside a restore).
pub fn try_help(argv0: &[u8]) -> ParseError {
    ParseError::TryHelp {
        argv0: argv0.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_codes() {
        let e = try_help(b"/sbin/ipvsadm");
        assert_eq!(
            e.to_string(),
            "Try `/sbin/ipvsadm -h' or '/sbin/ipvsadm --help' for more information."
        );
        assert_eq!((e.exit_code(), e.is_popt()), (255, false));
        let e = ParseError::Popt {
            token: b"-Lnx".to_vec(),
            reason: PoptReason::MissingArgument,
        };
        assert_eq!(e.to_string(), "-Lnx: missing argument");
        assert_eq!((e.exit_code(), e.is_popt()), (255, true));
        let e = ParseError::Ipv6BeforeFwmark;
        assert_eq!(format!("{e}\n"), "-6 used before -f\n\n");
        assert_eq!((e.exit_code(), e.is_popt()), (2, false));
        assert_eq!(
            try_help(b"ipvsadm").to_string(),
            "Try `ipvsadm -h' or 'ipvsadm --help' for more information."
        );
    }

    #[test]
    fn words_are_quoted_byte_for_byte() {
        let e = try_help(b"./ipvs\xffadm");
        assert_eq!(
            e.message(),
            b"Try `./ipvs\xffadm -h' or './ipvs\xffadm --help' for more information."
        );
        assert_eq!(
            e.to_string(),
            "Try `./ipvs\u{fffd}adm -h' or './ipvs\u{fffd}adm --help' for more information."
        );
        let e = ParseError::Popt {
            token: b"--x\xfe".to_vec(),
            reason: PoptReason::UnknownOption,
        };
        assert_eq!(e.message(), b"--x\xfe: unknown option");
        let cases: [(ParseError, &[u8]); 8] = [
            (
                ParseError::InvalidOption(b"-\xff".to_vec()),
                b"invalid option `-\xff'",
            ),
            (
                ParseError::Fwmark(b"\xff".to_vec()),
                b"invalid fwmark value `\xff' specified",
            ),
            (
                ParseError::Timeout(b"1\xff".to_vec()),
                b"invalid timeout value `1\xff' specified",
            ),
            (
                ParseError::McastGroup6(b":\xff".to_vec()),
                b"invalid IPv6 mcast-group `:\xff'",
            ),
            (
                ParseError::McastGroup4(b"\xff".to_vec()),
                b"invalid IPv4 mcast-group `\xff'",
            ),
            (
                ParseError::UnexpectedArgument(b"\xff\xfe".to_vec()),
                b"unexpected argument \xff\xfe",
            ),
            (
                ParseError::IncompatibleSchedFlag(b"\x80".to_vec()),
                b"incompatible scheduler flag `\x80'",
            ),
            (
                ParseError::InvalidSchedFlag(b"\x80".to_vec()),
                b"invalid scheduler flag `\x80'",
            ),
        ];
        for (e, text) in cases {
            assert_eq!(e.message(), text, "{e}");
        }
    }

    #[test]
    fn fixed_texts() {
        let e = ParseError::ConflictingOptions {
            later: "daemon",
            earlier: "timeout",
            command: "list",
        };
        assert_eq!(
            e.to_string(),
            "The option 'daemon' conflicts with the 'timeout' option in the 'list' command"
        );
        let e = ParseError::ConflictingTunnelOptions {
            later: "tun-csum",
            earlier: "tun-nocsum",
            tunnel: "gue",
        };
        assert_eq!(
            e.to_string(),
            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type"
        );
        assert_eq!(
            ParseError::Repeated("weight").to_string(),
            "multiple 'weight' options specified"
        );
        assert_eq!(
            ParseError::FamilyMismatch.to_string(),
            "Different address family is allowed only for tunneling servers"
        );
    }
}
