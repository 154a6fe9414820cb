//! The `ipvsadm` binary: parse, reach the kernel, run, print, exit.
//!
//! The order is ipvsadm's, with one deliberate change (its defect D6): help
//! and version are answered without touching the kernel. Everything else
//! first opens IPVS, as 1.31 does, so a machine without IPVS gets the same
//! start-up message whatever the arguments.
//!
//! `--netns NAME` (ours) is part of start-up: the namespace is entered
//! before IPVS is opened, and a failure there is reported like a failed
//! start-up (status 2) before any complaint about the rest of the line.
//!
//! The process starts at C's `main`, not Rust's (`no_main`): std's own
//! start-up reads /proc/self/maps to place a stack guard, sets up an
//! alternate signal stack and handlers and ignores SIGPIPE, which made up
//! a fifth of the work of a small command like `ipvsadm -A ...` (issue 7;
//! scripts call ipvsadm thousands of times). What is kept: standard
//! descriptors that are closed are opened on /dev/null, as std does, so
//! the netlink socket can never become "standard output". SIGPIPE keeps
//! its default, as in ipvsadm 1.31: `ipvsadm -L | head -1` ends the same
//! way with both. `std::env::args_os` still works (glibc hands std the
//! arguments before `main`).

#![cfg_attr(not(test), no_main)]

mod cli;

use std::ffi::{c_char, c_int};
use std::io::{self, Write};

use cli::args;
use cli::command::Command;
use cli::run::{self, Outcome};

// The unit-test binary's C main is the test harness's.
#[cfg_attr(not(test), unsafe(no_mangle))]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    open_closed_standard_fds();
    let mut argv = std::env::args_os().map(|arg| arg.to_string_lossy().into_owned());
    let argv0 = argv.next().unwrap_or_else(|| "ipvsadm".to_string());
    let args: Vec<String> = argv.collect();
    // Our own subcommands (issue 5), chosen by an exact first word. In
    // ipvsadm 1.31 a leading non-option word is only ever a leftover:
    // every such command line fails (tryhelp or "unexpected argument"),
    // except that popt acts on -h/--help/-v/--version as soon as it meets
    // them, before it looks at leftovers; so the only 1.31 command lines
    // that change meaning are `ipvsadm realserver|director ... --help`
    // (and -v), which printed ipvsadm's general help and now print the
    // subcommand's. A leading `--netns NAME` (an error in 1.31) may come
    // before the word, as with `ip -n NAME`.
    if let Some((word, rest)) = cli::realserver::subcommand_of(&args) {
        std::process::exit(cli::realserver::main(&argv0, word, &rest));
    }
    // exit, not return: std flushes its own stdout buffer on exit.
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    std::process::exit(ipvsadm_main(&argv0, &words));
}

/// Opens /dev/null on any of descriptors 0, 1 and 2 that is closed.
fn open_closed_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd structs we own.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } < 0 {
        return;
    }
    for pollfd in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        // SAFETY: a constant NUL-terminated path; the lowest free
        // descriptor is the closed one, being the lowest closed.
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if fd != pollfd.fd {
            // Cannot happen (see above); never leave a stray descriptor.
            if fd >= 0 {
                // SAFETY: fd was just opened by us.
                unsafe { libc::close(fd) };
            }
            return;
        }
    }
}

fn ipvsadm_main(argv0: &str, args: &[&str]) -> i32 {
    let invocation = match args::parse_argv(argv0, args) {
        Ok(invocation) => invocation,
        Err(err) => {
            eprintln!("{err}");
            return err.exit_code();
        }
    };
    let parsed = &invocation.command;
    let stdout = io::stdout();
    // 64 KiB: a 20,000-line listing in ~20 writes rather than ~150.
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());

    let outcome = match parsed {
        Ok(about @ (Command::Help | Command::Version)) => run::write_about(about, argv0, &mut out),
        _ => match run::start(invocation.netns.as_deref()) {
            Err(message) => {
                eprintln!("{message}");
                Ok(Outcome::Exit(2))
            }
            Ok(mut session) => match parsed {
                Ok(command) => run::execute(&mut session, argv0, command, &mut out, false),
                Err(err) => Ok(run::report_parse_error(err)),
            },
        },
    };
    let flushed = out.flush();
    match (outcome, flushed) {
        (Ok(Outcome::Status(code) | Outcome::Exit(code)), Ok(())) => code,
        // A reader that went away (`ipvsadm -L | head`) while SIGPIPE is
        // ignored (inherited; else it ends us, as it ends 1.31) is not an error.
        (Err(err), _) | (_, Err(err)) if err.kind() == io::ErrorKind::BrokenPipe => 0,
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("{argv0}: {err}");
            1
        }
    }
}
