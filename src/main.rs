//! The `ipvsadm` binary: parse, reach the kernel, run, print, exit.
//!
//! The order is ipvsadm's, with one deliberate change (its defect D6): help
//! and version are answered without touching the kernel. Everything else
//! first opens IPVS, as 1.31 does, so a machine without IPVS gets the same
//! start-up message whatever the arguments.

mod cli;

use std::io::{self, Write};

use cli::args;
use cli::command::Command;
use cli::run::{self, Outcome, Session};

fn main() {
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
    // subcommand's.
    if let Some(word @ ("realserver" | "director")) = args.first().map(String::as_str) {
        std::process::exit(cli::realserver::main(&argv0, word, &args[1..]));
    }
    std::process::exit(ipvsadm_main(&argv0, &args));
}

fn ipvsadm_main(argv0: &str, args: &[String]) -> i32 {
    let parsed = args::parse(argv0, args);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());

    let outcome = match &parsed {
        Ok(about @ (Command::Help | Command::Version)) => run::write_about(about, argv0, &mut out),
        _ => match Session::open() {
            Err(err) => {
                eprintln!("{}", run::init_failure_message(&err));
                Ok(Outcome::Exit(2))
            }
            Ok(mut session) => match &parsed {
                Ok(command) => run::execute(&mut session, argv0, command, &mut out, false),
                Err(err) => Ok(run::report_parse_error(err)),
            },
        },
    };
    let flushed = out.flush();
    match (outcome, flushed) {
        (Ok(Outcome::Status(code) | Outcome::Exit(code)), Ok(())) => code,
        // A reader that went away (`ipvsadm -L | head`) is not an error.
        (Err(err), _) | (_, Err(err)) if err.kind() == io::ErrorKind::BrokenPipe => 0,
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("{argv0}: {err}");
            1
        }
    }
}
