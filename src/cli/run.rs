//! Carrying out a parsed command against the kernel, with ipvsadm's exit
//! codes: 0 success, 255 a failed kernel change, 1 a failed listing, 2 a
//! rejected command line (the parser decides those).
//!
//! Output goes to a caller-supplied `Write` (stdout, buffered); messages go
//! straight to stderr, as C's unbuffered stderr does.

use std::io::{self, BufRead, Write};

use ipvsadm::client::{Error, Ipvs};
use ipvsadm::model::{Daemon, Destination, Service};

use super::args::{self, ParseError};
use super::command::{Command, ListRequest, ListView, SaveRequest};
use super::kernel_errors::{Op, errno_of, message};
use super::views;
use super::views::names::{NoNames, Resolver, SystemResolver};

/// How a command ended: the exit status, and for `-R` whether the whole
/// restore must stop here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Carry on (in a restore); the status of this command.
    Status(i32),
    /// Stop the process now with this status.
    Exit(i32),
}

/// The kernel connection, with what ipvsadm reads once at start-up.
pub struct Session {
    pub ipvs: Ipvs,
    pub info: ipvsadm::model::Info,
}

impl Session {
    /// ipvsadm's start-up: connect and read GET_INFO; on failure try
    /// `/sbin/modprobe -- ip_vs` once and retry.
    pub fn open() -> Result<Session, Error> {
        match Self::try_open() {
            Ok(session) => Ok(session),
            Err(first) => {
                if modprobe_ipvs() {
                    Self::try_open()
                } else {
                    Err(first)
                }
            }
        }
    }

    fn try_open() -> Result<Session, Error> {
        let mut ipvs = Ipvs::connect()?;
        let info = ipvs.info()?;
        Ok(Session { ipvs, info })
    }
}

/// Runs `/sbin/modprobe -- ip_vs` as ipvsadm does (its output passes
/// through) and says whether it exited 0.
fn modprobe_ipvs() -> bool {
    std::process::Command::new("/sbin/modprobe")
        .args(["--", "ip_vs"])
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

/// The two lines ipvsadm prints when IPVS cannot be reached.
pub fn init_failure_message(err: &Error) -> String {
    format!(
        "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or as module?",
        message(Op::Init, errno_of(err))
    )
}

/// Prints a parser error the way ipvsadm does and says how to go on.
pub fn report_parse_error(err: &ParseError) -> Outcome {
    eprintln!("{err}");
    if err.is_popt() {
        Outcome::Status(err.exit_code())
    } else {
        Outcome::Exit(err.exit_code())
    }
}

/// Runs one command. `argv0` is needed for help and the nested-restore
/// error; `out` receives everything ipvsadm prints on stdout.
pub fn execute(
    session: &mut Session,
    argv0: &str,
    command: &Command,
    out: &mut dyn Write,
    restoring: bool,
) -> io::Result<Outcome> {
    let ipvs = &mut session.ipvs;
    let change = |result: Result<(), Error>, op: Op| match result {
        Ok(()) => Outcome::Status(0),
        Err(err) => {
            eprintln!("{}", message(op, errno_of(&err)));
            Outcome::Status(255)
        }
    };
    Ok(match command {
        Command::Help | Command::Version => write_about(command, argv0, out)?,
        Command::AddService(svc) => change(ipvs.add_service(svc), Op::AddService),
        Command::EditService(svc) => change(ipvs.edit_service(svc), Op::EditService),
        Command::DeleteService(key) => change(ipvs.delete_service(key), Op::DeleteService),
        Command::Clear => change(ipvs.flush(), Op::Flush),
        Command::AddServer { service, dest } => {
            change(ipvs.add_destination(service, dest), Op::AddDest)
        }
        Command::EditServer { service, dest } => {
            change(ipvs.edit_destination(service, dest), Op::EditDest)
        }
        Command::DeleteServer { service, dest } => {
            change(ipvs.delete_destination(service, dest), Op::DeleteDest)
        }
        Command::Zero(key) => change(ipvs.zero(key.as_ref()), Op::Zero),
        Command::SetTimeouts(t) => change(ipvs.set_timeouts(t), Op::SetTimeouts),
        Command::StartDaemon(d) => change(ipvs.start_daemon(d), Op::StartDaemon),
        Command::StopDaemon { state, syncid } => {
            let daemon = Daemon {
                state: *state,
                mcast_ifn: String::new(),
                syncid: *syncid,
                sync_maxlen: 0,
                mcast_group: None,
                mcast_port: 0,
                mcast_ttl: 0,
            };
            change(ipvs.stop_daemon(&daemon), Op::StopDaemon)
        }
        Command::List(request) => list(session, request, out)?,
        Command::Save(request) => save(session, request, out)?,
        Command::Restore => {
            if restoring {
                // ipvsadm refuses a restore inside a restore this way.
                eprintln!("{}", args::try_help(argv0));
                Outcome::Exit(255)
            } else {
                restore(session, argv0, &mut io::stdin().lock(), out)?
            }
        }
    })
}

/// `-h` and `-v`: printed on stdout, and the process ends with 0 (also in
/// the middle of a restore).
pub fn write_about(command: &Command, argv0: &str, out: &mut dyn Write) -> io::Result<Outcome> {
    let text = match command {
        Command::Help => args::help_text(argv0),
        _ => args::version_text(),
    };
    out.write_all(text.as_bytes())?;
    Ok(Outcome::Exit(0))
}

/// A listing that failed: the message, then exit status 1 at once.
fn list_failure(err: &Error) -> Outcome {
    eprintln!("{}", message(Op::List, errno_of(err)));
    Outcome::Exit(1)
}

/// Every service with its destinations, sorted unless asked not to.
fn table(ipvs: &mut Ipvs, sort: bool) -> Result<Vec<(Service, Vec<Destination>)>, Error> {
    let mut services = ipvs.services()?;
    if sort {
        views::sort::services(&mut services);
    }
    let mut table = Vec::with_capacity(services.len());
    for svc in services {
        let mut dests = ipvs.destinations(&svc.key)?;
        if sort {
            views::sort::destinations(&mut dests);
        }
        table.push((svc, dests));
    }
    Ok(table)
}

/// How names are printed: looked up, or (`-n`) never.
fn resolver(numeric: bool) -> Box<dyn Resolver> {
    if numeric {
        Box::new(NoNames)
    } else {
        Box::new(SystemResolver::new())
    }
}

fn list(
    session: &mut Session,
    request: &ListRequest,
    mut out: &mut dyn Write,
) -> io::Result<Outcome> {
    let resolver = resolver(request.numeric);
    let format = match request.view {
        ListView::Services(format) => format,
        ListView::Connections { persistent } => {
            return connections(out, persistent, request.numeric, &*resolver);
        }
        ListView::Timeouts => {
            return Ok(match session.ipvs.timeouts() {
                Ok(t) => {
                    views::config::write_timeouts(&mut out, &t)?;
                    Outcome::Status(0)
                }
                Err(_) => Outcome::Exit(1),
            });
        }
        ListView::Daemons => {
            return Ok(match session.ipvs.daemons() {
                Ok(daemons) => {
                    views::config::write_daemons(&mut out, &daemons)?;
                    Outcome::Status(0)
                }
                Err(_) => Outcome::Exit(1),
            });
        }
    };
    let options = views::list::ListOptions {
        format,
        numeric: request.numeric,
        exact: request.exact,
    };
    if let Some(key) = &request.service {
        let svc = match session.ipvs.service(key) {
            Ok(svc) => svc,
            Err(err) => return Ok(list_failure(&err)),
        };
        let mut dests = match session.ipvs.destinations(key) {
            Ok(dests) => dests,
            Err(err) => return Ok(list_failure(&err)),
        };
        if request.sort {
            views::sort::destinations(&mut dests);
        }
        views::list::write_titles(&mut out, format)?;
        views::list::write_service(&mut out, &svc, &dests, &options, &*resolver)?;
        return Ok(Outcome::Status(0));
    }
    views::list::write_header(&mut out, &session.info)?;
    views::list::write_titles(&mut out, format)?;
    match table(&mut session.ipvs, request.sort) {
        Ok(table) => {
            for (svc, dests) in &table {
                views::list::write_service(&mut out, svc, dests, &options, &*resolver)?;
            }
            Ok(Outcome::Status(0))
        }
        Err(err) => Ok(list_failure(&err)),
    }
}

fn save(
    session: &mut Session,
    request: &SaveRequest,
    mut out: &mut dyn Write,
) -> io::Result<Outcome> {
    let resolver = resolver(request.numeric);
    match table(&mut session.ipvs, true) {
        Ok(table) => {
            for (svc, dests) in &table {
                views::save::write_service(&mut out, svc, dests, request.numeric, &*resolver)?;
            }
            Ok(Outcome::Status(0))
        }
        Err(err) => Ok(list_failure(&err)),
    }
}

/// `-c`: the connection table, read from procfs as ipvsadm does.
fn connections(
    mut out: &mut dyn Write,
    persistent: bool,
    numeric: bool,
    resolver: &dyn Resolver,
) -> io::Result<Outcome> {
    let Ok(content) = std::fs::read_to_string(views::conn::PROC_PATH) else {
        eprintln!("{}", views::conn::open_error_message());
        return Ok(Outcome::Exit(1));
    };
    match views::conn::write_connections(&mut out, &content, persistent, numeric, resolver) {
        Ok(()) => Ok(Outcome::Status(0)),
        Err(views::conn::ConnError::Io(err)) => Err(err),
        Err(err) => {
            if let Some(text) = err.message() {
                eprintln!("{text}");
            }
            Ok(Outcome::Exit(1))
        }
    }
}

/// `-R`: each line of `input` is a command line of its own, run through
/// the same parser. The status is that of the last line run; validation
/// errors stop everything, kernel and option errors do not.
pub fn restore(
    session: &mut Session,
    argv0: &str,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    let mut status = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let words = args::restore_line_args(&text);
        if words.is_empty() {
            continue;
        }
        let outcome = match args::parse(argv0, &words) {
            Ok(command) => execute(session, argv0, &command, out, true)?,
            Err(err) => report_parse_error(&err),
        };
        match outcome {
            Outcome::Status(code) => status = code,
            Outcome::Exit(code) => return Ok(Outcome::Exit(code)),
        }
    }
    Ok(Outcome::Status(status))
}
