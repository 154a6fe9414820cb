//! `ipvsadm apply FILE`: make the kernel's table equal to a file, in
//! place, all or nothing.
//!
//! The decisions live in the library (`ipvs::apply`: the planner, the
//! executor and its undo journal, the lock); this is the command around
//! them: read the whole input, open IPVS, check the input while locking
//! and reading the table once (a parse of 22,000 lines costs about as
//! much as that read), plan, then either print the plan (`--dry-run`) or
//! send it phase by phase, undoing everything on the first refusal or on
//! SIGINT, SIGTERM or SIGHUP. Exit status: 0 done (or, with `--dry-run`, nothing
//! to do), 1 refused and fully undone, 2 bad usage or input, 3 (`--dry-run`)
//! something would change, 4 an undo step failed too.

// Crate-visible for the fuzz entry points, which read hostile input with it.
pub(crate) mod input;
mod show;

use std::io::{self, IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, value_parser};
use ipvs::Change;
use ipvs::apply::{self, Executor, Leaving, Plan, PlanOptions, Refusal};
use ipvs::model::ServiceKey;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use super::kernel_errors::kernel_message;
use super::run;
use crate::sys::Output;

const EXIT_OK: i32 = 0;
const EXIT_REFUSED: i32 = 1;
const EXIT_USAGE: i32 = 2;
const EXIT_WOULD_CHANGE: i32 = 3;
const EXIT_UNDO_FAILED: i32 = 4;

const LONG_ABOUT: &str = "\
Make the live IPVS table equal to FILE without clearing it: services and \
real servers already right are left alone (with their connections, \
counters and place in the kernel's lists), those that differ are edited, \
and only keys that appear or go are added or deleted.

FILE holds the -A/-a lines of ipvsadm -S (blank lines and # comments \
allowed) or the document of ipvsadm -L --json; - reads standard input. \
The whole input is read and checked before anything changes; empty input \
is refused, a file of comments only is an empty table.

All or nothing, as far as IPVS allows: adds and edits are sent first, \
deletes only once all of them were acknowledged. If the kernel refuses a \
change, or SIGINT, SIGTERM or SIGHUP arrives, every change made is taken \
back from the table as read at the start; an object undo has to add again \
goes to the head of its list without its counters. SIGKILL cannot be \
undone; running apply again converges. Two applies in one network \
namespace never interleave (an flock under /run/ipvsadm/); a concurrent \
change by another program to an attribute apply also sets is last writer \
wins.";

const APPLY_EXIT_HELP: &str = "\
Exit status: 0 done (with --dry-run: nothing to change), 1 the kernel \
refused a change or a signal came, and everything was undone, 2 bad usage \
or input, 3 --dry-run: something would change, 4 an undo step failed too; \
a signal before any change ends it as the signal does (130 SIGINT, 143 \
SIGTERM).";

/// The `apply` grammar (also rendered into the man page and completions).
pub fn apply_command(bin: &str) -> clap::Command {
    clap::Command::new("apply")
        .bin_name(format!("{bin} apply"))
        .about("Make the live IPVS table equal to FILE, in place, all or nothing")
        .long_about(LONG_ABOUT)
        .after_help(APPLY_EXIT_HELP)
        .disable_version_flag(true)
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print the changes as ipvsadm -R lines, in sending order, and change nothing; exit 3 if there are any"),
        )
        .arg(
            Arg::new("keep-unlisted")
                .long("keep-unlisted")
                .action(ArgAction::SetTrue)
                .help("Leave services that FILE does not list alone (keepalived or a controller owns them)"),
        )
        .arg(
            Arg::new("drain")
                .long("drain")
                .value_name("SECONDS")
                .value_parser(value_parser!(u64))
                .help("Set leaving real servers to weight 0 and wait up to SECONDS for their connections to end before deleting them"),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .help("Allow deleting more than half of the live services"),
        )
        .arg(
            Arg::new("netns")
                .long("netns")
                .value_name("NAME")
                .help("Work on the IPVS table of network namespace NAME"),
        )
        .arg(
            Arg::new("FILE")
                .required(true)
                .help("ipvsadm -S lines or the ipvsadm -L --json document; - for standard input"),
        )
}

/// Runs `ipvsadm apply ARGS...` (`--netns NAME` may come first).
pub fn main(argv0: &str, args: &[String]) -> i32 {
    let bin = std::path::Path::new(argv0).file_name().map_or_else(
        || "ipvsadm".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let matches = match apply_command(&bin)
        .try_get_matches_from(std::iter::once("apply".to_string()).chain(args.iter().cloned()))
    {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let file = matches
        .get_one::<String>("FILE")
        .cloned()
        .unwrap_or_default();
    let job = Job {
        bin,
        file,
        dry_run: matches.get_flag("dry-run"),
        force: matches.get_flag("force"),
        options: PlanOptions::new(
            matches.get_flag("keep-unlisted"),
            matches.contains_id("drain"),
        ),
        drain: Duration::from_secs(matches.get_one::<u64>("drain").copied().unwrap_or(0)),
        netns: matches.get_one::<String>("netns").cloned(),
    };
    job.run(argv0)
}

struct Job {
    bin: String,
    file: String,
    dry_run: bool,
    force: bool,
    options: PlanOptions,
    drain: Duration,
    netns: Option<String>,
}

impl Job {
    fn say(&self, line: Option<usize>, message: &str) {
        match line {
            Some(n) => say!("{}: {}:{n}: {message}", self.bin, self.file),
            None => say!("{}: {}: {message}", self.bin, self.file),
        }
    }

    fn run(&self, argv0: &str) -> i32 {
        // The whole input is read before IPVS is touched, and checked
        // before anything changes.
        let bytes = if self.file == "-" {
            let mut v = Vec::new();
            io::stdin().lock().read_to_end(&mut v).map(|_| v)
        } else {
            std::fs::read(&self.file)
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                self.say(None, &e.to_string());
                return EXIT_USAGE;
            }
        };
        // IPVS is opened first, so that the parse runs in the namespace
        // the file is for (names resolve there, as for `-R`). The parse
        // then overlaps the lock and the read of the live table, which only
        // read; its verdict comes first, so bad input still ends here with
        // nothing changed, whatever else failed.
        let mut session = run::start(self.netns.as_deref().map(str::as_bytes));
        let (parsed, live) = std::thread::scope(|scope| {
            let parse = scope.spawn(|| input::read(&bytes, argv0));
            let live = match session.as_mut() {
                Ok(s) => self.lock_and_read(&mut s.ipvs),
                Err(_) => Err(String::new()),
            };
            let parsed = parse
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (parsed, live)
        });
        drop(bytes);
        let wanted = match parsed {
            Ok(w) => w,
            Err(e) => {
                self.say(e.line, &e.message);
                return EXIT_USAGE;
            }
        };
        // The lock is held to the end, also by --dry-run, whose plan is
        // only true while nobody else applies.
        let (mut session, _lock, live) = match (session, live) {
            (Ok(session), Ok((lock, live))) => (session, lock, live),
            (Err(message), _) => {
                run::print_line(&message);
                return EXIT_USAGE;
            }
            (Ok(_), Err(message)) => {
                say!("{}: {message}", self.bin);
                return EXIT_REFUSED;
            }
        };
        let plan = apply::plan(&live, &wanted.table, self.options);

        if self.dry_run {
            return print_plan(&plan);
        }
        if plan.is_empty() {
            return EXIT_OK;
        }
        let deleted = plan.deleted_services();
        if !self.force && deleted * 2 > live.entries.len() {
            self.say(
                None,
                &format!(
                    "would delete {deleted} of the {} live services; --force to allow it",
                    live.entries.len()
                ),
            );
            return EXIT_USAGE;
        }
        load_modules(&plan);

        let mut signals = Signals::block();
        if let Some(signal) = signals.as_mut().and_then(|s| s.caught()) {
            // Nothing was sent: end with the status the signal's default
            // action gives (130 for SIGINT, 143 for SIGTERM), as before the
            // signals were blocked.
            return 128 + signal as i32;
        }
        let mut exec = Executor::new(&mut session.ipvs, &live);
        let end = self.send(&mut exec, &plan, signals.as_mut());
        match end {
            End::Done => EXIT_OK,
            End::Refused(refused) => {
                for r in &refused {
                    self.refusal(r, &wanted);
                }
                self.undo(&mut exec)
            }
            End::Interrupted(signal) => {
                self.say(None, &format!("{signal}: undoing"));
                self.undo(&mut exec)
            }
            End::Failed(e) => {
                self.say(None, &kernel_message(&e));
                self.undo(&mut exec)
            }
        }
    }

    /// Takes the lock and reads the live table; the message after
    /// "ipvsadm: " if either fails.
    fn lock_and_read(&self, ipvs: &mut ipvs::Ipvs) -> Result<(apply::Lock, apply::Table), String> {
        let lock =
            apply::Lock::acquire().map_err(|e| format!("cannot lock {}: {e}", apply::LOCK_DIR))?;
        let live = apply::read_table(ipvs).map_err(|e| kernel_message(&e))?;
        Ok((lock, live))
    }

    /// The three phases, stopping at the first refusal or signal.
    fn send(&self, exec: &mut Executor, plan: &Plan, mut signals: Option<&mut Signals>) -> End {
        let refused = exec.run(&plan.make);
        if !refused.is_empty() {
            return End::Refused(refused);
        }
        if let Some(signal) = signals.as_mut().and_then(|s| s.caught()) {
            return End::Interrupted(signal);
        }
        if self.options.drain {
            let refused = exec.run(&plan.drain);
            if !refused.is_empty() {
                return End::Refused(refused);
            }
            match self.wait_drained(exec, &plan.leaving, signals) {
                Ok(None) => {}
                Ok(Some(signal)) => return End::Interrupted(signal),
                Err(e) => return End::Failed(e),
            }
        }
        let refused = exec.run(&plan.delete);
        if refused.is_empty() {
            End::Done
        } else {
            End::Refused(refused)
        }
    }

    /// Waits until every leaving server is empty, or the drain time has
    /// passed; `Some` when a signal came first.
    fn wait_drained(
        &self,
        exec: &mut Executor,
        leaving: &[Leaving],
        mut signals: Option<&mut Signals>,
    ) -> ipvs::Result<Option<Signal>> {
        let deadline = Instant::now() + self.drain;
        let mut services: Vec<ServiceKey> = leaving.iter().map(|l| l.service).collect();
        services.dedup();
        let tty = io::stderr().is_terminal();
        let mut dests = Vec::new();
        loop {
            let mut left = 0;
            for key in &services {
                exec.ipvs().destinations_into(key, &mut dests)?;
                left += leaving
                    .iter()
                    .filter(|l| l.service == *key)
                    .filter(|l| {
                        dests.iter().any(|d| {
                            (d.addr, d.port) == (l.destination.addr, l.destination.port)
                                && !apply::drained(key, d)
                        })
                    })
                    .count();
            }
            let now = Instant::now();
            if left == 0 || now >= deadline {
                if tty {
                    say!(partial: "\r\x1b[K");
                }
                return Ok(None);
            }
            if tty {
                say!(partial:
                    "\r\x1b[K{} apply: draining {left} real servers, {}s left",
                    self.bin,
                    (deadline - now).as_secs()
                );
            }
            let until = (now + Duration::from_secs(1)).min(deadline);
            while Instant::now() < until {
                if let Some(signal) = signals.as_mut().and_then(|s| s.caught()) {
                    if tty {
                        say!();
                    }
                    return Ok(Some(signal));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn refusal(&self, r: &Refusal, wanted: &input::Wanted) {
        let line = match &r.change {
            Change::AddService(s) | Change::EditService(s) => {
                wanted.service_lines.get(&s.key).copied()
            }
            Change::AddDestination {
                service,
                destination,
            }
            | Change::EditDestination {
                service,
                destination,
            } => wanted
                .destination_lines
                .get(&(*service, destination.addr, destination.port))
                .copied(),
            _ => None,
        };
        let message = kernel_message(&r.error);
        match (line, show::change_line(&r.change)) {
            (Some(_), _) | (None, None) => self.say(line, &message),
            (None, Some(text)) => self.say(None, &format!("{text}: {message}")),
        }
    }

    /// Takes back every acknowledged change; the exit status.
    fn undo(&self, exec: &mut Executor) -> i32 {
        let report = exec.undo();
        if report.failed.is_empty() {
            let mut text = format!("nothing changed ({} changes undone)", report.undone);
            if !report.readded.is_empty() {
                text.push_str(
                    "; added again, without their counters and at the head of their lists:",
                );
            }
            self.say(None, &text);
            for c in &report.readded {
                if let Some(line) = show::change_line(c) {
                    say!("  {line}");
                }
            }
            return EXIT_REFUSED;
        }
        self.say(
            None,
            &format!(
                "undo failed: {} of the changes that take the table back were refused:",
                report.failed.len()
            ),
        );
        for r in &report.failed {
            let line = show::change_line(&r.change).unwrap_or_default();
            say!("  {line}: {}", kernel_message(&r.error));
        }
        EXIT_UNDO_FAILED
    }
}

enum End {
    Done,
    Refused(Vec<Refusal>),
    Interrupted(Signal),
    Failed(ipvs::Error),
}

/// `--dry-run`: the plan on stdout; 0 if empty, 3 if not.
fn print_plan(plan: &Plan) -> i32 {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut write = || -> io::Result<()> {
        for change in plan.changes() {
            if let Some(line) = show::change_line(change) {
                writeln!(out, "{line}")?;
            }
        }
        out.flush()
    };
    match write() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            say!("ipvsadm: {e}");
            EXIT_REFUSED
        }
        _ if plan.is_empty() => EXIT_OK,
        _ => EXIT_WOULD_CHANGE,
    }
}

/// Loads the scheduler and persistence-engine modules the plan names and
/// the kernel lacks, before the first change: a missing module is only
/// found out at write time, and a scheduler change that fails there
/// leaves its service without any scheduler. Best effort: a failure here
/// shows up as the kernel's refusal.
fn load_modules(plan: &Plan) {
    let loaded = std::fs::read_to_string("/proc/modules").unwrap_or_default();
    let have = |name: &str| loaded.lines().any(|l| l.split(' ').next() == Some(name));
    let mut wanted: Vec<String> = Vec::new();
    for change in &plan.make {
        if let Change::AddService(s) | Change::EditService(s) = change {
            wanted.push(format!("ip_vs_{}", s.scheduler));
            if let Some(pe) = &s.pe_name {
                wanted.push(format!("ip_vs_pe_{pe}"));
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    for module in wanted {
        let plain = module
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if plain && !have(&module) && module != "ip_vs_none" {
            let _ = crate::sys::modprobe(&["-q", "--", &module], Output::Discard, Output::Discard);
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP, blocked and read from a descriptor, so
/// that they end the apply between two steps (with an undo) rather than
/// in the middle.
struct Signals {
    fd: SignalFd,
}

impl Signals {
    /// `None` if they cannot be blocked; they then end the process as
    /// they would anyway, and a second run converges.
    fn block() -> Option<Signals> {
        let mut set = SigSet::empty();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
            set.add(s);
        }
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).ok()?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).ok()?;
        Some(Signals { fd })
    }

    fn caught(&mut self) -> Option<Signal> {
        match self.fd.read_signal() {
            Ok(Some(info)) => Signal::try_from(info.ssi_signo as i32).ok(),
            _ => None,
        }
    }
}
