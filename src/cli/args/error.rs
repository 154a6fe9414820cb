//! Every way a command line can be refused, with ipvsadm's exact text.
//!
//! `Display` is the line ipvsadm writes to stderr, without the final
//! newline (the caller adds it). One message is two lines in ipvsadm:
//! `-6 used before -f` is followed by an empty line, so its text here ends
//! in `\n`. [`ParseError::exit_code`] and [`ParseError::is_popt`] tell the
//! caller how to go on (ipvsadm's restore continues after popt errors and
//! stops after the others).

use super::lexer::PoptReason;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No command first (or a popt error on the first option). Exit 255.
    #[error("Try `{argv0} -h' or '{argv0} --help' for more information.")]
    TryHelp { argv0: String },
    /// popt stopped on `token`. Exit 255; a restore goes on.
    #[error("{token}: {}", reason.text())]
    Popt { token: String, reason: PoptReason },

    // Everything below is ipvsadm's own validation: exit 2.
    #[error("invalid option `{0}'")]
    InvalidOption(String),
    #[error("multiple '{0}' options specified")]
    Repeated(&'static str),
    #[error("illegal start-daemon parameter specified")]
    StartDaemonState,
    #[error("illegal start_daemon specified")]
    StopDaemonState,
    #[error("illegal virtual server address[:port] specified")]
    VirtualAddress,
    #[error("illegal real server address[:port] specified")]
    RealAddress,
    #[error("invalid fwmark value `{0}' specified")]
    Fwmark(String),
    #[error("-6 used before -f\n")]
    Ipv6BeforeFwmark,
    #[error("invalid timeout value `{0}' specified")]
    Timeout(String),
    #[error("illegal virtual server persistent mask specified")]
    Netmask,
    #[error("illegal ipv6 netmask specified")]
    Ipv6Netmask,
    #[error("illegal weight specified")]
    Weight,
    #[error("illegal u_threshold specified")]
    UThreshold,
    #[error("illegal l_threshold specified")]
    LThreshold,
    #[error("illegal syncid specified")]
    Syncid,
    #[error("invalid IPv6 mcast-group `{0}'")]
    McastGroup6(String),
    #[error("invalid IPv4 mcast-group `{0}'")]
    McastGroup4(String),
    #[error("illegal mcast-port specified")]
    McastPort,
    #[error("illegal mcast-ttl specified")]
    McastTtl,
    #[error("illegal sync-maxlen specified")]
    SyncMaxlen,
    #[error("illegal tunnel type specified")]
    TunnelType,
    #[error("illegal tunnel port specified")]
    TunnelPort,
    #[error("--set option requires 3 timeout values")]
    SetNeedsThree,
    #[error("unexpected argument {0}")]
    UnexpectedArgument(String),
    #[error("incompatible scheduler flag `{0}'")]
    IncompatibleSchedFlag(String),
    #[error("invalid scheduler flag `{0}'")]
    InvalidSchedFlag(String),
    #[error("You need to supply the '{option}' option for the '{command}' command")]
    MissingOption {
        option: &'static str,
        command: &'static str,
    },
    #[error("Illegal '{option}' option with the '{command}' command")]
    IllegalOption {
        option: &'static str,
        command: &'static str,
    },
    #[error(
        "The option '{later}' conflicts with the '{earlier}' option in the '{command}' command"
    )]
    ConflictingOptions {
        later: &'static str,
        earlier: &'static str,
        command: &'static str,
    },
    #[error("You need to supply the '{option}' option for the '{tunnel}' tunnel type")]
    MissingTunnelOption {
        option: &'static str,
        tunnel: &'static str,
    },
    #[error("Illegal '{option}' option with the '{tunnel}' tunnel type")]
    IllegalTunnelOption {
        option: &'static str,
        tunnel: &'static str,
    },
    #[error(
        "The option '{later}' conflicts with the '{earlier}' option in the '{tunnel}' tunnel type"
    )]
    ConflictingTunnelOptions {
        later: &'static str,
        earlier: &'static str,
        tunnel: &'static str,
    },
    #[error("Zero port specified for non-persistent service")]
    ZeroPort,
    #[error("One-Packet Scheduling is only for UDP virtual services")]
    OnePacket,
    #[error("Different address family is allowed only for tunneling servers")]
    FamilyMismatch,
    #[error("Tunnel options conflict with forward method")]
    TunnelOptionsNeedTunnel,
    #[error("options conflicts in the list command")]
    ListConflict,
    /// Ours (not in 1.31): a restore runs in one namespace, chosen with
    /// `-R`; a line cannot move it.
    #[error("--netns is not allowed in restore input; give it with -R")]
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
}

/// The try-help line (also printed for a `-R` inside a restore).
pub fn try_help(argv0: &str) -> String {
    ParseError::TryHelp {
        argv0: argv0.to_string(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_codes() {
        let e = ParseError::TryHelp {
            argv0: "/sbin/ipvsadm".into(),
        };
        assert_eq!(
            e.to_string(),
            "Try `/sbin/ipvsadm -h' or '/sbin/ipvsadm --help' for more information."
        );
        assert_eq!((e.exit_code(), e.is_popt()), (255, false));
        let e = ParseError::Popt {
            token: "-Lnx".into(),
            reason: PoptReason::MissingArgument,
        };
        assert_eq!(e.to_string(), "-Lnx: missing argument");
        assert_eq!((e.exit_code(), e.is_popt()), (255, true));
        let e = ParseError::Ipv6BeforeFwmark;
        assert_eq!(format!("{e}\n"), "-6 used before -f\n\n");
        assert_eq!((e.exit_code(), e.is_popt()), (2, false));
        assert_eq!(
            try_help("ipvsadm"),
            "Try `ipvsadm -h' or 'ipvsadm --help' for more information."
        );
    }
}
