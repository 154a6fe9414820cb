//! From what was typed to a validated [`Command`], in ipvsadm's order of
//! checks (facts §1.4):
//!
//! 0. (ours) process options (`--netns`) are taken out of what popt read:
//!    they say where the process acts, not what it does, so they go with
//!    every command and never count as its first option;
//! 1. the first option must be a command (or `-h`/`-v`);
//! 2. each further option in argv order: repeat check, then its value;
//! 3. a popt error that ended the scan;
//! 4. `--set`'s three words, then any leftover word;
//! 5. `-b` against the final scheduler;
//! 6. the compatibility matrix;
//! 7. per-command checks, and the typed command with its defaults.
//!
//! Defect D7 is fixed without changing which message wins: values that
//! depend on other options are read with the *final* context, found by
//! looking ahead in the scanned options: `-M` uses the service's final
//! family, `-r` port names the service's protocol, and a `-r` without port
//! the service's port (filled in at the end).

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::OnceLock;

use ipvs::Change;
use ipvs::model::{
    Daemon, DaemonState, Destination, Family, ForwardMethod, Netmask, Protocol, Service,
    ServiceFlags, ServiceKey, Timeouts, Tunnel, TunnelFlags, TunnelType,
};

use super::error::ParseError;
use super::lexer::{self, Lexed, Occurrence};
use super::table::{
    Cmd, PROCESS_OPTIONS, ROWS, SERVICE_OPTIONS, TUNNEL_OPTIONS, TUNNEL_RULES, row_const, row_of,
};
use super::values::{self, Operand};
use crate::cli::command::{Command, ListRequest, ListView, SaveRequest, ServiceFormat};

/// Longest persistence and connection timeout: 31 days.
const MAX_TIMEOUT: i64 = 86400 * 31;
/// Default persistence timeout when `-p` has no value.
const DEFAULT_PERSISTENCE: u32 = 360;
/// ipvsadm copies names with `strncpy` into fixed buffers.
const SCHED_NAME_MAX: usize = 15;
const PE_NAME_MAX: usize = 16;
const IFNAME_MAX: usize = 15;
/// `-b` goes through a 128-byte buffer first.
const SCHED_FLAGS_MAX: usize = 127;
const DEFAULT_MCAST_IFN: &str = "eth0";

/// A command line as the process takes it: where it acts, and what it
/// does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `--netns NAME`: the network namespace to enter before anything
    /// touches the kernel (`None`: stay where the process runs).
    pub netns: Option<String>,
    /// The command, or how ipvsadm refuses the command line; reported
    /// after start-up (entering the namespace, reaching IPVS), as ipvsadm
    /// reports its parse errors only once IPVS is open.
    pub command: Result<Command, ParseError>,
}

/// Parses the process's arguments (argv without argv[0]). The process
/// options ([`PROCESS_OPTIONS`], `--netns`) are read as popt reads any
/// option with a value, then taken out; the rest is read as [`parse`]
/// reads it, and a command line of process options alone is an empty one
/// (the default listing). `Err` is what must be refused before start-up:
/// `--netns` given twice (which namespace would IPVS be opened in?).
pub fn parse_argv(argv0: &str, args: &[&str]) -> Result<Invocation, ParseError> {
    let (netns, command) = split(argv0, args, posix_mode());
    if netns.len() > 1 {
        return Err(ParseError::Repeated("netns"));
    }
    Ok(Invocation {
        netns: netns.into_iter().next(),
        command,
    })
}

/// Parses one command: a `-R` input line's words (or argv of a caller
/// with no process options). `argv0` only appears in the try-help
/// message. Pure apart from host and service name lookups and reading
/// `POSIXLY_CORRECT` / `POSIX_ME_HARDER` (popt's switch to stop at the
/// first non-option). A process option here is refused: the whole
/// restore runs where `-R` was started.
pub fn parse(argv0: &str, args: &[&str]) -> Result<Command, ParseError> {
    let (netns, command) = split(argv0, args, posix_mode());
    if !netns.is_empty() {
        return Err(ParseError::NetnsInRestore);
    }
    command
}

fn posix_mode() -> bool {
    // Read once per process: `-R` parses every line with it.
    static POSIX: OnceLock<bool> = OnceLock::new();
    *POSIX.get_or_init(|| {
        std::env::var_os("POSIXLY_CORRECT").is_some()
            || std::env::var_os("POSIX_ME_HARDER").is_some()
    })
}

/// ipvsadm without arguments: list every service.
fn default_list() -> Command {
    Command::List(ListRequest {
        view: ListView::Services(ServiceFormat::Default),
        service: None,
        numeric: false,
        exact: false,
        sort: true,
        json: false,
    })
}

/// The `--netns` values popt read (before any error that stopped it), and
/// the command the other words make.
fn split(argv0: &str, args: &[&str], posix: bool) -> (Vec<String>, Result<Command, ParseError>) {
    if args.is_empty() {
        return (Vec::new(), Ok(default_list()));
    }
    let mut lexed = lexer::lex(args, posix);
    let netns: Vec<String> = lexed
        .options
        .extract_if(.., |o| PROCESS_OPTIONS.contains(&o.id))
        .map(|o| o.value.map(Cow::into_owned).unwrap_or_default())
        .collect();
    let only_process_options =
        lexed.options.is_empty() && lexed.leftovers.is_empty() && lexed.failure.is_none();
    let command = if !netns.is_empty() && only_process_options {
        Ok(default_list())
    } else {
        parse_lexed(argv0, &lexed)
    };
    (netns, command)
}

/// [`parse`] with popt's POSIX mode given instead of read from the
/// environment (non-empty `args`).
#[cfg(test)]
pub(super) fn parse_words(argv0: &str, args: &[&str], posix: bool) -> Result<Command, ParseError> {
    let (netns, command) = split(argv0, args, posix);
    if !netns.is_empty() {
        return Err(ParseError::NetnsInRestore);
    }
    command
}

/// The command of a scanned command line, process options taken out.
fn parse_lexed(argv0: &str, lexed: &Lexed) -> Result<Command, ParseError> {
    let try_help = || ParseError::TryHelp {
        argv0: argv0.to_string(),
    };
    let Some(first) = lexed.options.first() else {
        return Err(try_help());
    };
    let daemon_state = |value: &Option<Cow<str>>, err: ParseError| match value.as_deref() {
        Some("master") => Ok(DaemonState::Master),
        Some("backup") => Ok(DaemonState::Backup),
        _ => Err(err),
    };
    let mut typed = Typed::new(lexed);
    typed.cmd = match first.id {
        "help" => return Ok(Command::Help),
        "version" => return Ok(Command::Version),
        id => Cmd::from_id(id).ok_or_else(try_help)?,
    };
    match typed.cmd {
        Cmd::StartDaemon => {
            typed.state = Some(daemon_state(&first.value, ParseError::StartDaemonState)?)
        }
        Cmd::StopDaemon => {
            typed.state = Some(daemon_state(&first.value, ParseError::StopDaemonState)?)
        }
        _ => {}
    }
    for at in 1..lexed.options.len() {
        typed.take(at)?;
    }
    if let Some(failure) = &lexed.failure {
        return Err(ParseError::Popt {
            token: failure.token.to_string(),
            reason: failure.reason,
        });
    }
    let mut leftovers = lexed.leftovers.iter();
    if typed.cmd == Cmd::Set {
        let words: Vec<&String> = leftovers.by_ref().take(3).collect();
        let [tcp, tcp_fin, udp] = words[..] else {
            return Err(ParseError::SetNeedsThree);
        };
        let timeout = |w: &String| {
            values::number(w, 0, MAX_TIMEOUT)
                .map(|n| n as u32)
                .ok_or_else(|| ParseError::Timeout(w.clone()))
        };
        typed.timeouts = {
            let mut v = Timeouts::default();
            v.tcp = timeout(tcp)?;
            v.tcp_fin = timeout(tcp_fin)?;
            v.udp = timeout(udp)?;
            v
        };
    }
    if let Some(word) = leftovers.next() {
        return Err(ParseError::UnexpectedArgument(word.clone()));
    }
    if let Some(list) = typed.sched_flags.as_deref().filter(|l| !l.is_empty()) {
        typed.flag_bits = values::sched_flags(typed.scheduler.as_deref().unwrap_or(""), list)?;
    }
    typed.check_matrix()?;
    typed.build()
}

/// A service operand as typed and resolved.
#[derive(Debug, Clone, Copy)]
enum ServiceSpec {
    Addr {
        protocol: Protocol,
        operand: Operand,
    },
    Fwmark(u32),
}

/// What was typed, value-checked, before the cross-option checks
/// (ipvsadm's `ipvs_command_entry` plus its option bits).
struct Typed<'a> {
    lexed: &'a Lexed<'a>,
    cmd: Cmd,
    /// Bit per matrix row: ipvsadm's `options`.
    seen: u64,
    state: Option<DaemonState>,
    service: Option<ServiceSpec>,
    ipv6: bool,
    scheduler: Option<String>,
    persistent: Option<u32>,
    netmask: Option<Netmask>,
    real: Option<Operand>,
    forward: Option<ForwardMethod>,
    weight: Option<u32>,
    u_threshold: Option<u32>,
    l_threshold: Option<u32>,
    mcast_ifn: Option<String>,
    syncid: Option<u32>,
    mcast_group: Option<IpAddr>,
    mcast_port: Option<u16>,
    mcast_ttl: Option<u8>,
    sync_maxlen: Option<u16>,
    tun_type: Option<TunnelType>,
    tun_port: Option<u16>,
    tun_flags: TunnelFlags,
    ops: bool,
    pe: Option<String>,
    sched_flags: Option<String>,
    flag_bits: ServiceFlags,
    timeouts: Timeouts,
    /// Service operands resolved ahead of their turn (for `-M`).
    /// (At most a couple per line: a list, not a hash map.)
    resolved: Vec<(usize, Option<Operand>)>,
}

/// The rows of [`TUNNEL_OPTIONS`], looked up at compile time: every
/// `-a`/`-e` line asks for them.
const TUNNEL_ROWS: [usize; 4] = {
    let mut rows = [0; 4];
    let mut i = 0;
    while i < rows.len() {
        rows[i] = row_const(TUNNEL_OPTIONS[i]);
        i += 1;
    }
    rows
};

const TUN_TYPE_ROW: usize = row_const("tun-type");

fn protocol_of(id: &str) -> Option<Protocol> {
    match id {
        "tcp-service" | "fwmark-service" => Some(Protocol::Tcp),
        "udp-service" => Some(Protocol::Udp),
        "sctp-service" => Some(Protocol::Sctp),
        _ => None,
    }
}

impl<'a> Typed<'a> {
    fn new(lexed: &'a Lexed<'a>) -> Self {
        Typed {
            lexed,
            cmd: Cmd::List,
            seen: 0,
            state: None,
            service: None,
            ipv6: false,
            scheduler: None,
            persistent: None,
            netmask: None,
            real: None,
            forward: None,
            weight: None,
            u_threshold: None,
            l_threshold: None,
            mcast_ifn: None,
            syncid: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
            sync_maxlen: None,
            tun_type: None,
            tun_port: None,
            tun_flags: TunnelFlags::empty(),
            ops: false,
            pe: None,
            sched_flags: None,
            flag_bits: ServiceFlags::empty(),
            timeouts: Timeouts::default(),
            resolved: Vec::new(),
        }
    }

    fn has(&self, id: &str) -> bool {
        row_of(id).is_some_and(|row| self.has_row(row))
    }

    fn has_row(&self, row: usize) -> bool {
        self.seen & (1 << row) != 0
    }

    /// The first service option (a later one is a repeat error anyway).
    fn service_occurrence(&self) -> Option<(usize, &'a Occurrence<'a>)> {
        self.lexed
            .options
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, o)| SERVICE_OPTIONS.contains(&o.id))
    }

    /// The protocol the service will have: what port names resolve with.
    fn final_protocol(&self) -> Option<Protocol> {
        self.service_occurrence()
            .and_then(|(_, o)| protocol_of(o.id))
    }

    fn resolve_service(&mut self, at: usize) -> Option<Operand> {
        if let Some((_, done)) = self.resolved.iter().find(|(i, _)| *i == at) {
            return *done;
        }
        let o = &self.lexed.options[at];
        let result = values::operand(o.value.as_deref().unwrap_or(""), protocol_of(o.id));
        self.resolved.push((at, result));
        result
    }

    /// The family the service will have: what `-M` is read with. An
    /// unresolvable service (an error later anyway) counts as IPv4, like
    /// ipvsadm's unset family.
    fn final_family(&mut self) -> Family {
        let Some((at, o)) = self.service_occurrence() else {
            return Family::Inet;
        };
        if o.id == "fwmark-service" {
            let v6_follows = self.lexed.options[at + 1..].iter().any(|o| o.id == "ipv6");
            return if v6_follows {
                Family::Inet6
            } else {
                Family::Inet
            };
        }
        self.resolve_service(at)
            .map_or(Family::Inet, |op| Family::of(&op.addr))
    }

    /// ipvsadm's `set_option`: each matrix row at most once.
    fn count(&mut self, row: Option<usize>) -> Result<(), ParseError> {
        if let Some(row) = row {
            if self.has_row(row) {
                return Err(ParseError::Repeated(ROWS[row].name));
            }
            self.seen |= 1 << row;
        }
        Ok(())
    }

    /// One option after the command: repeat check, then its value.
    fn take(&mut self, at: usize) -> Result<(), ParseError> {
        let o: &'a Occurrence<'a> = &self.lexed.options[at];
        let value = o.value.as_deref().unwrap_or("");
        let num = |min: i64, max: i64, err: ParseError| values::number(value, min, max).ok_or(err);
        if Cmd::from_id(o.id).is_some() || matches!(o.id, "help" | "version") {
            return Err(ParseError::InvalidOption(o.token.to_string()));
        }
        self.count(o.row)?;
        match o.id {
            "tcp-service" | "udp-service" | "sctp-service" => {
                let operand = self.resolve_service(at).ok_or(ParseError::VirtualAddress)?;
                let protocol = protocol_of(o.id).unwrap_or(Protocol::Tcp);
                self.service = Some(ServiceSpec::Addr { protocol, operand });
            }
            "fwmark-service" => self.service = Some(ServiceSpec::Fwmark(values::fwmark(value)?)),
            "ipv6" => match self.service {
                Some(ServiceSpec::Fwmark(_)) => self.ipv6 = true,
                _ => return Err(ParseError::Ipv6BeforeFwmark),
            },
            "scheduler" => self.scheduler = Some(values::cut(value, SCHED_NAME_MAX).to_string()),
            "persistent" => {
                self.persistent = Some(match &o.value {
                    None => DEFAULT_PERSISTENCE,
                    Some(v) => values::number(v, 1, MAX_TIMEOUT)
                        .ok_or_else(|| ParseError::Timeout(v.to_string()))?
                        as u32,
                })
            }
            "netmask" => {
                self.netmask = Some(match self.final_family() {
                    Family::Inet => values::ipv4_netmask(value)?,
                    Family::Inet6 => values::ipv6_netmask(value)?,
                })
            }
            "real-server" => {
                let protocol = self.final_protocol();
                self.real = Some(values::operand(value, protocol).ok_or(ParseError::RealAddress)?);
            }
            "gatewaying" => self.forward = Some(ForwardMethod::Route),
            "ipip" => self.forward = Some(ForwardMethod::Tunnel),
            "masquerading" => self.forward = Some(ForwardMethod::Masquerade),
            "weight" => self.weight = Some(num(0, i32::MAX.into(), ParseError::Weight)? as u32),
            "u-threshold" => {
                self.u_threshold = Some(num(0, i32::MAX.into(), ParseError::UThreshold)? as u32)
            }
            "l-threshold" => {
                self.l_threshold = Some(num(0, i32::MAX.into(), ParseError::LThreshold)? as u32)
            }
            "mcast-interface" => self.mcast_ifn = Some(values::cut(value, IFNAME_MAX).to_string()),
            "syncid" => self.syncid = Some(num(0, 255, ParseError::Syncid)? as u32),
            "ops" => self.ops = true,
            "pe" => self.pe = Some(values::cut(value, PE_NAME_MAX).to_string()),
            "sched-flags" => {
                self.sched_flags = Some(values::cut(value, SCHED_FLAGS_MAX).to_string())
            }
            "mcast-group" => self.mcast_group = Some(values::mcast_group(value)?),
            "mcast-port" => self.mcast_port = Some(num(1, 65535, ParseError::McastPort)? as u16),
            "mcast-ttl" => self.mcast_ttl = Some(num(1, 255, ParseError::McastTtl)? as u8),
            "sync-maxlen" => {
                self.sync_maxlen = Some(num(1, 65535 - 20 - 8, ParseError::SyncMaxlen)? as u16)
            }
            "tun-type" => {
                self.tun_type = Some(match value {
                    "ipip" => TunnelType::Ipip,
                    "gue" => TunnelType::Gue,
                    "gre" => TunnelType::Gre,
                    _ => return Err(ParseError::TunnelType),
                })
            }
            "tun-port" => self.tun_port = Some(num(1, 65535, ParseError::TunnelPort)? as u16),
            "tun-nocsum" => {}
            "tun-csum" => self.tun_flags |= TunnelFlags::CSUM,
            "tun-remcsum" => self.tun_flags |= TunnelFlags::REMCSUM,
            // Flags whose presence (the `seen` bit) is all that matters,
            // and --sort, a no-op.
            _ => {}
        }
        Ok(())
    }

    /// ipvsadm's `generic_opt_check`: rows in order, first violation wins.
    fn check_matrix(&self) -> Result<(), ParseError> {
        let column = self.cmd.column();
        let command = self.cmd.name();
        let mut exclusive: Option<&'static str> = None;
        for (i, row) in ROWS.iter().enumerate() {
            let rule = row.rules.as_bytes()[column];
            if self.seen & (1 << i) == 0 {
                if rule == b'+' {
                    return Err(ParseError::MissingOption {
                        option: row.name,
                        command,
                    });
                }
                continue;
            }
            match rule {
                b'x' => {
                    return Err(ParseError::IllegalOption {
                        option: row.name,
                        command,
                    });
                }
                b'1' => match exclusive {
                    None => exclusive = Some(row.name),
                    Some(earlier) => {
                        return Err(ParseError::ConflictingOptions {
                            later: row.name,
                            earlier,
                            command,
                        });
                    }
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// ipvsadm's `tunnel_opt_check` for the (final) tunnel type.
    fn check_tunnel_options(&self, kind: TunnelType) -> Result<(), ParseError> {
        let (tunnel, rules) = match kind {
            TunnelType::Gue => TUNNEL_RULES[1],
            TunnelType::Gre => TUNNEL_RULES[2],
            _ => TUNNEL_RULES[0],
        };
        let mut exclusive: Option<&'static str> = None;
        for ((option, row), rule) in TUNNEL_OPTIONS.iter().zip(TUNNEL_ROWS).zip(rules.bytes()) {
            if !self.has_row(row) {
                if rule == b'+' {
                    return Err(ParseError::MissingTunnelOption { option, tunnel });
                }
                continue;
            }
            match rule {
                b'x' => return Err(ParseError::IllegalTunnelOption { option, tunnel }),
                b'1' => match exclusive {
                    None => exclusive = Some(option),
                    Some(earlier) => {
                        return Err(ParseError::ConflictingTunnelOptions {
                            later: option,
                            earlier,
                            tunnel,
                        });
                    }
                },
                _ => {}
            }
        }
        Ok(())
    }

    fn service_key(&self) -> Option<ServiceKey> {
        Some(match self.service? {
            ServiceSpec::Addr { protocol, operand } => ServiceKey::Addr {
                protocol,
                addr: operand.addr,
                port: operand.port.unwrap_or(0),
            },
            ServiceSpec::Fwmark(mark) => ServiceKey::Fwmark {
                mark,
                family: if self.ipv6 {
                    Family::Inet6
                } else {
                    Family::Inet
                },
            },
        })
    }

    /// The per-command checks after the matrix, and the typed command.
    fn build(self) -> Result<Command, ParseError> {
        let key = self.service_key();
        // The matrix guarantees a service where a command needs one.
        let need_key = || {
            key.ok_or(ParseError::MissingOption {
                option: "service-address",
                command: self.cmd.name(),
            })
        };
        Ok(match self.cmd {
            Cmd::Add | Cmd::Edit => {
                let key = need_key()?;
                let fwmark = matches!(key, ServiceKey::Fwmark { .. });
                if !fwmark && key.port() == 0 && self.persistent.is_none() {
                    return Err(ParseError::ZeroPort);
                }
                let udp = matches!(
                    key,
                    ServiceKey::Addr {
                        protocol: Protocol::Udp,
                        ..
                    }
                );
                if self.ops && !fwmark && !udp {
                    return Err(ParseError::OnePacket);
                }
                let mut service = Service::new(key);
                if let Some(s) = self.scheduler.filter(|s| !s.is_empty()) {
                    service.scheduler = s;
                }
                let mut flags = self.flag_bits;
                if let Some(timeout) = self.persistent {
                    flags |= ServiceFlags::PERSISTENT;
                    service.timeout = timeout;
                }
                if self.ops {
                    flags |= ServiceFlags::ONEPACKET;
                }
                service.flags = flags;
                service.netmask = self.netmask.unwrap_or(Netmask::full(key.family()));
                service.pe_name = self.pe.filter(|p| !p.is_empty());
                if self.cmd == Cmd::Add {
                    Command::Change(Change::AddService(service))
                } else {
                    Command::Change(Change::EditService(service))
                }
            }
            Cmd::Del => Command::Change(Change::DeleteService(need_key()?)),
            Cmd::Flush => Command::Change(Change::Flush),
            Cmd::AddDest | Cmd::EditDest | Cmd::DelDest => {
                let service = need_key()?;
                let real = self.real.ok_or(ParseError::MissingOption {
                    option: "real-server",
                    command: self.cmd.name(),
                })?;
                let fwmark = matches!(service, ServiceKey::Fwmark { .. });
                let mut dest = Destination::new(real.addr, real.port.unwrap_or(service.port()));
                if self.cmd == Cmd::DelDest {
                    return Ok(Command::Change(Change::DeleteDestination {
                        service,
                        destination: dest,
                    }));
                }
                let forward = self.forward.unwrap_or(ForwardMethod::Route);
                if !fwmark && matches!(forward, ForwardMethod::Tunnel | ForwardMethod::Route) {
                    dest.port = service.port();
                }
                if dest.family() != service.family() && forward != ForwardMethod::Tunnel {
                    return Err(ParseError::FamilyMismatch);
                }
                let tunnel_rows = TUNNEL_ROWS.into_iter().chain([TUN_TYPE_ROW]);
                if tunnel_rows.into_iter().any(|row| self.has_row(row))
                    && forward != ForwardMethod::Tunnel
                {
                    return Err(ParseError::TunnelOptionsNeedTunnel);
                }
                let kind = self.tun_type.unwrap_or_default();
                self.check_tunnel_options(kind)?;
                dest.forward = forward;
                dest.weight = self.weight.unwrap_or(1);
                dest.u_threshold = self.u_threshold.unwrap_or(0);
                dest.l_threshold = self.l_threshold.unwrap_or(0);
                dest.tunnel = {
                    let mut v = Tunnel::default();
                    v.kind = kind;
                    v.port = self.tun_port.unwrap_or(0);
                    v.flags = self.tun_flags;
                    v
                };
                if self.cmd == Cmd::AddDest {
                    Command::Change(Change::AddDestination {
                        service,
                        destination: dest,
                    })
                } else {
                    Command::Change(Change::EditDestination {
                        service,
                        destination: dest,
                    })
                }
            }
            Cmd::List => {
                let has = |id| self.has(id);
                if ((has("connection") || has("timeout") || has("daemon"))
                    && (has("stats") || has("rate") || has("thresholds")))
                    || ((has("timeout") || has("daemon")) && has("persistent-conn"))
                {
                    return Err(ParseError::ListConflict);
                }
                let format = if has("stats") {
                    ServiceFormat::Stats
                } else if has("rate") {
                    ServiceFormat::Rate
                } else if has("thresholds") {
                    ServiceFormat::Thresholds
                } else if has("persistent-conn") {
                    ServiceFormat::PersistentConn
                } else if has("tun-info") {
                    ServiceFormat::TunInfo
                } else {
                    ServiceFormat::Default
                };
                let view = if has("connection") {
                    ListView::Connections {
                        persistent: has("persistent-conn"),
                    }
                } else if key.is_some() {
                    ListView::Services(format)
                } else if has("timeout") {
                    ListView::Timeouts
                } else if has("daemon") {
                    ListView::Daemons
                } else {
                    ListView::Services(format)
                };
                Command::List(ListRequest {
                    view,
                    service: key,
                    numeric: has("numeric"),
                    exact: has("exact"),
                    sort: !has("nosort"),
                    json: has("json"),
                })
            }
            Cmd::Save => Command::Save(SaveRequest {
                numeric: self.has("numeric"),
            }),
            // ipvsadm sends no service for an all-zero address and port
            // (`-Z -t 0.0.0.0`, `-Z -t [::]:0`), which zeroes everything.
            Cmd::Zero => Command::Change(Change::Zero(key.filter(
                |k| !matches!(k, ServiceKey::Addr { addr, port: 0, .. } if addr.is_unspecified()),
            ))),
            Cmd::Set => Command::Change(Change::SetTimeouts(self.timeouts)),
            Cmd::Restore => Command::Restore,
            Cmd::StartDaemon => Command::Change(Change::StartDaemon({
                let mut v = Daemon::new(
                    self.state.unwrap_or(DaemonState::Master),
                    self.mcast_ifn
                        .filter(|i| !i.is_empty())
                        .unwrap_or_else(|| DEFAULT_MCAST_IFN.to_string()),
                );
                v.syncid = self.syncid.unwrap_or(0);
                v.sync_maxlen = self.sync_maxlen.unwrap_or(0);
                v.mcast_group = self.mcast_group;
                v.mcast_port = self.mcast_port.unwrap_or(0);
                v.mcast_ttl = self.mcast_ttl.unwrap_or(0);
                v
            })),
            Cmd::StopDaemon => Command::Change(Change::StopDaemon {
                state: self.state.unwrap_or(DaemonState::Master),
                syncid: self.syncid.unwrap_or(0),
            }),
        })
    }
}
