//! One function per fuzz target, each taking the fuzzer's bytes and
//! driving one way hostile input enters the program, as far as it goes
//! without a kernel. The targets in `fuzz/` call these, and the unit tests
//! below replay every file of `fuzz/corpus/` through the same functions,
//! so that a defect once found stays fixed without a fuzzer installed.
//!
//! The promise checked is the program's own: no input makes it panic,
//! hang or grow without bound. Where a cheap invariant exists it is
//! asserted too: what a command or an `apply` file adds reads back from
//! its own request, what the kernel reports re-encodes to itself, a state
//! record reads back as it was written, a table planned against itself
//! needs no change.
//!
//! Name lookups are switched off ([`OFFLINE`](crate::cli::args::OFFLINE)):
//! a fuzzer's words must not become DNS queries.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};

use ipvs::model::{Family, ServiceKey, Stats};
use ipvs::wire::{self, Request};
use ipvs::{Change, Failure, Ipvs, Raw, Transport};

use crate::cli::args;
use crate::cli::command::Command;
use crate::cli::run::{self, Session};
use crate::cli::views::conn;
use crate::cli::views::names::NoNames;
use crate::realserver::plan::{self, Observed};
use crate::realserver::state::State;

/// Command-line arguments: the input split into words on NUL, as the
/// kernel hands argv over (a word cannot contain NUL).
pub fn argv(data: &[u8]) {
    args::OFFLINE.set(true);
    let words: Vec<&[u8]> = if data.is_empty() {
        Vec::new()
    } else {
        data.split(|&b| b == 0).collect()
    };
    match args::parse_argv(b"ipvsadm", &words) {
        Ok(invocation) => command_result(invocation.command),
        Err(err) => parse_error(&err),
    }
}

/// One `-R` input line, as `-R` and `apply` split it.
pub fn restore_line(data: &[u8]) {
    args::OFFLINE.set(true);
    let words = args::restore_line_args(data);
    if !words.is_empty() {
        command_result(args::parse(b"ipvsadm", &words));
    }
}

/// What is done with a parsed command that needs no kernel: the error
/// message, the help text, the request a change would send.
fn command_result(command: Result<Command, args::ParseError>) {
    match command {
        Ok(Command::Change(change)) => read_back(&change),
        Ok(command @ (Command::Help | Command::Version)) => {
            let _ = run::write_about(&command, b"ipvsadm", &mut io::sink());
        }
        Ok(_) => {}
        Err(err) => parse_error(&err),
    }
}

/// Sends `change` to a kernel that takes it, and reads an added service,
/// real server or sync daemon back out of the request as the kernel's reply about that
/// object: what would be stored must be what was asked for.
fn read_back(change: &Change) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let mut ipvs = Ipvs::with_transport(Box::new(Capture(Arc::clone(&sent))));
    ipvs.change(change)
        .expect("a kernel that takes every change");
    let sent = sent.lock().expect("not poisoned");
    let [req] = sent.as_slice() else {
        panic!("{} requests for one change", sent.len());
    };
    match change {
        Change::AddService(svc) => {
            let back = wire::decode_service_reply(&req.encode()).expect("own request decodes");
            assert_eq!(&back, svc, "service read back");
        }
        Change::AddDestination {
            service,
            destination,
        } => {
            let body = req.encode();
            let back = wire::decode_dest_reply(&body, service.family(), wire::Counters::Read)
                .expect("own request decodes");
            assert_eq!(&back, destination, "real server read back");
        }
        Change::StartDaemon(daemon) => {
            let back = wire::decode_daemon_reply(&req.encode()).expect("own request decodes");
            assert_eq!(&back, daemon, "daemon read back");
        }
        _ => {}
    }
}

/// A kernel that takes every change and keeps the requests.
struct Capture(Arc<Mutex<Vec<Request>>>);

impl Transport for Capture {
    fn request(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
        self.0.lock().expect("not poisoned").push(req.clone());
        Ok(Vec::new())
    }

    fn dump(&mut self, req: &Request) -> Raw<Vec<Vec<u8>>> {
        self.request(req)
    }
}

fn parse_error(err: &args::ParseError) {
    let _ = err.message();
    let _ = err.exit_code();
}

/// `ipvsadm apply`'s input, rules or JSON: every service and real server
/// read must be sent as read (see [`read_back`]), and the plan from the
/// table to itself must be empty (the input already is the table).
pub fn apply_input(data: &[u8]) {
    use ipvs::apply::{PlanOptions, Table, plan};
    args::OFFLINE.set(true);
    let Ok(wanted) = crate::cli::apply::input::read(data, "ipvsadm") else {
        return;
    };
    for entry in &wanted.table.entries {
        read_back(&Change::AddService(entry.service.clone()));
        for d in &entry.destinations {
            read_back(&Change::AddDestination {
                service: entry.service.key,
                destination: d.clone(),
            });
        }
    }
    let options = PlanOptions::new(false, false);
    let _ = plan(&Table::default(), &wanted.table, options);
    let same = plan(&wanted.table, &wanted.table, options);
    assert!(same.is_empty(), "a table planned against itself: {same:?}");
}

/// `/proc/net/ip_vs_conn` as `-L -c` reads it, every view of it.
pub fn conn_table(data: &[u8]) {
    for persistent in [false, true] {
        let _ = conn::write_connections(&mut io::sink(), data, persistent, true, &NoNames);
    }
    let _ = crate::cli::views::json::write_connections(&mut io::sink(), data);
}

/// A real server's state record as teardown and status read it back
/// (the file is read as UTF-8 text, so other bytes never reach the
/// parser). A record that parses must render to text that parses to the
/// same record, or a second teardown would undo something else.
pub fn realserver_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(state) = State::parse(text, "fuzz") else {
        return;
    };
    let again = State::parse(&state.render(), "rendered");
    assert_eq!(
        again.ok().as_ref(),
        Some(&state),
        "render did not read back"
    );
    let observed = Observed::default();
    let _ = plan::plan_teardown(&state, std::slice::from_ref(&state), &observed);
    let _ = plan::plan_teardown(&state, &[], &observed);
    let _ = plan::status(&state, &observed);
    let _ = plan::status_keys(&state, &[]);
}

/// Netlink datagrams into the framing under the transport: the walk over
/// messages and the pipelined batch (the library's own entry point: that
/// code is private to it).
pub use ipvs::client::fuzz::netlink_frames;

/// Argument lists of the views [`kernel_replies`] can run; the first
/// input byte picks one. All numeric: the fuzzer's addresses must not
/// become reverse lookups.
const VIEWS: &[&[&str]] = &[
    &["-L", "-n"],
    &["-L", "-n", "--stats"],
    &["-L", "-n", "--rate"],
    &["-L", "-n", "--thresholds"],
    &["-L", "-n", "--persistent-conn"],
    &["-L", "-n", "--tun-info"],
    &["-L", "-n", "--exact", "--nosort"],
    &["-L", "-n", "--json"],
    &["-S", "-n"],
    &["-L", "--timeout"],
    &["-L", "--timeout", "--json"],
    &["-L", "--daemon"],
    &["-L", "--daemon", "--json"],
    &["-L", "-n", "-t", "10.0.0.1:80"],
    &["-L", "-n", "-f", "5", "--json"],
    &["-L", "-n", "-u", "[2001:db8::1]:53", "--stats"],
    &["-Z"],
];

/// Changes [`kernel_replies`] sends as one batch when the first byte
/// picks none of [`VIEWS`].
const CHANGES: &[&str] = &[
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 2",
    "-A -u [2001:db8::1]:53 -s sh -p 600",
    "-a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -i --tun-type gue --tun-port 6080",
    "--start-daemon master --mcast-interface lo",
    "--set 900 120 300",
    "-D -t 10.0.0.1:80",
];

/// Kernel replies: the first byte picks a view (or the batch of
/// changes), the rest is the script of what the kernel answers (see
/// [`Script`]). The start-up GET_INFO is answered first, as in the
/// program.
pub fn kernel_replies(data: &[u8]) {
    let Some((&pick, script)) = data.split_first() else {
        return;
    };
    let mut ipvs = Ipvs::with_transport(Box::new(Script::new(script)));
    let Ok(info) = ipvs.info() else {
        return;
    };
    let mut session = Session { ipvs, info };
    match VIEWS.get(usize::from(pick)) {
        Some(view) => {
            let words: Vec<&[u8]> = view.iter().map(|w| w.as_bytes()).collect();
            let command = args::parse(b"ipvsadm", &words).expect("a fixed command line");
            let _ = run::execute(&mut session, b"ipvsadm", &command, &mut io::sink(), false);
        }
        None => {
            let changes: Vec<_> = CHANGES
                .iter()
                .map(|line| {
                    match args::parse(b"ipvsadm", &args::restore_line_args(line.as_bytes())) {
                        Ok(Command::Change(change)) => change,
                        other => unreachable!("{line}: {other:?}"),
                    }
                })
                .collect();
            let results = session.ipvs.execute(&changes);
            assert_eq!(results.len(), changes.len(), "one result per change");
        }
    }
}

/// A kernel that answers from a script, one answer per request or dump:
/// a tag byte, then for tag 0 (mod 4) a count byte and that many bodies,
/// each a little-endian `u16` length and its bytes (cut short at the end
/// of the input: a length may lie); tag 1 a kernel errno (one byte); tag
/// 2 a reply cut by the read buffer; tag 3 a socket errno. When the
/// script runs out, every call fails with `ENODATA`, so no loop of the
/// client can outlast it.
pub struct Script {
    /// The script, consumed from the front (owned: a transport lives in a
    /// `Box<dyn Transport>`, which borrows nothing).
    rest: VecDeque<u8>,
}

impl Script {
    pub fn new(script: &[u8]) -> Script {
        Script {
            rest: script.iter().copied().collect(),
        }
    }

    fn byte(&mut self) -> Option<u8> {
        self.rest.pop_front()
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.rest.len());
        self.rest.drain(..n).collect()
    }

    fn answer(&mut self) -> Raw<Vec<Vec<u8>>> {
        let Some(tag) = self.byte() else {
            return Err(Failure::Kernel(libc::ENODATA));
        };
        match tag % 4 {
            0 => {
                let count = self.byte().unwrap_or(0);
                let mut bodies = Vec::with_capacity(usize::from(count));
                for _ in 0..count {
                    let low = self.byte().unwrap_or(0);
                    let high = self.byte().unwrap_or(0);
                    let body = self.take(usize::from(u16::from_le_bytes([low, high])));
                    reencode(&body);
                    bodies.push(body);
                }
                Ok(bodies)
            }
            1 => Err(Failure::Kernel(i32::from(self.byte().unwrap_or(0)))),
            2 => Err(Failure::Truncated),
            _ => Err(Failure::Io(io::Error::from_raw_os_error(i32::from(
                self.byte().unwrap_or(0),
            )))),
        }
    }
}

/// Whatever a reply decodes to (a service, a real server, a daemon) must
/// encode into a request that decodes to the same value, counters aside
/// (requests carry none): else an edit made from a listing would change
/// what it did not mean to.
fn reencode(body: &[u8]) {
    if let Ok(svc) = wire::decode_service_reply(body) {
        let back = wire::decode_service_reply(&Request::new_service(&svc).encode());
        let mut want = svc;
        want.stats = Stats::default();
        assert_eq!(back.as_ref(), Ok(&want), "service re-encoded");
    }
    for family in [Family::Inet, Family::Inet6] {
        if let Ok(dest) = wire::decode_dest_reply(body, family, wire::Counters::Read) {
            let key = ServiceKey::Fwmark { mark: 1, family };
            let again = Request::new_dest(&key, &dest).encode();
            let back = wire::decode_dest_reply(&again, family, wire::Counters::Read);
            let mut want = dest;
            want.stats = Stats::default();
            want.active_conns = 0;
            want.inactive_conns = 0;
            want.persist_conns = 0;
            assert_eq!(back.as_ref(), Ok(&want), "real server re-encoded");
        }
    }
    if let Ok(daemon) = wire::decode_daemon_reply(body) {
        let back = wire::decode_daemon_reply(&Request::new_daemon(&daemon).encode());
        assert_eq!(back.as_ref(), Ok(&daemon), "daemon re-encoded");
    }
}

impl Transport for Script {
    fn request(&mut self, _: &Request) -> Raw<Vec<Vec<u8>>> {
        self.answer()
    }

    fn dump(&mut self, _: &Request) -> Raw<Vec<Vec<u8>>> {
        self.answer()
    }
}

#[cfg(test)]
mod tests;
