//! The one table of ipvsadm options, keyed by [`Opt`].
//!
//! `options!` below declares the enum and its table in one list, so an
//! option cannot exist without its entry, and every place that means an
//! option names a variant: a misspelt one does not compile. Each entry
//! says how the option is written (long and short names), whether it
//! takes a value, its help text and heading, and what it is to ipvsadm's
//! grammar ([`Role`]): a command (a matrix column, [`Cmd`]), a row of the
//! compatibility matrix ([`Row`], another enum with its own table), a
//! process option, or none of these. The popt-style lexer looks options
//! up in it ([`short`], [`long`]: constant tables, nothing is built at
//! start-up), the help text is rendered from it, and [`option_table`]
//! turns it into a `clap::Command` from which the man page and
//! completions are generated (`clap_mangen`, `clap_complete`, in
//! `cli::docs`). A constant rather than clap's builder because building
//! clap's table took a third of a small command's start-up, and
//! scripts call ipvsadm thousands of times.

use clap::{Arg, ArgAction};

/// How an option takes its value (clap's `num_args` 0, 1 or 0..=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// No value (`-n`, `--stats`).
    Flag,
    /// A value is required (`-t host:port`).
    Required,
    /// A value may follow (`-p [timeout]`).
    Optional,
}

/// What an option is to ipvsadm's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A command: must come first, once.
    Command(Cmd),
    /// Counted in this row of the compatibility matrix (at most once).
    Row(Row),
    /// Says where the process acts rather than what it does: taken out
    /// before the command is read, so it goes with any command, anywhere
    /// on the command line (see `parse::parse_argv`).
    Process,
    /// None of these: `-h` and `-v` (answered when first), `-6` and
    /// `--sort` (repeatable, allowed with every command).
    Free,
}

pub const H_COMMANDS: &str = "Commands (exactly one, and it comes first)";
pub const H_SERVICE: &str = "Virtual service";
pub const H_SERVICE_OPTS: &str = "Virtual service options (-A, -E)";
pub const H_SERVER_OPTS: &str = "Real server options (-a, -e, -d)";
pub const H_LIST_OPTS: &str = "Listing options (-L, -S)";
pub const H_DAEMON_OPTS: &str = "Sync daemon options (--start-daemon, --stop-daemon)";
pub const H_PROCESS_OPTS: &str = "Process options (any command, anywhere on the command line)";
/// The help sections, in the order `--help` shows them.
pub const HEADINGS: [&str; 7] = [
    H_COMMANDS,
    H_SERVICE,
    H_SERVICE_OPTS,
    H_SERVER_OPTS,
    H_LIST_OPTS,
    H_DAEMON_OPTS,
    H_PROCESS_OPTS,
];

/// One ipvsadm option: what the lexer, the parser, the help text, the
/// man page and the completions know of it.
#[derive(Debug)]
pub struct OptionSpec {
    /// The option this entry describes (its index in [`OPTIONS`]).
    pub opt: Opt,
    /// The long name, without `--`.
    pub long: &'static str,
    pub short: Option<char>,
    /// A second short name shown beside the first (`-l` for `-L`).
    pub alias: Option<char>,
    pub kind: ValueKind,
    /// What the value is called in help ("" for a flag).
    pub value_name: &'static str,
    /// Known values, for the man page and the completions only: the lexer
    /// looks names up and never runs clap's value parsers, so a value
    /// outside the list (another scheduler the kernel has) is still
    /// accepted, and checked with ipvsadm's own messages.
    #[allow(dead_code)] // read by option_table only
    pub hints: &'static [&'static str],
    pub heading: &'static str,
    pub help: &'static str,
    pub role: Role,
}

const fn flag(long: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        // Every entry's own variant is set by `options!`.
        opt: Opt::Help,
        long,
        short: None,
        alias: None,
        kind: ValueKind::Flag,
        value_name: "",
        hints: &[],
        heading: "",
        help,
        role: Role::Free,
    }
}

const fn value(long: &'static str, value_name: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        kind: ValueKind::Required,
        value_name,
        ..flag(long, help)
    }
}

const fn optional(long: &'static str, value_name: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        kind: ValueKind::Optional,
        ..value(long, value_name, help)
    }
}

impl OptionSpec {
    const fn short(self, c: char) -> OptionSpec {
        OptionSpec {
            short: Some(c),
            ..self
        }
    }

    const fn alias(self, c: char) -> OptionSpec {
        OptionSpec {
            alias: Some(c),
            ..self
        }
    }

    const fn hints(self, hints: &'static [&'static str]) -> OptionSpec {
        OptionSpec { hints, ..self }
    }

    const fn heading(self, heading: &'static str) -> OptionSpec {
        OptionSpec { heading, ..self }
    }

    const fn command(self, cmd: Cmd) -> OptionSpec {
        OptionSpec {
            role: Role::Command(cmd),
            ..self
        }
    }

    const fn row(self, row: Row) -> OptionSpec {
        OptionSpec {
            role: Role::Row(row),
            ..self
        }
    }

    const fn process(self) -> OptionSpec {
        OptionSpec {
            role: Role::Process,
            ..self
        }
    }

    /// The short names, the alias last.
    pub fn shorts(&self) -> impl Iterator<Item = char> {
        self.short.into_iter().chain(self.alias)
    }

    #[allow(dead_code)] // for option_table only
    fn to_arg(&self) -> Arg {
        let arg = Arg::new(self.long)
            .long(self.long)
            .help(self.help)
            .help_heading(self.heading);
        let arg = match self.kind {
            ValueKind::Flag => arg.action(ArgAction::SetTrue).num_args(0),
            ValueKind::Required => arg
                .action(ArgAction::Set)
                .num_args(1)
                .allow_hyphen_values(true),
            ValueKind::Optional => arg.action(ArgAction::Set).num_args(0..=1),
        };
        let arg = match self.value_name {
            "" => arg,
            name => arg.value_name(name),
        };
        let arg = match self.short {
            Some(c) => arg.short(c),
            None => arg,
        };
        let arg = match self.alias {
            Some(c) => arg.visible_short_alias(c),
            None => arg,
        };
        match self.hints {
            [] => arg,
            hints => arg
                .value_parser(clap::builder::PossibleValuesParser::new(hints))
                .hide_possible_values(true),
        }
    }
}

/// The schedulers ipvsadm 1.31 documents (the kernel may know others).
pub const SCHEDULERS: [&str; 13] = [
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
];
pub const DAEMON_STATES: [&str; 2] = ["master", "backup"];
pub const TUNNEL_TYPES: [&str; 3] = ["ipip", "gue", "gre"];

/// Declares [`Opt`] and [`OPTIONS`] from one list of `Variant: entry`, so
/// that the enum and its table cannot disagree: entry `i` describes the
/// variant whose discriminant is `i`.
macro_rules! options {
    ($($opt:ident: $spec:expr,)*) => {
        /// An ipvsadm option (or one of ours), by its table entry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Opt {
            $($opt,)*
        }

        /// Every option, in popt's table order (the order of `--help`
        /// and of the man page within a heading).
        pub const OPTIONS: [OptionSpec; [$(Opt::$opt,)*].len()] = [
            $(OptionSpec { opt: Opt::$opt, ..$spec },)*
        ];
    };
}

#[rustfmt::skip]
options! {
    AddService: flag("add-service", "Add a virtual service")
        .short('A')
        .heading(H_COMMANDS)
        .command(Cmd::Add),
    EditService: flag(
        "edit-service",
        "Edit a virtual service (unset options return to their defaults)",
    )
    .short('E')
    .heading(H_COMMANDS)
    .command(Cmd::Edit),
    DeleteService: flag("delete-service", "Delete a virtual service")
        .short('D')
        .heading(H_COMMANDS)
        .command(Cmd::Del),
    Clear: flag("clear", "Delete every virtual service")
        .short('C')
        .heading(H_COMMANDS)
        .command(Cmd::Flush),
    List: flag(
        "list",
        "List the table, or one virtual service (the default without arguments)",
    )
    .short('L')
    .alias('l')
    .heading(H_COMMANDS)
    .command(Cmd::List),
    Zero: flag(
        "zero",
        "Zero the counters of one virtual service, or of all",
    )
    .short('Z')
    .heading(H_COMMANDS)
    .command(Cmd::Zero),
    AddServer: flag("add-server", "Add a real server to a virtual service")
        .short('a')
        .heading(H_COMMANDS)
        .command(Cmd::AddDest),
    EditServer: flag(
        "edit-server",
        "Edit a real server (unset options return to their defaults)",
    )
    .short('e')
    .heading(H_COMMANDS)
    .command(Cmd::EditDest),
    DeleteServer: flag(
        "delete-server",
        "Remove a real server from a virtual service",
    )
    .short('d')
    .heading(H_COMMANDS)
    .command(Cmd::DelDest),
    Set: flag(
        "set",
        "Set the TCP, TCP FIN and UDP connection timeouts, given as three \
             following words in seconds (0..2678400; 0 leaves one unchanged)",
    )
    .heading(H_COMMANDS)
    .command(Cmd::Set),
    Help: flag("help", "Print this help and exit")
        .short('h')
        .heading(H_COMMANDS),
    Version: flag("version", "Print the version and exit")
        .short('v')
        .heading(H_COMMANDS),
    Restore: flag("restore", "Read commands from standard input, one per line")
        .short('R')
        .heading(H_COMMANDS)
        .command(Cmd::Restore),
    Save: flag(
        "save",
        "Print the table as commands that --restore reads back",
    )
    .short('S')
    .heading(H_COMMANDS)
    .command(Cmd::Save),
    StartDaemon: value(
        "start-daemon",
        "master|backup",
        "Start a connection sync daemon",
    )
    .hints(&DAEMON_STATES)
    .heading(H_COMMANDS)
    .command(Cmd::StartDaemon),
    StopDaemon: value(
        "stop-daemon",
        "master|backup",
        "Stop a connection sync daemon",
    )
    .hints(&DAEMON_STATES)
    .heading(H_COMMANDS)
    .command(Cmd::StopDaemon),
    TcpService: value("tcp-service", "host[:port]", "TCP virtual service")
        .short('t')
        .heading(H_SERVICE)
        .row(Row::ServiceAddress),
    UdpService: value("udp-service", "host[:port]", "UDP virtual service")
        .short('u')
        .heading(H_SERVICE)
        .row(Row::ServiceAddress),
    SctpService: value("sctp-service", "host[:port]", "SCTP virtual service")
        .heading(H_SERVICE)
        .row(Row::ServiceAddress),
    FwmarkService: value(
        "fwmark-service",
        "mark",
        "Virtual service by firewall mark, 1..4294967295",
    )
    .short('f')
    .heading(H_SERVICE)
    .row(Row::ServiceAddress),
    Scheduler: value(
        "scheduler",
        "name",
        "Scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh \
             or another the kernel knows (default wlc)",
    )
    .short('s')
    .hints(&SCHEDULERS)
    .heading(H_SERVICE_OPTS)
    .row(Row::Scheduler),
    Persistent: optional(
        "persistent",
        "timeout",
        "Make the service persistent; timeout in seconds, 1..2678400 \
             (default 360; taken only if the next word does not start with -)",
    )
    .short('p')
    .heading(H_SERVICE_OPTS)
    .row(Row::Persistent),
    Netmask: value(
        "netmask",
        "mask",
        "Persistence granularity: an IPv4 mask, dotted or a host name (default \
             255.255.255.255), or an IPv6 prefix length 1..128 (default 128)",
    )
    .short('M')
    .heading(H_SERVICE_OPTS)
    .row(Row::Netmask),
    RealServer: value(
        "real-server",
        "host[:port]",
        "Real server (port defaults to the service port)",
    )
    .short('r')
    .heading(H_SERVER_OPTS)
    .row(Row::RealServer),
    Masquerading: flag("masquerading", "Forward by NAT")
        .short('m')
        .heading(H_SERVER_OPTS)
        .row(Row::ForwardingMethod),
    Ipip: flag("ipip", "Forward by tunnelling")
        .short('i')
        .heading(H_SERVER_OPTS)
        .row(Row::ForwardingMethod),
    Gatewaying: flag("gatewaying", "Forward by direct routing (the default)")
        .short('g')
        .heading(H_SERVER_OPTS)
        .row(Row::ForwardingMethod),
    Weight: value("weight", "weight", "Weight, 0..2147483647 (default 1)")
        .short('w')
        .heading(H_SERVER_OPTS)
        .row(Row::Weight),
    UThreshold: value(
        "u-threshold",
        "count",
        "Upper connection threshold, 0..2147483647 (default 0: none)",
    )
    .short('x')
    .heading(H_SERVER_OPTS)
    .row(Row::UThreshold),
    LThreshold: value(
        "l-threshold",
        "count",
        "Lower connection threshold, 0..2147483647 (default 0: none)",
    )
    .short('y')
    .heading(H_SERVER_OPTS)
    .row(Row::LThreshold),
    Numeric: flag("numeric", "Show addresses and ports as numbers")
        .short('n')
        .heading(H_LIST_OPTS)
        .row(Row::Numeric),
    Connection: flag("connection", "List the connection table")
        .short('c')
        .heading(H_LIST_OPTS)
        .row(Row::Connection),
    McastInterface: value(
        "mcast-interface",
        "interface",
        "Multicast interface of the sync daemon (default eth0)",
    )
    .heading(H_DAEMON_OPTS)
    .row(Row::McastInterface),
    Syncid: value("syncid", "id", "Sync daemon id, 0..255 (default 0)")
        .heading(H_DAEMON_OPTS)
        .row(Row::Syncid),
    Timeout: flag("timeout", "List the connection timeouts")
        .heading(H_LIST_OPTS)
        .row(Row::Timeout),
    Daemon: flag("daemon", "List the sync daemons")
        .heading(H_LIST_OPTS)
        .row(Row::Daemon),
    Stats: flag("stats", "List with traffic counters")
        .heading(H_LIST_OPTS)
        .row(Row::Stats),
    Rate: flag("rate", "List with traffic rates")
        .heading(H_LIST_OPTS)
        .row(Row::Rate),
    Thresholds: flag("thresholds", "List with connection thresholds")
        .heading(H_LIST_OPTS)
        .row(Row::Thresholds),
    PersistentConn: flag("persistent-conn", "List with persistent connection counts")
        .heading(H_LIST_OPTS)
        .row(Row::PersistentConn),
    Nosort: flag("nosort", "Keep the kernel's order instead of sorting")
        .heading(H_LIST_OPTS)
        .row(Row::Nosort),
    Sort: flag(
        "sort",
        "Sort the listing (the default; accepted for compatibility)",
    )
    .heading(H_LIST_OPTS),
    Exact: flag("exact", "Print exact numbers instead of scaled ones")
        .short('X')
        .heading(H_LIST_OPTS)
        .row(Row::Exact),
    Ipv6: flag("ipv6", "The firewall-mark service is IPv6 (after -f)")
        .short('6')
        .heading(H_SERVICE),
    Ops: flag(
        "ops",
        "One-packet scheduling (UDP and firewall-mark services)",
    )
    .short('o')
    .heading(H_SERVICE_OPTS)
    .row(Row::Ops),
    Pe: value(
        "pe",
        "engine",
        "Persistence engine, such as sip (default none)",
    )
    .heading(H_SERVICE_OPTS)
    .row(Row::Pe),
    SchedFlags: value(
        "sched-flags",
        "flags",
        "Comma-separated scheduler flags: flag-1, flag-2, flag-3; sh-fallback, \
             sh-port with sh; mh-fallback, mh-port with mh",
    )
    .short('b')
    .heading(H_SERVICE_OPTS)
    .row(Row::SchedFlags),
    McastGroup: value(
        "mcast-group",
        "address",
        "Multicast group, IPv4 or IPv6 (kernel default 224.0.0.81)",
    )
    .heading(H_DAEMON_OPTS)
    .row(Row::McastGroup),
    McastPort: value(
        "mcast-port",
        "port",
        "Multicast UDP port, 1..65535 (kernel default 8848)",
    )
    .heading(H_DAEMON_OPTS)
    .row(Row::McastPort),
    McastTtl: value(
        "mcast-ttl",
        "ttl",
        "Multicast TTL, 1..255 (kernel default 1)",
    )
    .heading(H_DAEMON_OPTS)
    .row(Row::McastTtl),
    SyncMaxlen: value(
        "sync-maxlen",
        "bytes",
        "Largest sync message, 1..65507 (kernel default from the MTU, 1472 on Ethernet)",
    )
    .heading(H_DAEMON_OPTS)
    .row(Row::SyncMaxlen),
    TunInfo: flag("tun-info", "List with tunnel details")
        .heading(H_LIST_OPTS)
        .row(Row::TunInfo),
    Json: flag(
        "json",
        "List as JSON (with -L only; not in ipvsadm 1.31): every field at once, \
             addresses numeric, numbers unscaled; see JSON OUTPUT in ipvsadm(8)",
    )
    .heading(H_LIST_OPTS)
    .row(Row::Json),
    TunType: value("tun-type", "ipip|gue|gre", "Tunnel type (default ipip)")
        .hints(&TUNNEL_TYPES)
        .heading(H_SERVER_OPTS)
        .row(Row::TunType),
    TunPort: value("tun-port", "port", "GUE tunnel port, 1..65535")
        .heading(H_SERVER_OPTS)
        .row(Row::TunPort),
    TunNocsum: flag("tun-nocsum", "Tunnel without checksum (the default)")
        .heading(H_SERVER_OPTS)
        .row(Row::TunNocsum),
    TunCsum: flag("tun-csum", "Tunnel with checksum")
        .heading(H_SERVER_OPTS)
        .row(Row::TunCsum),
    TunRemcsum: flag("tun-remcsum", "Tunnel with remote checksum offload")
        .heading(H_SERVER_OPTS)
        .row(Row::TunRemcsum),
    // Not in ipvsadm 1.31 (every command line with it was an
    // unknown-option error there), so no 1.31 line changes meaning.
    Netns: value(
        "netns",
        "name",
        "Act in the network namespace /run/netns/name, as `ip -n name` does \
             (not in -R input; -h and -v ignore it)",
    )
    .heading(H_PROCESS_OPTS)
    .process(),
}

impl Opt {
    /// Its table entry.
    pub const fn spec(self) -> &'static OptionSpec {
        &OPTIONS[self as usize]
    }

    /// The long name, without `--`.
    pub const fn long(self) -> &'static str {
        self.spec().long
    }

    pub const fn role(self) -> Role {
        self.spec().role
    }

    /// The matrix row it counts in, if any.
    pub const fn row(self) -> Option<Row> {
        match self.role() {
            Role::Row(row) => Some(row),
            _ => None,
        }
    }
}

/// ipvsadm's options as a `clap::Command`, for the man page and the
/// completions (the lexer and the help text read [`OPTIONS`]: building
/// clap's table was a third of a small command's start-up).
/// Used by the docs generator (`cli::docs`: the tests and
/// examples/gen-docs), not by the binary.
#[allow(dead_code)]
pub fn option_table() -> clap::Command {
    clap::Command::new("ipvsadm")
        .about("Administer the Linux kernel's IP Virtual Server table")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(OPTIONS.iter().map(OptionSpec::to_arg))
        // Not an option: the words options leave over (only --set takes
        // any). Listed so generated docs show them.
        .arg(
            Arg::new("words")
                .num_args(0..)
                .value_name("word")
                .help("The three --set timeouts; any other word is an error")
                .hide(true),
        )
}

/// The commands, in ipvsadm's internal order (the matrix columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Add,
    Edit,
    Del,
    Flush,
    List,
    AddDest,
    DelDest,
    EditDest,
    Set,
    StartDaemon,
    StopDaemon,
    Restore,
    Save,
    Zero,
}

impl Cmd {
    /// Every command, in column order.
    pub const ALL: [Cmd; 14] = [
        Cmd::Add,
        Cmd::Edit,
        Cmd::Del,
        Cmd::Flush,
        Cmd::List,
        Cmd::AddDest,
        Cmd::DelDest,
        Cmd::EditDest,
        Cmd::Set,
        Cmd::StartDaemon,
        Cmd::StopDaemon,
        Cmd::Restore,
        Cmd::Save,
        Cmd::Zero,
    ];

    /// Column in the matrix' rules.
    pub const fn column(self) -> usize {
        self as usize
    }

    /// The name ipvsadm's messages use.
    pub const fn name(self) -> &'static str {
        match self {
            Cmd::Add => "add-service",
            Cmd::Edit => "edit-service",
            Cmd::Del => "delete-service",
            Cmd::Flush => "flush",
            Cmd::List => "list",
            Cmd::AddDest => "add-server",
            Cmd::DelDest => "delete-server",
            Cmd::EditDest => "edit-server",
            Cmd::Set => "set",
            Cmd::StartDaemon => "start-daemon",
            Cmd::StopDaemon => "stop-daemon",
            Cmd::Restore => "restore",
            Cmd::Save => "save",
            Cmd::Zero => "zero",
        }
    }
}

/// One row of ipvsadm's compatibility matrix: the name messages print,
/// and per command (columns in [`Cmd::ALL`] order) `+` required, `x` illegal,
/// `1` at most one of the `1` rows, `.` optional. Which options count in
/// it is said by their [`OPTIONS`] entries.
#[derive(Debug)]
pub struct RowSpec {
    pub name: &'static str,
    pub rules: &'static str,
}

/// Declares [`Row`] and [`ROWS`] from one list, as `options!` does.
macro_rules! rows {
    ($($row:ident: $name:literal $rules:literal,)*) => {
        /// A row of the compatibility matrix; the order is ipvsadm's
        /// check order (and the bit of `Typed::seen`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Row {
            $($row,)*
        }

        /// The matrix, rows in [`Row`] order.
        pub const ROWS: [RowSpec; [$(Row::$row,)*].len()] = [
            $(RowSpec { name: $name, rules: $rules },)*
        ];

        impl Row {
            /// Every row, in order.
            #[allow(dead_code)] // for the tests
            pub const ALL: [Row; ROWS.len()] = [$(Row::$row,)*];
        }
    };
}

// `-6`, `--sort`, the commands, `-h`, `-v` and `--netns` have no row.
#[rustfmt::skip]
rows! {
    //                                    AEDCLadeSsoRSZ
    Numeric:          "numeric"          "xxxx.xxxxxxx.x",
    Connection:       "connection"       "xxxx1xxxxxxxxx",
    ServiceAddress:   "service-address"  "+++x1+++xxxxx.",
    Scheduler:        "scheduler"        "..xxxxxxxxxxxx",
    Persistent:       "persistent"       "..xxxxxxxxxxxx",
    Netmask:          "netmask"          "..xxxxxxxxxxxx",
    RealServer:       "real-server"      "xxxxx+++xxxxxx",
    ForwardingMethod: "forwarding-method" "xxxxx.x.xxxxxx",
    Weight:           "weight"           "xxxxx.x.xxxxxx",
    UThreshold:       "u-threshold"      "xxxxx.x.xxxxxx",
    LThreshold:       "l-threshold"      "xxxxx.x.xxxxxx",
    McastInterface:   "mcast-interface"  "xxxxxxxxx.xxxx",
    Timeout:          "timeout"          "xxxx1xxxxxxxxx",
    Daemon:           "daemon"           "xxxx1xxxxxxxxx",
    Stats:            "stats"            "xxxx.xxxxxxxxx",
    Rate:             "rate"             "xxxx.xxxxxxxxx",
    Thresholds:       "thresholds"       "xxxx.xxxxxxxxx",
    PersistentConn:   "persistent-conn"  "xxxx.xxxxxxxxx",
    Nosort:           "nosort"           "xxxx.xxxxxxxxx",
    Syncid:           "syncid"           "xxxx.xxxx..xxx",
    Exact:            "exact"            "xxxx.xxxxxxxxx",
    Ops:              "ops"              "..xxxxxxxxxxxx",
    Pe:               "pe"               "..xxxxxxxxxxxx",
    SchedFlags:       "sched-flags"      "..xxxxxxxxxxxx",
    McastGroup:       "mcast-group"      "xxxxxxxxx.xxxx",
    McastPort:        "mcast-port"       "xxxxxxxxx.xxxx",
    McastTtl:         "mcast-ttl"        "xxxxxxxxx.xxxx",
    SyncMaxlen:       "sync-maxlen"      "xxxxxxxxx.xxxx",
    TunInfo:          "tun-info"         "xxxx.xxxxxxxxx",
    TunType:          "tun-type"         "xxxxx.x.xxxxxx",
    TunPort:          "tun-port"         "xxxxx.x.xxxxxx",
    TunNocsum:        "tun-nocsum"       "xxxxx.x.xxxxxx",
    TunCsum:          "tun-csum"         "xxxxx.x.xxxxxx",
    TunRemcsum:       "tun-remcsum"      "xxxxx.x.xxxxxx",
    // Ours (not in 1.31): last, so that no message of a line without it changes.
    Json:             "json"             "xxxx.xxxxxxxxx",
}

impl Row {
    pub const fn spec(self) -> &'static RowSpec {
        &ROWS[self as usize]
    }

    /// The name ipvsadm's messages print.
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    /// Its bit in a set of rows (`Typed::seen`).
    pub const fn bit(self) -> u64 {
        1 << self as u64
    }
}

/// One command's column of the matrix as sets of rows ([`Row::bit`]).
#[derive(Debug, PartialEq, Eq)]
pub struct Column {
    /// `+`: rows that must be given.
    pub required: u64,
    /// `x`: rows that must not.
    pub illegal: u64,
    /// `1`: rows of which at most one may be.
    pub exclusive: u64,
}

impl Cmd {
    /// Its column of the matrix, as sets: a command line passes the matrix
    /// if and only if what it gave passes these three tests, which is
    /// quicker to ask than to scan every row (every `-R` line asks).
    pub const fn column_sets(self) -> &'static Column {
        &COLUMNS[self as usize]
    }
}

/// [`Cmd::column_sets`] of every command, made from [`ROWS`] when the
/// table is compiled.
const COLUMNS: [Column; Cmd::ALL.len()] = {
    const EMPTY: Column = Column {
        required: 0,
        illegal: 0,
        exclusive: 0,
    };
    let mut columns = [EMPTY; Cmd::ALL.len()];
    let mut row = 0;
    while row < ROWS.len() {
        let rules = ROWS[row].rules.as_bytes();
        let mut column = 0;
        while column < columns.len() {
            let bit = 1 << row;
            match rules[column] {
                b'+' => columns[column].required |= bit,
                b'x' => columns[column].illegal |= bit,
                b'1' => columns[column].exclusive |= bit,
                _ => {}
            }
            column += 1;
        }
        row += 1;
    }
    columns
};

/// The tunnel options in the order ipvsadm checks them against the type,
/// and per type (ipip, gue, gre) the rules as in [`RowSpec::rules`].
pub const TUNNEL_ROWS: [Row; 4] = [Row::TunPort, Row::TunNocsum, Row::TunCsum, Row::TunRemcsum];
pub const TUNNEL_RULES: [(&str, &str); 3] = [("ipip", "xxxx"), ("gue", "+111"), ("gre", "x11x")];

/// The option with short name `c` (an ASCII code; others have none).
pub fn short(c: u8) -> Option<Opt> {
    SHORTS.get(usize::from(c)).copied().flatten()
}

/// The option with long name `name` (without `--`).
pub fn long(name: &[u8]) -> Option<Opt> {
    LONGS
        .binary_search_by(|opt| opt.long().as_bytes().cmp(name))
        .ok()
        .map(|at| LONGS[at])
}

/// Options by the ASCII code of their short names (alias included),
/// made when the table is compiled.
const SHORTS: [Option<Opt>; 128] = {
    let mut shorts = [None; 128];
    let mut i = 0;
    while i < OPTIONS.len() {
        if let Some(c) = OPTIONS[i].short {
            shorts[c as usize] = Some(OPTIONS[i].opt);
        }
        if let Some(c) = OPTIONS[i].alias {
            shorts[c as usize] = Some(OPTIONS[i].opt);
        }
        i += 1;
    }
    shorts
};

/// Options sorted by long name, for a binary search; sorted when the table
/// is compiled (a map built at start-up cost every small command its
/// allocation and hashing).
const LONGS: [Opt; OPTIONS.len()] = {
    const fn less(a: &[u8], b: &[u8]) -> bool {
        let mut i = 0;
        while i < a.len() && i < b.len() {
            if a[i] != b[i] {
                return a[i] < b[i];
            }
            i += 1;
        }
        a.len() < b.len()
    }
    let mut sorted = [Opt::Help; OPTIONS.len()];
    let mut i = 0;
    while i < OPTIONS.len() {
        // Insertion sort: a few thousand steps, once, by the compiler.
        let opt = OPTIONS[i].opt;
        let mut at = i;
        while at > 0 && less(opt.long().as_bytes(), sorted[at - 1].long().as_bytes()) {
            sorted[at] = sorted[at - 1];
            at -= 1;
        }
        sorted[at] = opt;
        i += 1;
    }
    sorted
};

// Entry `i` of the option table is variant `i`'s (what `Opt::spec`
// relies on), and every row has a bit in a `u64`.
const _: () = {
    let mut i = 0;
    while i < OPTIONS.len() {
        assert!(OPTIONS[i].opt as usize == i);
        i += 1;
    }
    assert!(ROWS.len() <= 64);
};

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_option_has_one_entry_and_its_own_names() {
        let mut longs = HashSet::new();
        let mut shorts = HashSet::new();
        for (i, spec) in OPTIONS.iter().enumerate() {
            assert_eq!(spec.opt as usize, i, "{}", spec.long);
            assert_eq!(spec.opt.long(), spec.long);
            assert!(longs.insert(spec.long), "long name twice: {}", spec.long);
            assert!(!spec.long.is_empty() && !spec.long.starts_with('-'));
            assert!(!spec.help.is_empty(), "{}", spec.long);
            assert!(HEADINGS.contains(&spec.heading), "{}", spec.long);
            assert_eq!(
                spec.value_name.is_empty(),
                spec.kind == ValueKind::Flag,
                "{}",
                spec.long
            );
            for c in spec.shorts() {
                assert!(c.is_ascii_graphic() && c != '-', "-{c}");
                assert!(shorts.insert(c), "short name twice: -{c}");
            }
        }
    }

    #[test]
    fn every_option_has_exactly_one_role() {
        let free: Vec<Opt> = OPTIONS
            .iter()
            .filter(|o| o.role == Role::Free)
            .map(|o| o.opt)
            .collect();
        assert_eq!(free, [Opt::Help, Opt::Version, Opt::Sort, Opt::Ipv6]);
        let process: Vec<Opt> = OPTIONS
            .iter()
            .filter(|o| o.role == Role::Process)
            .map(|o| o.opt)
            .collect();
        assert_eq!(process, [Opt::Netns]);
        // Each command is one option's, named as its messages name it.
        for (column, cmd) in Cmd::ALL.into_iter().enumerate() {
            assert_eq!(cmd.column(), column);
            let options: Vec<&OptionSpec> = OPTIONS
                .iter()
                .filter(|o| o.role == Role::Command(cmd))
                .collect();
            assert_eq!(options.len(), 1, "{cmd:?}");
            let expected = if cmd == Cmd::Flush {
                "clear"
            } else {
                cmd.name()
            };
            assert_eq!(options[0].long, expected);
            assert_eq!(options[0].heading, H_COMMANDS);
        }
    }

    #[test]
    fn every_row_is_some_options_and_has_a_rule_per_command() {
        let mut names = HashSet::new();
        for (i, row) in Row::ALL.into_iter().enumerate() {
            assert_eq!(row as usize, i);
            assert_eq!(row.bit(), 1 << i);
            let spec = row.spec();
            assert!(names.insert(spec.name), "{}", spec.name);
            assert_eq!(spec.rules.len(), Cmd::ALL.len(), "{}", spec.name);
            assert!(
                spec.rules.bytes().all(|b| b"+x1.".contains(&b)),
                "{}",
                spec.name
            );
            let options: Vec<Opt> = OPTIONS
                .iter()
                .filter(|o| o.role == Role::Row(row))
                .map(|o| o.opt)
                .collect();
            match row {
                Row::ServiceAddress => assert_eq!(
                    options,
                    [
                        Opt::TcpService,
                        Opt::UdpService,
                        Opt::SctpService,
                        Opt::FwmarkService
                    ]
                ),
                Row::ForwardingMethod => {
                    assert_eq!(options, [Opt::Masquerading, Opt::Ipip, Opt::Gatewaying])
                }
                // A row of its own is named as its option.
                _ => {
                    assert_eq!(options.len(), 1, "{}", spec.name);
                    assert_eq!(options[0].long(), spec.name);
                }
            }
        }
        for (row, (_, rules)) in TUNNEL_ROWS.into_iter().zip(TUNNEL_RULES) {
            assert!(row.name().starts_with("tun-"));
            assert_eq!(rules.len(), TUNNEL_ROWS.len());
        }
    }

    #[test]
    fn column_sets_say_what_the_rules_say() {
        for cmd in Cmd::ALL {
            let sets = cmd.column_sets();
            for row in Row::ALL {
                let rule = row.spec().rules.as_bytes()[cmd.column()];
                let bit = row.bit();
                assert_eq!(sets.required & bit != 0, rule == b'+', "{cmd:?} {row:?}");
                assert_eq!(sets.illegal & bit != 0, rule == b'x', "{cmd:?} {row:?}");
                assert_eq!(sets.exclusive & bit != 0, rule == b'1', "{cmd:?} {row:?}");
            }
        }
    }

    #[test]
    fn lookups() {
        for spec in &OPTIONS {
            assert_eq!(long(spec.long.as_bytes()), Some(spec.opt), "{}", spec.long);
            for c in spec.shorts() {
                assert_eq!(short(c as u8), Some(spec.opt), "-{c}");
            }
        }
        assert!(LONGS.windows(2).all(|w| w[0].long() < w[1].long()));
        assert_eq!(short(b'L'), Some(Opt::List));
        assert_eq!(short(b'l'), Some(Opt::List));
        assert_eq!(Opt::List.spec().kind, ValueKind::Flag);
        assert_eq!(Opt::TcpService.spec().kind, ValueKind::Required);
        assert_eq!(Opt::Persistent.spec().kind, ValueKind::Optional);
        assert_eq!(long(b"syncid"), Some(Opt::Syncid));
        assert_eq!(long(b"netns"), Some(Opt::Netns));
        for unknown in [
            &b"words"[..],
            b"add-ser",
            b"list=",
            b"",
            b"-list",
            b"list\xff",
        ] {
            assert_eq!(long(unknown), None, "{unknown:?}");
        }
        for unknown in [b'q', b'-', b'=', 0, 0x7f, 0x80, 0xff] {
            assert_eq!(short(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn clap_table_says_what_options_says() {
        let table = option_table();
        let args: Vec<_> = table
            .get_arguments()
            .filter(|a| a.get_long().is_some())
            .collect();
        assert_eq!(args.len(), OPTIONS.len());
        for (arg, option) in args.iter().zip(&OPTIONS) {
            assert_eq!(arg.get_id().as_str(), option.long);
            assert_eq!(arg.get_long(), Some(option.long));
            assert_eq!(arg.get_short(), option.short);
            let kind = match arg.get_num_args() {
                Some(r) if r.max_values() == 0 => ValueKind::Flag,
                Some(r) if r.min_values() == 0 => ValueKind::Optional,
                _ => ValueKind::Required,
            };
            assert_eq!(kind, option.kind, "{}", option.long);
        }
    }

    #[test]
    fn clap_accepts_the_table() {
        option_table().debug_assert();
    }
}
