//! The one table of ipvsadm options.
//!
//! [`OPTIONS`] has one entry per ipvsadm option: short and long name,
//! whether it takes a value, value name, help text and heading. The
//! popt-style lexer looks options up in it and the help text is rendered
//! from it; [`option_table`] turns it into a `clap::Command` from which the
//! man page and completions are generated (`clap_mangen`, `clap_complete`,
//! in `cli::docs`). Every id is the option's long name. A plain constant
//! rather than clap's builder because building clap's table took a third
//! of a small command's start-up (issue 7), and scripts call ipvsadm
//! thousands of times.
//!
//! What clap cannot carry, ipvsadm's command/option compatibility matrix
//! and the names its messages use, hangs off the same ids in [`ROWS`] and
//! [`COMMANDS`] below; a unit test keeps them in step.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

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

/// One ipvsadm option: what the lexer, the help text, the man page and
/// the completions know of it. The id is also the long name.
#[derive(Debug)]
pub struct OptionSpec {
    pub id: &'static str,
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
    /// Its row in [`ROWS`], found when the table is compiled.
    pub row: Option<usize>,
}

const fn flag(id: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        id,
        row: row_index(id),
        short: None,
        alias: None,
        kind: ValueKind::Flag,
        value_name: "",
        hints: &[],
        heading: "",
        help,
    }
}

const fn value(id: &'static str, value_name: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        kind: ValueKind::Required,
        value_name,
        ..flag(id, help)
    }
}

const fn optional(id: &'static str, value_name: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        kind: ValueKind::Optional,
        ..value(id, value_name, help)
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

    /// The short names, the alias last.
    pub fn shorts(&self) -> impl Iterator<Item = char> {
        self.short.into_iter().chain(self.alias)
    }

    #[allow(dead_code)] // for option_table only
    fn to_arg(&self) -> Arg {
        let arg = Arg::new(self.id)
            .long(self.id)
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

/// ipvsadm's options, in popt's table order.
pub const OPTIONS: &[OptionSpec] = &[
    flag("add-service", "Add a virtual service")
        .short('A')
        .heading(H_COMMANDS),
    flag(
        "edit-service",
        "Edit a virtual service (unset options return to their defaults)",
    )
    .short('E')
    .heading(H_COMMANDS),
    flag("delete-service", "Delete a virtual service")
        .short('D')
        .heading(H_COMMANDS),
    flag("clear", "Delete every virtual service")
        .short('C')
        .heading(H_COMMANDS),
    flag(
        "list",
        "List the table, or one virtual service (the default without arguments)",
    )
    .short('L')
    .alias('l')
    .heading(H_COMMANDS),
    flag(
        "zero",
        "Zero the counters of one virtual service, or of all",
    )
    .short('Z')
    .heading(H_COMMANDS),
    flag("add-server", "Add a real server to a virtual service")
        .short('a')
        .heading(H_COMMANDS),
    flag(
        "edit-server",
        "Edit a real server (unset options return to their defaults)",
    )
    .short('e')
    .heading(H_COMMANDS),
    flag(
        "delete-server",
        "Remove a real server from a virtual service",
    )
    .short('d')
    .heading(H_COMMANDS),
    flag(
        "set",
        "Set the TCP, TCP FIN and UDP connection timeouts, given as three \
             following words in seconds (0..2678400; 0 leaves one unchanged)",
    )
    .heading(H_COMMANDS),
    flag("help", "Print this help and exit")
        .short('h')
        .heading(H_COMMANDS),
    flag("version", "Print the version and exit")
        .short('v')
        .heading(H_COMMANDS),
    flag("restore", "Read commands from standard input, one per line")
        .short('R')
        .heading(H_COMMANDS),
    flag(
        "save",
        "Print the table as commands that --restore reads back",
    )
    .short('S')
    .heading(H_COMMANDS),
    value(
        "start-daemon",
        "master|backup",
        "Start a connection sync daemon",
    )
    .hints(&DAEMON_STATES)
    .heading(H_COMMANDS),
    value(
        "stop-daemon",
        "master|backup",
        "Stop a connection sync daemon",
    )
    .hints(&DAEMON_STATES)
    .heading(H_COMMANDS),
    value("tcp-service", "host[:port]", "TCP virtual service")
        .short('t')
        .heading(H_SERVICE),
    value("udp-service", "host[:port]", "UDP virtual service")
        .short('u')
        .heading(H_SERVICE),
    value("sctp-service", "host[:port]", "SCTP virtual service").heading(H_SERVICE),
    value(
        "fwmark-service",
        "mark",
        "Virtual service by firewall mark, 1..4294967295",
    )
    .short('f')
    .heading(H_SERVICE),
    value(
        "scheduler",
        "name",
        "Scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh \
             or another the kernel knows (default wlc)",
    )
    .short('s')
    .hints(&SCHEDULERS)
    .heading(H_SERVICE_OPTS),
    optional(
        "persistent",
        "timeout",
        "Make the service persistent; timeout in seconds, 1..2678400 \
             (default 360; taken only if the next word does not start with -)",
    )
    .short('p')
    .heading(H_SERVICE_OPTS),
    value(
        "netmask",
        "mask",
        "Persistence granularity: an IPv4 mask, dotted or a host name (default \
             255.255.255.255), or an IPv6 prefix length 1..128 (default 128)",
    )
    .short('M')
    .heading(H_SERVICE_OPTS),
    value(
        "real-server",
        "host[:port]",
        "Real server (port defaults to the service port)",
    )
    .short('r')
    .heading(H_SERVER_OPTS),
    flag("masquerading", "Forward by NAT")
        .short('m')
        .heading(H_SERVER_OPTS),
    flag("ipip", "Forward by tunnelling")
        .short('i')
        .heading(H_SERVER_OPTS),
    flag("gatewaying", "Forward by direct routing (the default)")
        .short('g')
        .heading(H_SERVER_OPTS),
    value("weight", "weight", "Weight, 0..2147483647 (default 1)")
        .short('w')
        .heading(H_SERVER_OPTS),
    value(
        "u-threshold",
        "count",
        "Upper connection threshold, 0..2147483647 (default 0: none)",
    )
    .short('x')
    .heading(H_SERVER_OPTS),
    value(
        "l-threshold",
        "count",
        "Lower connection threshold, 0..2147483647 (default 0: none)",
    )
    .short('y')
    .heading(H_SERVER_OPTS),
    flag("numeric", "Show addresses and ports as numbers")
        .short('n')
        .heading(H_LIST_OPTS),
    flag("connection", "List the connection table")
        .short('c')
        .heading(H_LIST_OPTS),
    value(
        "mcast-interface",
        "interface",
        "Multicast interface of the sync daemon (default eth0)",
    )
    .heading(H_DAEMON_OPTS),
    value("syncid", "id", "Sync daemon id, 0..255 (default 0)").heading(H_DAEMON_OPTS),
    flag("timeout", "List the connection timeouts").heading(H_LIST_OPTS),
    flag("daemon", "List the sync daemons").heading(H_LIST_OPTS),
    flag("stats", "List with traffic counters").heading(H_LIST_OPTS),
    flag("rate", "List with traffic rates").heading(H_LIST_OPTS),
    flag("thresholds", "List with connection thresholds").heading(H_LIST_OPTS),
    flag("persistent-conn", "List with persistent connection counts").heading(H_LIST_OPTS),
    flag("nosort", "Keep the kernel's order instead of sorting").heading(H_LIST_OPTS),
    flag(
        "sort",
        "Sort the listing (the default; accepted for compatibility)",
    )
    .heading(H_LIST_OPTS),
    flag("exact", "Print exact numbers instead of scaled ones")
        .short('X')
        .heading(H_LIST_OPTS),
    flag("ipv6", "The firewall-mark service is IPv6 (after -f)")
        .short('6')
        .heading(H_SERVICE),
    flag(
        "ops",
        "One-packet scheduling (UDP and firewall-mark services)",
    )
    .short('o')
    .heading(H_SERVICE_OPTS),
    value(
        "pe",
        "engine",
        "Persistence engine, such as sip (default none)",
    )
    .heading(H_SERVICE_OPTS),
    value(
        "sched-flags",
        "flags",
        "Comma-separated scheduler flags: flag-1, flag-2, flag-3; sh-fallback, \
             sh-port with sh; mh-fallback, mh-port with mh",
    )
    .short('b')
    .heading(H_SERVICE_OPTS),
    value(
        "mcast-group",
        "address",
        "Multicast group, IPv4 or IPv6 (kernel default 224.0.0.81)",
    )
    .heading(H_DAEMON_OPTS),
    value(
        "mcast-port",
        "port",
        "Multicast UDP port, 1..65535 (kernel default 8848)",
    )
    .heading(H_DAEMON_OPTS),
    value(
        "mcast-ttl",
        "ttl",
        "Multicast TTL, 1..255 (kernel default 1)",
    )
    .heading(H_DAEMON_OPTS),
    value(
        "sync-maxlen",
        "bytes",
        "Largest sync message, 1..65507 (kernel default from the MTU, 1472 on Ethernet)",
    )
    .heading(H_DAEMON_OPTS),
    flag("tun-info", "List with tunnel details").heading(H_LIST_OPTS),
    flag(
        "json",
        "List as JSON (with -L only; not in ipvsadm 1.31): every field at once, \
             addresses numeric, numbers unscaled; see JSON OUTPUT in ipvsadm(8)",
    )
    .heading(H_LIST_OPTS),
    value("tun-type", "ipip|gue|gre", "Tunnel type (default ipip)")
        .hints(&TUNNEL_TYPES)
        .heading(H_SERVER_OPTS),
    value("tun-port", "port", "GUE tunnel port, 1..65535").heading(H_SERVER_OPTS),
    flag("tun-nocsum", "Tunnel without checksum (the default)").heading(H_SERVER_OPTS),
    flag("tun-csum", "Tunnel with checksum").heading(H_SERVER_OPTS),
    flag("tun-remcsum", "Tunnel with remote checksum offload").heading(H_SERVER_OPTS),
    // Not in ipvsadm 1.31 (every command line with it was an
    // unknown-option error there), so no 1.31 line changes meaning.
    value(
        "netns",
        "name",
        "Act in the network namespace /run/netns/name, as `ip -n name` does \
             (not in -R input; -h and -v ignore it)",
    )
    .heading(H_PROCESS_OPTS),
];

/// ipvsadm's options as a `clap::Command`, for the man page and the
/// completions (the lexer and the help text read [`OPTIONS`]: building
/// clap's table was a third of a small command's start-up, issue 7).
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

/// Command arg id → command and the name ipvsadm's messages use.
pub const COMMANDS: &[(&str, Cmd, &str)] = &[
    ("add-service", Cmd::Add, "add-service"),
    ("edit-service", Cmd::Edit, "edit-service"),
    ("delete-service", Cmd::Del, "delete-service"),
    ("clear", Cmd::Flush, "flush"),
    ("list", Cmd::List, "list"),
    ("add-server", Cmd::AddDest, "add-server"),
    ("delete-server", Cmd::DelDest, "delete-server"),
    ("edit-server", Cmd::EditDest, "edit-server"),
    ("set", Cmd::Set, "set"),
    ("start-daemon", Cmd::StartDaemon, "start-daemon"),
    ("stop-daemon", Cmd::StopDaemon, "stop-daemon"),
    ("restore", Cmd::Restore, "restore"),
    ("save", Cmd::Save, "save"),
    ("zero", Cmd::Zero, "zero"),
];

impl Cmd {
    pub fn from_id(id: &str) -> Option<Cmd> {
        COMMANDS
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, c, _)| *c)
    }

    /// Column in [`ROWS`]' rules.
    pub fn column(self) -> usize {
        self as usize
    }

    /// The name ipvsadm's messages use.
    pub fn name(self) -> &'static str {
        COMMANDS[self.column()].2
    }
}

/// One row of ipvsadm's compatibility matrix: the options that share it
/// (arg ids), the name messages print, and per command (columns in [`Cmd`]
/// order) `+` required, `x` illegal, `1` at most one of the `1` rows,
/// `.` optional.
#[derive(Debug)]
pub struct Row {
    pub name: &'static str,
    pub ids: &'static [&'static str],
    pub rules: &'static str,
}

/// The matrix, rows in ipvsadm's check order (then our own options). `-6`, `--sort`, the commands,
/// `-h` and `-v` have no row (never counted, repeatable or handled apart).
#[rustfmt::skip]
pub const ROWS: [Row; 35] = [
    //                                                                             AEDCLadeSsoRSZ
    Row { name: "numeric", ids: &["numeric"],                                  rules: "xxxx.xxxxxxx.x" },
    Row { name: "connection", ids: &["connection"],                            rules: "xxxx1xxxxxxxxx" },
    Row { name: "service-address",
          ids: SERVICE_OPTIONS,                                                   rules: "+++x1+++xxxxx." },
    Row { name: "scheduler", ids: &["scheduler"],                              rules: "..xxxxxxxxxxxx" },
    Row { name: "persistent", ids: &["persistent"],                            rules: "..xxxxxxxxxxxx" },
    Row { name: "netmask", ids: &["netmask"],                                  rules: "..xxxxxxxxxxxx" },
    Row { name: "real-server", ids: &["real-server"],                          rules: "xxxxx+++xxxxxx" },
    Row { name: "forwarding-method", ids: &["gatewaying", "ipip", "masquerading"], rules: "xxxxx.x.xxxxxx" },
    Row { name: "weight", ids: &["weight"],                                    rules: "xxxxx.x.xxxxxx" },
    Row { name: "u-threshold", ids: &["u-threshold"],                          rules: "xxxxx.x.xxxxxx" },
    Row { name: "l-threshold", ids: &["l-threshold"],                          rules: "xxxxx.x.xxxxxx" },
    Row { name: "mcast-interface", ids: &["mcast-interface"],                  rules: "xxxxxxxxx.xxxx" },
    Row { name: "timeout", ids: &["timeout"],                                  rules: "xxxx1xxxxxxxxx" },
    Row { name: "daemon", ids: &["daemon"],                                    rules: "xxxx1xxxxxxxxx" },
    Row { name: "stats", ids: &["stats"],                                      rules: "xxxx.xxxxxxxxx" },
    Row { name: "rate", ids: &["rate"],                                        rules: "xxxx.xxxxxxxxx" },
    Row { name: "thresholds", ids: &["thresholds"],                            rules: "xxxx.xxxxxxxxx" },
    Row { name: "persistent-conn", ids: &["persistent-conn"],                  rules: "xxxx.xxxxxxxxx" },
    Row { name: "nosort", ids: &["nosort"],                                    rules: "xxxx.xxxxxxxxx" },
    Row { name: "syncid", ids: &["syncid"],                                    rules: "xxxx.xxxx..xxx" },
    Row { name: "exact", ids: &["exact"],                                      rules: "xxxx.xxxxxxxxx" },
    Row { name: "ops", ids: &["ops"],                                          rules: "..xxxxxxxxxxxx" },
    Row { name: "pe", ids: &["pe"],                                            rules: "..xxxxxxxxxxxx" },
    Row { name: "sched-flags", ids: &["sched-flags"],                          rules: "..xxxxxxxxxxxx" },
    Row { name: "mcast-group", ids: &["mcast-group"],                          rules: "xxxxxxxxx.xxxx" },
    Row { name: "mcast-port", ids: &["mcast-port"],                            rules: "xxxxxxxxx.xxxx" },
    Row { name: "mcast-ttl", ids: &["mcast-ttl"],                              rules: "xxxxxxxxx.xxxx" },
    Row { name: "sync-maxlen", ids: &["sync-maxlen"],                          rules: "xxxxxxxxx.xxxx" },
    Row { name: "tun-info", ids: &["tun-info"],                                rules: "xxxx.xxxxxxxxx" },
    Row { name: "tun-type", ids: &["tun-type"],                                rules: "xxxxx.x.xxxxxx" },
    Row { name: "tun-port", ids: &["tun-port"],                                rules: "xxxxx.x.xxxxxx" },
    Row { name: "tun-nocsum", ids: &["tun-nocsum"],                            rules: "xxxxx.x.xxxxxx" },
    Row { name: "tun-csum", ids: &["tun-csum"],                                rules: "xxxxx.x.xxxxxx" },
    Row { name: "tun-remcsum", ids: &["tun-remcsum"],                          rules: "xxxxx.x.xxxxxx" },
    // Ours (not in 1.31): last, so that no message of a line without it changes.
    Row { name: "json", ids: &["json"],                                        rules: "xxxx.xxxxxxxxx" },
];

/// The options that name a virtual service (one row of the matrix).
pub const SERVICE_OPTIONS: &[&str] = &[
    "tcp-service",
    "udp-service",
    "sctp-service",
    "fwmark-service",
];

/// Options outside the matrix that are not commands.
#[cfg(test)]
pub const UNTRACKED: &[&str] = &["ipv6", "sort", "help", "version"];

/// Options that say where the process acts rather than what it does: the
/// parser takes them out before reading the command, so they go with any
/// command, anywhere on the command line (see `parse::parse_argv`).
pub const PROCESS_OPTIONS: &[&str] = &["netns"];

/// The tunnel options in the order ipvsadm checks them against the type,
/// and per type (ipip, gue, gre) the rules as in [`Row::rules`].
pub const TUNNEL_OPTIONS: [&str; 4] = ["tun-port", "tun-nocsum", "tun-csum", "tun-remcsum"];
pub const TUNNEL_RULES: [(&str, &str); 3] = [("ipip", "xxxx"), ("gue", "+111"), ("gre", "x11x")];

/// FNV-1a, for the maps of option names that every parsed word and every
/// `-R` line consult: the keys are our own short names, so SipHash's
/// defence against chosen keys buys nothing and it cost a large part of
/// a restore line's parse (issue 7, callgrind).
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The matrix row an option counts in, if any. A scan, made at compile
/// time: for [`OPTIONS`] (see [`flag`]) and the parser's constants.
pub const fn row_index(id: &str) -> Option<usize> {
    const fn same(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut row = 0;
    while row < ROWS.len() {
        let ids = ROWS[row].ids;
        let mut i = 0;
        while i < ids.len() {
            if same(ids[i].as_bytes(), id.as_bytes()) {
                return Some(row);
            }
            i += 1;
        }
        row += 1;
    }
    None
}

/// The matrix row of `id`, for constants: a compile error if it has none.
pub const fn row_const(id: &str) -> usize {
    match row_index(id) {
        Some(row) => row,
        None => panic!("not a matrix row"),
    }
}

/// The matrix row an option counts in, if any (through the lexer's
/// index: asked many times per parsed line).
pub fn row_of(id: &str) -> Option<usize> {
    Index::get().long(id).and_then(|spec| spec.row)
}

/// The lookups the lexer makes, built once per process from [`OPTIONS`].
pub struct Index {
    /// By the ASCII code of the short name.
    shorts: [Option<&'static OptionSpec>; 128],
    longs: FastMap<&'static str, &'static OptionSpec>,
}

impl Index {
    pub fn get() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| {
            let mut shorts = [None; 128];
            let mut longs = FastMap::with_capacity_and_hasher(OPTIONS.len(), Default::default());
            for option in OPTIONS {
                longs.insert(option.id, option);
                for short in option.shorts() {
                    shorts[short as usize].get_or_insert(option);
                }
            }
            Index { shorts, longs }
        })
    }

    pub fn short(&self, c: u8) -> Option<&'static OptionSpec> {
        self.shorts.get(usize::from(c)).copied().flatten()
    }

    pub fn long(&self, name: &str) -> Option<&'static OptionSpec> {
        self.longs.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_has_exactly_one_home() {
        let table = option_table();
        for arg in table.get_arguments().filter(|a| a.get_long().is_some()) {
            let id = arg.get_id().as_str();
            assert_eq!(Some(id), arg.get_long(), "id is the long name");
            let homes = usize::from(Cmd::from_id(id).is_some())
                + usize::from(row_of(id).is_some())
                + usize::from(UNTRACKED.contains(&id))
                + usize::from(PROCESS_OPTIONS.contains(&id));
            assert_eq!(homes, 1, "{id}");
        }
        for row in &ROWS {
            assert_eq!(row.rules.len(), COMMANDS.len(), "{}", row.name);
            for id in row.ids {
                assert!(table.get_arguments().any(|a| a.get_id() == *id), "{id}");
            }
        }
        for (i, (_, cmd, _)) in COMMANDS.iter().enumerate() {
            assert_eq!(cmd.column(), i);
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
        for (arg, option) in args.iter().zip(OPTIONS) {
            assert_eq!(arg.get_long(), Some(option.id));
            assert_eq!(arg.get_short(), option.short);
            let kind = match arg.get_num_args() {
                Some(r) if r.max_values() == 0 => ValueKind::Flag,
                Some(r) if r.min_values() == 0 => ValueKind::Optional,
                _ => ValueKind::Required,
            };
            assert_eq!(kind, option.kind, "{}", option.id);
        }
    }

    #[test]
    fn value_kinds() {
        let index = Index::get();
        assert_eq!(index.short(b'L').unwrap().id, "list");
        assert_eq!(index.short(b'l').unwrap().id, "list");
        assert_eq!(index.short(b'L').unwrap().kind, ValueKind::Flag);
        assert_eq!(index.short(b't').unwrap().kind, ValueKind::Required);
        assert_eq!(index.short(b'p').unwrap().kind, ValueKind::Optional);
        assert_eq!(index.long("syncid").unwrap().kind, ValueKind::Required);
        assert_eq!(index.long("netns").unwrap().kind, ValueKind::Required);
        assert!(index.long("list").is_some());
        assert!(index.long("words").is_none());
        assert!(index.long("add-ser").is_none());
        assert!(index.short(b'q').is_none());
    }

    #[test]
    fn clap_accepts_the_table() {
        option_table().debug_assert();
    }
}
