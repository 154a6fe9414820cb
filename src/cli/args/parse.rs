//! From what was typed to a validated [`Command`], in ipvsadm's order of
//! checks:
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
//!
//! Options are [`Opt`]s and matrix rows [`Row`]s: the match over what was
//! typed names every option, so a new one cannot be forgotten here.
//! Arguments and values are bytes (see the lexer); they become text only
//! where the library wants a `String` ([`values::name`]).

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
use super::table::{Cmd, Opt, ROWS, Role, Row, TUNNEL_ROWS, TUNNEL_RULES};
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
    /// touches the kernel (`None`: stay where the process runs). As typed:
    /// start-up says what it makes of a name that is not UTF-8.
    pub netns: Option<Vec<u8>>,
    /// The command, or how ipvsadm refuses the command line; reported
    /// after start-up (entering the namespace, reaching IPVS), as ipvsadm
    /// reports its parse errors only once IPVS is open.
    pub command: Result<Command, ParseError>,
}

/// Parses the process's arguments (argv without argv[0]). The process
/// options ([`Role::Process`], `--netns`) are read as popt reads any
/// option with a value, then taken out; the rest is read as [`parse`]
/// reads it, and a command line of process options alone is an empty one
/// (the default listing). `Err` is what must be refused before start-up:
/// `--netns` given twice (which namespace would IPVS be opened in?).
pub fn parse_argv(argv0: &[u8], args: &[&[u8]]) -> Result<Invocation, ParseError> {
    let (netns, command) = split(argv0, args, posix_mode());
    if netns.len() > 1 {
        return Err(ParseError::Repeated(Opt::Netns.long()));
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
pub fn parse(argv0: &[u8], args: &[&[u8]]) -> Result<Command, ParseError> {
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
fn split(argv0: &[u8], args: &[&[u8]], posix: bool) -> (Vec<Vec<u8>>, Result<Command, ParseError>) {
    if args.is_empty() {
        return (Vec::new(), Ok(default_list()));
    }
    let mut lexed = lexer::lex(args, posix);
    let netns: Vec<Vec<u8>> = lexed
        .options
        .extract_if(.., |o| o.opt.role() == Role::Process)
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
pub(super) fn parse_words(
    argv0: &[u8],
    args: &[&[u8]],
    posix: bool,
) -> Result<Command, ParseError> {
    let (netns, command) = split(argv0, args, posix);
    if !netns.is_empty() {
        return Err(ParseError::NetnsInRestore);
    }
    command
}

/// The command of a scanned command line, process options taken out.
fn parse_lexed(argv0: &[u8], lexed: &Lexed) -> Result<Command, ParseError> {
    let try_help = || super::error::try_help(argv0);
    let Some(first) = lexed.options.first() else {
        return Err(try_help());
    };
    let daemon_state = |value: &Option<Cow<[u8]>>, err: ParseError| match value.as_deref() {
        Some(b"master") => Ok(DaemonState::Master),
        Some(b"backup") => Ok(DaemonState::Backup),
        _ => Err(err),
    };
    let mut typed = Typed::new(lexed);
    typed.cmd = match first.opt.role() {
        Role::Command(cmd) => cmd,
        _ if first.opt == Opt::Help => return Ok(Command::Help),
        _ if first.opt == Opt::Version => return Ok(Command::Version),
        _ => return Err(try_help()),
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
            token: failure.token.to_vec(),
            reason: failure.reason,
        });
    }
    let mut leftovers = lexed.leftovers.iter().copied();
    if typed.cmd == Cmd::Set {
        let (Some(tcp), Some(tcp_fin), Some(udp)) =
            (leftovers.next(), leftovers.next(), leftovers.next())
        else {
            return Err(ParseError::SetNeedsThree);
        };
        let timeout = |w: &[u8]| {
            values::number(w, 0, MAX_TIMEOUT)
                .map(|n| n as u32)
                .ok_or_else(|| ParseError::Timeout(w.to_vec()))
        };
        typed.timeouts = Timeouts::new(timeout(tcp)?, timeout(tcp_fin)?, timeout(udp)?);
    }
    if let Some(word) = leftovers.next() {
        return Err(ParseError::UnexpectedArgument(word.to_vec()));
    }
    if let Some(list) = typed.sched_flags.filter(|l| !l.is_empty()) {
        typed.flag_bits = values::sched_flags(typed.scheduler.unwrap_or(b""), list)?;
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
/// (ipvsadm's `ipvs_command_entry` plus its option bits). Names stay
/// bytes borrowed from the words until the command is built.
struct Typed<'a> {
    lexed: &'a Lexed<'a>,
    cmd: Cmd,
    /// Bit per matrix row ([`Row::bit`]): ipvsadm's `options`.
    seen: u64,
    state: Option<DaemonState>,
    service: Option<ServiceSpec>,
    ipv6: bool,
    scheduler: Option<&'a [u8]>,
    persistent: Option<u32>,
    netmask: Option<Netmask>,
    real: Option<Operand>,
    forward: Option<ForwardMethod>,
    weight: Option<u32>,
    u_threshold: Option<u32>,
    l_threshold: Option<u32>,
    mcast_ifn: Option<&'a [u8]>,
    syncid: Option<u32>,
    mcast_group: Option<IpAddr>,
    mcast_port: Option<u16>,
    mcast_ttl: Option<u8>,
    sync_maxlen: Option<u16>,
    tun_type: Option<TunnelType>,
    tun_port: Option<u16>,
    tun_flags: TunnelFlags,
    ops: bool,
    pe: Option<&'a [u8]>,
    sched_flags: Option<&'a [u8]>,
    flag_bits: ServiceFlags,
    timeouts: Timeouts,
    /// Service operands resolved ahead of their turn (for `-M`).
    /// (At most a couple per line: a list, not a hash map.)
    resolved: Vec<(usize, Option<Operand>)>,
}

/// The protocol of a service option (`-f` services are TCP, as ipvsadm
/// makes them).
fn protocol_of(opt: Opt) -> Option<Protocol> {
    match opt {
        Opt::TcpService | Opt::FwmarkService => Some(Protocol::Tcp),
        Opt::UdpService => Some(Protocol::Udp),
        Opt::SctpService => Some(Protocol::Sctp),
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

    fn has(&self, row: Row) -> bool {
        self.seen & row.bit() != 0
    }

    /// The first service option (a later one is a repeat error anyway).
    fn service_occurrence(&self) -> Option<(usize, &'a Occurrence<'a>)> {
        self.lexed
            .options
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, o)| o.opt.row() == Some(Row::ServiceAddress))
    }

    /// The protocol the service will have: what port names resolve with.
    fn final_protocol(&self) -> Option<Protocol> {
        self.service_occurrence()
            .and_then(|(_, o)| protocol_of(o.opt))
    }

    fn resolve_service(&mut self, at: usize) -> Option<Operand> {
        if let Some((_, done)) = self.resolved.iter().find(|(i, _)| *i == at) {
            return *done;
        }
        let o = &self.lexed.options[at];
        let result = values::operand(o.value.as_deref().unwrap_or(b""), protocol_of(o.opt));
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
        if o.opt == Opt::FwmarkService {
            let v6_follows = self.lexed.options[at + 1..]
                .iter()
                .any(|o| o.opt == Opt::Ipv6);
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
    fn count(&mut self, row: Option<Row>) -> Result<(), ParseError> {
        if let Some(row) = row {
            if self.has(row) {
                return Err(ParseError::Repeated(row.name()));
            }
            self.seen |= row.bit();
        }
        Ok(())
    }

    /// One option after the command: repeat check, then its value.
    fn take(&mut self, at: usize) -> Result<(), ParseError> {
        let o: &'a Occurrence<'a> = &self.lexed.options[at];
        let value: &'a [u8] = o.value.as_deref().unwrap_or(b"");
        let num = |min: i64, max: i64, err: ParseError| values::number(value, min, max).ok_or(err);
        if matches!(o.opt.role(), Role::Command(_)) || matches!(o.opt, Opt::Help | Opt::Version) {
            return Err(ParseError::InvalidOption(o.token.to_vec()));
        }
        self.count(o.opt.row())?;
        match o.opt {
            Opt::TcpService | Opt::UdpService | Opt::SctpService => {
                let operand = self.resolve_service(at).ok_or(ParseError::VirtualAddress)?;
                let protocol = protocol_of(o.opt).unwrap_or(Protocol::Tcp);
                self.service = Some(ServiceSpec::Addr { protocol, operand });
            }
            Opt::FwmarkService => self.service = Some(ServiceSpec::Fwmark(values::fwmark(value)?)),
            Opt::Ipv6 => match self.service {
                Some(ServiceSpec::Fwmark(_)) => self.ipv6 = true,
                _ => return Err(ParseError::Ipv6BeforeFwmark),
            },
            Opt::Scheduler => self.scheduler = Some(values::cut(value, SCHED_NAME_MAX)),
            Opt::Persistent => {
                self.persistent = Some(match &o.value {
                    None => DEFAULT_PERSISTENCE,
                    Some(v) => values::number(v, 1, MAX_TIMEOUT)
                        .ok_or_else(|| ParseError::Timeout(v.to_vec()))?
                        as u32,
                })
            }
            Opt::Netmask => {
                self.netmask = Some(match self.final_family() {
                    Family::Inet => values::ipv4_netmask(value)?,
                    Family::Inet6 => values::ipv6_netmask(value)?,
                })
            }
            Opt::RealServer => {
                let protocol = self.final_protocol();
                self.real = Some(values::operand(value, protocol).ok_or(ParseError::RealAddress)?);
            }
            Opt::Gatewaying => self.forward = Some(ForwardMethod::Route),
            Opt::Ipip => self.forward = Some(ForwardMethod::Tunnel),
            Opt::Masquerading => self.forward = Some(ForwardMethod::Masquerade),
            Opt::Weight => self.weight = Some(num(0, i32::MAX.into(), ParseError::Weight)? as u32),
            Opt::UThreshold => {
                self.u_threshold = Some(num(0, i32::MAX.into(), ParseError::UThreshold)? as u32)
            }
            Opt::LThreshold => {
                self.l_threshold = Some(num(0, i32::MAX.into(), ParseError::LThreshold)? as u32)
            }
            Opt::McastInterface => self.mcast_ifn = Some(values::cut(value, IFNAME_MAX)),
            Opt::Syncid => self.syncid = Some(num(0, 255, ParseError::Syncid)? as u32),
            Opt::Ops => self.ops = true,
            Opt::Pe => self.pe = Some(values::cut(value, PE_NAME_MAX)),
            Opt::SchedFlags => self.sched_flags = Some(values::cut(value, SCHED_FLAGS_MAX)),
            Opt::McastGroup => self.mcast_group = Some(values::mcast_group(value)?),
            Opt::McastPort => self.mcast_port = Some(num(1, 65535, ParseError::McastPort)? as u16),
            Opt::McastTtl => self.mcast_ttl = Some(num(1, 255, ParseError::McastTtl)? as u8),
            Opt::SyncMaxlen => {
                self.sync_maxlen = Some(num(1, 65535 - 20 - 8, ParseError::SyncMaxlen)? as u16)
            }
            Opt::TunType => {
                self.tun_type = Some(match value {
                    b"ipip" => TunnelType::Ipip,
                    b"gue" => TunnelType::Gue,
                    b"gre" => TunnelType::Gre,
                    _ => return Err(ParseError::TunnelType),
                })
            }
            Opt::TunPort => self.tun_port = Some(num(1, 65535, ParseError::TunnelPort)? as u16),
            Opt::TunCsum => self.tun_flags |= TunnelFlags::CSUM,
            Opt::TunRemcsum => self.tun_flags |= TunnelFlags::REMCSUM,
            // Options whose presence (the `seen` bit) is all that matters,
            // --sort (a no-op), and those handled before: the commands,
            // -h and -v (refused above) and --netns (taken out).
            Opt::TunNocsum
            | Opt::Numeric
            | Opt::Connection
            | Opt::Timeout
            | Opt::Daemon
            | Opt::Stats
            | Opt::Rate
            | Opt::Thresholds
            | Opt::PersistentConn
            | Opt::Nosort
            | Opt::Sort
            | Opt::Exact
            | Opt::TunInfo
            | Opt::Json
            | Opt::Netns
            | Opt::AddService
            | Opt::EditService
            | Opt::DeleteService
            | Opt::Clear
            | Opt::List
            | Opt::Zero
            | Opt::AddServer
            | Opt::EditServer
            | Opt::DeleteServer
            | Opt::Set
            | Opt::Help
            | Opt::Version
            | Opt::Restore
            | Opt::Save
            | Opt::StartDaemon
            | Opt::StopDaemon => {}
        }
        Ok(())
    }

    /// ipvsadm's `generic_opt_check`: rows in order, first violation wins.
    fn check_matrix(&self) -> Result<(), ParseError> {
        // Nearly every line passes, and the column's sets say so at once;
        // only a line that fails needs the scan below, which finds the
        // row ipvsadm names (the scan was a fifteenth of a restore line).
        let sets = self.cmd.column_sets();
        if self.seen & sets.illegal == 0
            && self.seen & sets.required == sets.required
            && (self.seen & sets.exclusive).count_ones() <= 1
        {
            return Ok(());
        }
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
        for (row, rule) in TUNNEL_ROWS.into_iter().zip(rules.bytes()) {
            let option = row.name();
            if !self.has(row) {
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
                option: Row::ServiceAddress.name(),
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
                    service.scheduler = values::name(s, SCHED_NAME_MAX);
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
                service.pe_name = self
                    .pe
                    .filter(|p| !p.is_empty())
                    .map(|p| values::name(p, PE_NAME_MAX));
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
                    option: Row::RealServer.name(),
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
                let tunnel_rows = TUNNEL_ROWS.into_iter().chain([Row::TunType]);
                if tunnel_rows.into_iter().any(|row| self.has(row))
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
                dest.tunnel = Tunnel::new(kind, self.tun_port.unwrap_or(0), self.tun_flags);
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
                if ((has(Row::Connection) || has(Row::Timeout) || has(Row::Daemon))
                    && (has(Row::Stats) || has(Row::Rate) || has(Row::Thresholds)))
                    || ((has(Row::Timeout) || has(Row::Daemon)) && has(Row::PersistentConn))
                {
                    return Err(ParseError::ListConflict);
                }
                let format = if has(Row::Stats) {
                    ServiceFormat::Stats
                } else if has(Row::Rate) {
                    ServiceFormat::Rate
                } else if has(Row::Thresholds) {
                    ServiceFormat::Thresholds
                } else if has(Row::PersistentConn) {
                    ServiceFormat::PersistentConn
                } else if has(Row::TunInfo) {
                    ServiceFormat::TunInfo
                } else {
                    ServiceFormat::Default
                };
                let view = if has(Row::Connection) {
                    ListView::Connections {
                        persistent: has(Row::PersistentConn),
                    }
                } else if key.is_some() {
                    ListView::Services(format)
                } else if has(Row::Timeout) {
                    ListView::Timeouts
                } else if has(Row::Daemon) {
                    ListView::Daemons
                } else {
                    ListView::Services(format)
                };
                Command::List(ListRequest {
                    view,
                    service: key,
                    numeric: has(Row::Numeric),
                    exact: has(Row::Exact),
                    sort: !has(Row::Nosort),
                    json: has(Row::Json),
                })
            }
            Cmd::Save => Command::Save(SaveRequest {
                numeric: self.has(Row::Numeric),
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
                    self.mcast_ifn.filter(|i| !i.is_empty()).map_or_else(
                        || DEFAULT_MCAST_IFN.to_string(),
                        |i| values::name(i, IFNAME_MAX),
                    ),
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
