//! The typed result of parsing one ipvsadm invocation (argv or a restore
//! line). Everything past the parser works on these values only.

use ipvs::Change;
use ipvs::model::ServiceKey;

/// One ipvsadm command with everything it needs, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A change to the kernel's table: `-A -E -D -C -a -e -d -Z --set
    /// --start-daemon --stop-daemon`. `-E` and `-e` are full replaces
    /// (unset options go back to their defaults); `-d` finds the real
    /// server by address and port.
    Change(Change),
    /// `-L`, `-l`, or no arguments at all
    List(ListRequest),
    /// `-S`
    Save(SaveRequest),
    /// `-R`
    Restore,
    /// `-h`
    Help,
    /// `-v`
    Version,
}

/// What `-L` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListView {
    /// The service table in one of its formats.
    Services(ServiceFormat),
    /// `-c`: the connection table; `persistent` with `--persistent-conn`.
    Connections { persistent: bool },
    /// `--timeout`
    Timeouts,
    /// `--daemon`
    Daemons,
}

/// The columns of the service table (precedence as in ipvsadm:
/// stats > rate > thresholds > persistent-conn > tun-info > default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceFormat {
    #[default]
    Default,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
    TunInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRequest {
    pub view: ListView,
    /// One service only (`-L -t VIP:PORT`).
    pub service: Option<ServiceKey>,
    /// `-n`
    pub numeric: bool,
    /// `-X`/`--exact`
    pub exact: bool,
    /// false with `--nosort`
    pub sort: bool,
    /// `--json`: the view as JSON (`views::json`) instead of ipvsadm's text;
    /// the format, `-n` and `--exact` then change nothing.
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveRequest {
    /// `-n`
    pub numeric: bool,
}
