//! The whole of an `ipvsadm` run after process start-up: pick the command
//! family, parse, reach the kernel, run, print, and say the exit status.
//!
//! The order is ipvsadm's, with one deliberate change (help and version
//! are answered without touching the kernel; 1.31 first opened IPVS and
//! failed on a machine without it). Everything else first opens IPVS, as
//! 1.31 does, so a machine without IPVS gets the same start-up message
//! whatever the arguments.
//!
//! `--netns NAME` (ours) is part of start-up: the namespace is entered
//! before IPVS is opened, and a failure there is reported like a failed
//! start-up (status 2) before any complaint about the rest of the line.

use std::io::{self, Write};

use super::args;
use super::command::Command;
use super::run::{self, Outcome};

/// Runs ipvsadm with the process's arguments (`argv[0]` first) and
/// returns the exit status. Output is flushed; the caller exits.
///
/// The arguments stay bytes, as the kernel hands them over: ipvsadm never
/// decodes them, and a message that quotes one (`unexpected argument
/// ...`) shows what was typed, whatever its encoding.
pub fn main(argv: &[&[u8]]) -> i32 {
    let (argv0, words): (&[u8], &[&[u8]]) = match argv.split_first() {
        Some((argv0, args)) => (argv0, args),
        None => (b"ipvsadm", &[]),
    };
    // Our own subcommands, chosen by an exact first word. In ipvsadm 1.31
    // a leading non-option word is only ever a leftover: every such
    // command line fails (tryhelp or "unexpected argument"), except that
    // popt acts on -h/--help/-v/--version as soon as it meets them, before
    // it looks at leftovers; so the only 1.31 command lines that change
    // meaning are `ipvsadm realserver|director|apply ... --help` (and -v), which
    // printed ipvsadm's general help and now print the subcommand's. A
    // leading `--netns NAME` (an error in 1.31) may come before the word,
    // as with `ip -n NAME`.
    if let Some((word, rest)) = super::realserver::subcommand_of(words) {
        let argv0 = String::from_utf8_lossy(argv0);
        if word == "apply" {
            return super::apply::main(&argv0, &rest);
        }
        return super::realserver::main(&argv0, word, &rest);
    }
    ipvsadm_main(argv0, words)
}

fn ipvsadm_main(argv0: &[u8], args: &[&[u8]]) -> i32 {
    let invocation = match args::parse_argv(argv0, args) {
        Ok(invocation) => invocation,
        Err(err) => {
            run::print_line(&err.message());
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
                run::print_line(&message);
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
            run::print_line(&[argv0, format!(": {err}").as_bytes()].concat());
            1
        }
    }
}
