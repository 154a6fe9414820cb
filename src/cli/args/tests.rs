//! The whole grammar, word lists in, typed commands or ipvsadm's exact
//! messages and exit codes out: options, the compatibility matrix,
//! values, restore lines and the fixed 1.31 defects.

use std::net::IpAddr;

use ipvs::Change;
use ipvs::model::{
    Daemon, DaemonState, Destination, Family, ForwardMethod, Protocol, Service, ServiceFlags,
    ServiceKey, Timeouts, Tunnel, TunnelFlags, TunnelType,
};
use pretty_assertions::assert_eq;

use super::parse::parse_words;

/// Some tests resolve names as ipvsadm does, through the host's NSS: the
/// services `http` (80) and `domain` (53) from /etc/services and
/// `localhost` from /etc/hosts, which every Debian system has (netbase,
/// base-files). Fails naming the files rather than on a puzzling value.
fn needs_host_names() {
    for file in ["/etc/services", "/etc/hosts"] {
        assert!(
            std::path::Path::new(file).exists(),
            "this test resolves names through {file}, which this host lacks"
        );
    }
}
use super::{ParseError, parse, parse_argv, restore_line_args};
use crate::cli::command::{Command, ListRequest, ListView, SaveRequest, ServiceFormat};

fn words(line: &str) -> Vec<&[u8]> {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::as_bytes)
        .collect()
}

fn run(line: &str) -> Result<Command, ParseError> {
    parse_words(b"ipvsadm", &words(line), false)
}

/// A restore line's words, as text (these tests' lines are UTF-8).
fn line_words(line: &str) -> Vec<&str> {
    restore_line_args(line.as_bytes())
        .into_iter()
        .map(|w| std::str::from_utf8(w).unwrap())
        .collect()
}

/// A restore line parsed.
fn restored(line: &str) -> Result<Command, ParseError> {
    parse(b"ipvsadm", &restore_line_args(line.as_bytes()))
}

fn ok(line: &str) -> Command {
    run(line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

/// The stderr line and the exit code.
fn fails(line: &str) -> (String, i32) {
    let e = run(line).expect_err(line);
    (e.to_string(), e.exit_code())
}

fn msg(line: &str) -> String {
    fails(line).0
}

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: v4(addr),
        port,
    }
}

fn service(cmd: Command) -> Service {
    match cmd {
        Command::Change(Change::AddService(s)) | Command::Change(Change::EditService(s)) => s,
        other => panic!("not a service command: {other:?}"),
    }
}

fn dest(cmd: Command) -> (ServiceKey, Destination) {
    match cmd {
        Command::Change(Change::AddDestination {
            service,
            destination: dest,
        })
        | Command::Change(Change::EditDestination {
            service,
            destination: dest,
        })
        | Command::Change(Change::DeleteDestination {
            service,
            destination: dest,
        }) => (service, dest),
        other => panic!("not a server command: {other:?}"),
    }
}

fn list(cmd: Command) -> ListRequest {
    match cmd {
        Command::List(l) => l,
        other => panic!("not a list: {other:?}"),
    }
}

const TRY: &str = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

// ---- the command comes first -------------------------------------------

#[test]
fn no_arguments_lists_everything_with_names() {
    let expected = Command::List(ListRequest {
        view: ListView::Services(ServiceFormat::Default),
        service: None,
        numeric: false,
        exact: false,
        sort: true,
        json: false,
    });
    assert_eq!(parse(b"ipvsadm", &[]), Ok(expected.clone()));
    assert_eq!(ok("-L"), expected);
    assert_eq!(ok("-l"), expected);
    assert_eq!(ok("--list"), expected);
}

#[test]
fn no_command_first_is_try_help() {
    for line in [
        "-n -L",
        "-c -L",
        "--syncid 5 --start-daemon master",
        "--add-ser",
        "--start-daemon",
        "foo",
        "--",
        "-- -L",
        "-",
        "-h=1",
        "-L=5",
        "--help=",
        "--bogus -L",
        "-q",
        "-6 -f 1",
        "--sort -L",
    ] {
        assert_eq!(fails(line), (TRY.to_string(), 255), "{line}");
    }
    let e = parse_words(b"/sbin/ipvsadm", &words("-n"), false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Try `/sbin/ipvsadm -h' or '/sbin/ipvsadm --help' for more information."
    );
    assert!(!e.is_popt());
    assert_eq!(
        parse_words(b"ipvsadm", &[b""], false)
            .unwrap_err()
            .exit_code(),
        255
    );
}

#[test]
fn help_and_version_ignore_the_rest() {
    assert_eq!(ok("-h"), Command::Help);
    assert_eq!(ok("--help"), Command::Help);
    assert_eq!(ok("-h --bogus -x"), Command::Help);
    assert_eq!(ok("foo -hL"), Command::Help);
    assert_eq!(ok("-v"), Command::Version);
    assert_eq!(ok("--version -A"), Command::Version);
}

#[test]
fn second_command_or_help_is_an_invalid_option() {
    let bad = |line: &str, token: &str| {
        assert_eq!(
            fails(line),
            (format!("invalid option `{token}'"), 2),
            "{line}"
        )
    };
    bad("-L -h", "-h");
    bad("-L -v", "-v");
    bad("-A -t 1.2.3.4:80 -A", "-A");
    bad("-L --list", "--list");
    bad("-LA", "-LA");
    bad("-Ln -Z", "-Z");
    bad("-L --set", "--set");
    bad("-L --start-daemon master", "master");
    bad("-L --stop-daemon=backup", "--stop-daemon=backup");
    assert_eq!(
        fails("-L --start-daemon"),
        ("--start-daemon: missing argument".into(), 255)
    );
}

// ---- popt errors ----------------------------------------------------------

#[test]
fn popt_errors_name_the_word() {
    let popt = |line: &str, text: &str| {
        let e = run(line).expect_err(line);
        assert_eq!(
            (e.to_string(), e.exit_code(), e.is_popt()),
            (text.into(), 255, true),
            "{line}"
        );
    };
    popt("-L -x", "-x: missing argument");
    popt("-Lnx", "-Lnx: missing argument");
    popt("-L --bogus", "--bogus: unknown option");
    popt(
        "-L --stats=5",
        "--stats=5: option does not take an argument",
    );
    popt("-L -n=5", "-n=5: option does not take an argument");
    popt("-Ln=", "-Ln=: option does not take an argument");
    popt("--set -1 0 0", "-1: unknown option");
    popt("-A -t 1.2.3.4:80 -p -1", "-1: unknown option");
    popt("-A -t 1.2.3.4:80 -s", "-s: missing argument");
    popt("-L -nq", "-nq: unknown option");
    popt("-L --list-x", "--list-x: unknown option");
    popt(
        "-L --numeric=",
        "--numeric=: option does not take an argument",
    );
    popt("-S -b", "-b: missing argument");
}

#[test]
fn order_of_checks() {
    // A value error before the popt error wins; after it, the popt error.
    assert_eq!(msg("-A -t 1.2.3.4:80 -w abc"), "illegal weight specified");
    assert_eq!(msg("-A -w abc --bogus"), "illegal weight specified");
    assert_eq!(msg("-A --bogus -w abc"), "--bogus: unknown option");
    // popt error before leftovers, leftovers before -b, -b before the matrix.
    assert_eq!(msg("-L foo --bogus"), "--bogus: unknown option");
    assert_eq!(msg("-L foo -b bogus"), "unexpected argument foo");
    assert_eq!(msg("-L -b bogus"), "invalid scheduler flag `bogus'");
    assert_eq!(
        msg("-L -b sh-port"),
        "incompatible scheduler flag `sh-port'"
    );
    assert_eq!(
        msg("-L -b flag-1"),
        "Illegal 'sched-flags' option with the 'list' command"
    );
    // Repeat check before the value check.
    assert_eq!(msg("-L -w 5 -w abc"), "multiple 'weight' options specified");
    assert_eq!(msg("-L -w abc -w 5"), "illegal weight specified");
    // The matrix before the per-command checks.
    assert_eq!(
        msg("-A -t 10.0.0.1 -r 10.0.0.2"),
        "Illegal 'real-server' option with the 'add-service' command"
    );
    // --set words before leftovers, in order.
    assert_eq!(msg("--set 1 x y z"), "invalid timeout value `x' specified");
    assert_eq!(msg("--set 1 2 3 z"), "unexpected argument z");
    // Leftovers anywhere: the first one is reported.
    assert_eq!(msg("foo -L bar"), "unexpected argument foo");
    assert_eq!(msg("-L -- -n"), "unexpected argument -n");
    assert_eq!(fails("foo -L"), ("unexpected argument foo".into(), 2));
}

#[test]
fn repeats() {
    let rep = |line: &str, name: &str| {
        assert_eq!(
            fails(line),
            (format!("multiple '{name}' options specified"), 2),
            "{line}"
        )
    };
    rep("-a -t 10.0.0.1:80 -r 10.0.0.2 -g -m", "forwarding-method");
    rep("-A -t 1.2.3.4:80 -f 5", "service-address");
    rep("-A -t 1.2.3.4:80 -u 1.2.3.4:80", "service-address");
    rep("-L -X --exact", "exact");
    rep("-L -n -n", "numeric");
    rep("-Lnn", "numeric");
    rep("-A -t 1.2.3.4:80 -p -p 5", "persistent");
    rep("--start-daemon master --syncid 1 --syncid 2", "syncid");
    rep(
        "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-csum --tun-csum",
        "tun-csum",
    );
    // Exempt: --sort and -6.
    assert!(run("-L --sort --sort").is_ok());
    assert!(run("-A -f 1 -6 -6").is_ok());
}

// ---- values ---------------------------------------------------------------

#[test]
fn persistence_values() {
    let svc = |line: &str| service(ok(line));
    let p = svc("-A -t 1.2.3.4:80 -p");
    assert_eq!(
        (p.timeout, p.flags.bits()),
        (360, ServiceFlags::PERSISTENT.bits())
    );
    assert_eq!(svc("-A -t 1.2.3.4:80 -p 600").timeout, 600);
    assert_eq!(svc("-A -t 1.2.3.4:80 -p600").timeout, 600);
    assert_eq!(svc("-A -t 1.2.3.4:80 --persistent 600").timeout, 600);
    assert_eq!(svc("-A -t 1.2.3.4:80 --persistent=600").timeout, 600);
    assert_eq!(svc("-A -t 1.2.3.4:80 -p=600").timeout, 600);
    assert_eq!(svc("-A -t 1.2.3.4:80 -p 2678400").timeout, 2678400);
    let s = svc("-A -t 1.2.3.4:80 -p -s rr");
    assert_eq!((s.timeout, s.scheduler.as_str()), (360, "rr"));
    assert_eq!(svc("-A -t 1.2.3.4 -p").key, tcp("1.2.3.4", 0));
    assert_eq!(
        msg("-A -t 1.2.3.4:80 -p rr"),
        "invalid timeout value `rr' specified"
    );
    assert_eq!(
        msg("-A -t 1.2.3.4:80 -p 0"),
        "invalid timeout value `0' specified"
    );
    assert_eq!(
        msg("-A -t 1.2.3.4:80 -p 2678401"),
        "invalid timeout value `2678401' specified"
    );
    assert_eq!(
        msg("-A -t 1.2.3.4:80 -p="),
        "invalid timeout value `' specified"
    );
}

#[test]
fn numbers_like_strtol() {
    let d = |line: &str| dest(ok(line)).1;
    let base = "-a -t 10.0.0.1:80 -r 10.0.0.2";
    assert_eq!(d(&format!("{base} -w 2147483647")).weight, 2147483647);
    assert_eq!(d(&format!("{base} -w +7")).weight, 7);
    assert_eq!(d(&format!("{base} -w 0")).weight, 0);
    assert_eq!(d(&format!("{base} -x 5 -y 3")).u_threshold, 5);
    assert_eq!(d(&format!("{base} -x 5 -y 3")).l_threshold, 3);
    let w: [&[u8]; 7] = [
        b"-a",
        b"-t",
        b"10.0.0.1:80",
        b"-r",
        b"10.0.0.2",
        b"-w",
        b" +7",
    ];
    assert_eq!(
        dest(parse_words(b"ipvsadm", &w, false).unwrap()).1.weight,
        7
    );
    for (opt, text) in [
        ("-w -1", "illegal weight specified"),
        ("-w 2147483648", "illegal weight specified"),
        ("-w 0x10", "illegal weight specified"),
        ("-w 5x", "illegal weight specified"),
        ("-x -1", "illegal u_threshold specified"),
        ("-y abc", "illegal l_threshold specified"),
    ] {
        assert_eq!(fails(&format!("{base} {opt}")), (text.into(), 2), "{opt}");
    }
}

#[test]
fn fwmark_services() {
    let s = service(ok("-A -f 1"));
    assert_eq!(
        s.key,
        ServiceKey::Fwmark {
            mark: 1,
            family: Family::Inet
        }
    );
    assert_eq!(s.netmask.raw(), 0xffff_ffff);
    let s = service(ok("-A -f 4294967295 -6"));
    assert_eq!(
        s.key,
        ServiceKey::Fwmark {
            mark: u32::MAX,
            family: Family::Inet6
        }
    );
    assert_eq!(s.netmask.raw(), 128);
    assert_eq!(msg("-A -f 0"), "invalid fwmark value `0' specified");
    assert_eq!(msg("-A -f 0x10"), "invalid fwmark value `0x10' specified");
    assert_eq!(msg("-A -f -5"), "invalid fwmark value `-5' specified");
    assert_eq!(
        msg("-A -f 4294967296"),
        "invalid fwmark value `4294967296' specified"
    );
}

#[test]
fn ipv6_flag_must_follow_fwmark() {
    for line in ["-A -6 -f 1", "-A -t 1.2.3.4:80 -6", "-L -6"] {
        let e = run(line).unwrap_err();
        assert_eq!(format!("{e}\n"), "-6 used before -f\n\n", "{line}");
        assert_eq!(e.exit_code(), 2);
    }
}

#[test]
fn service_addresses() {
    needs_host_names();
    let key = |line: &str| service(ok(line)).key;
    assert_eq!(key("-A -t 10.1:80"), tcp("10.0.0.1", 80));
    assert_eq!(key("-A -t 0x0a000002:80"), tcp("10.0.0.2", 80));
    assert_eq!(key("-A -t 010.0.0.1:80"), tcp("8.0.0.1", 80));
    assert_eq!(key("-A -t 10.0.0.1:http"), tcp("10.0.0.1", 80));
    assert_eq!(key("-A -t localhost:80"), tcp("127.0.0.1", 80));
    assert_eq!(key("-A -t10.0.0.1:80"), tcp("10.0.0.1", 80));
    assert_eq!(key("-A -t=10.0.0.1:80"), tcp("10.0.0.1", 80));
    assert_eq!(key("-At 10.0.0.1:80"), tcp("10.0.0.1", 80));
    assert_eq!(key("-A --tcp-service=10.0.0.1:80"), tcp("10.0.0.1", 80));
    assert_eq!(
        key("-A -u 10.0.0.1:domain"),
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: v4("10.0.0.1"),
            port: 53
        }
    );
    assert_eq!(
        key("-A --sctp-service 10.0.0.1:9"),
        ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: v4("10.0.0.1"),
            port: 9
        }
    );
    let s = service(ok("-A -t [2001:db8::4]:80"));
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: v6("2001:db8::4"),
            port: 80
        }
    );
    assert_eq!(s.netmask.raw(), 128);
    assert_eq!(key("-A -t 2001:db8::1 -p").port(), 0);
    assert_eq!(key("-A -t 2001:db8::1:80 -p").port(), 0);
    let bad = "illegal virtual server address[:port] specified";
    for line in [
        "-A -t [2001:db8::4]",
        "-A -t 12345",
        "-A -t 10.0.0.1:",
        "-A -t 10.0.0.1:99999",
        "-A -t 10.0.0.1:nosuchservice",
        "-A -t 1.2.3.4.5.6:80",
        "-A -t 2001:db8::1:65535",
        "-A -t 2001:db8::1:http",
        "-A -t fe80::1%lo:80",
        "-A -t=",
        "-L -t 10.0.0.1:80x",
    ] {
        assert_eq!(fails(line), (bad.into(), 2), "{line}");
    }
}

#[test]
fn add_and_edit_service_defaults_and_checks() {
    let s = service(ok("-A -t 10.0.0.1:80"));
    assert_eq!(s, Service::new(tcp("10.0.0.1", 80)));
    assert_eq!(s.scheduler, "wlc");
    assert_eq!(
        ok("-E -t 10.0.0.1:80"),
        Command::Change(Change::EditService(s))
    );
    assert_eq!(service(ok("-A -t 10.0.0.1:80 -s ''")).scheduler, "''");
    let empty_sched: [&[u8]; 5] = [b"-A", b"-t", b"10.0.0.1:80", b"-s", b""];
    assert_eq!(
        service(parse_words(b"x", &empty_sched, false).unwrap()).scheduler,
        "wlc"
    );
    assert_eq!(
        service(ok("-A -t 10.0.0.1:80 -s abcdefghijklmnopqrst")).scheduler,
        "abcdefghijklmno"
    );
    let s = service(ok("-A -t 10.0.0.1:80 --pe abcdefghijklmnopqrst"));
    assert_eq!(s.pe_name.as_deref(), Some("abcdefghijklmnop"));
    assert_eq!(
        service(ok("-A -t 10.0.0.1:80 --pe sip")).pe_name.as_deref(),
        Some("sip")
    );
    assert_eq!(
        msg("-A -t 10.0.0.1"),
        "Zero port specified for non-persistent service"
    );
    assert_eq!(
        msg("-E -t 10.0.0.1:0"),
        "Zero port specified for non-persistent service"
    );
    assert!(run("-A -f 1").is_ok());
    assert_eq!(
        msg("-A -t 10.0.0.1:80 -o"),
        "One-Packet Scheduling is only for UDP virtual services"
    );
    assert_eq!(
        msg("-A --sctp-service 10.0.0.1:80 -o"),
        "One-Packet Scheduling is only for UDP virtual services"
    );
    // Zero port is checked before one-packet.
    assert_eq!(
        msg("-A -t 10.0.0.1 -o"),
        "Zero port specified for non-persistent service"
    );
    assert_eq!(
        service(ok("-A -u 10.0.0.1:53 -o")).flags,
        ServiceFlags::ONEPACKET
    );
    assert_eq!(
        service(ok("-A -f 3 -o")).flags.bits(),
        ServiceFlags::ONEPACKET.bits()
    );
}

#[test]
fn netmasks_use_the_final_family() {
    let mask = |line: &str| service(ok(line)).netmask.raw();
    assert_eq!(mask("-A -t 10.0.0.1:80 -p -M 255.255.255.0"), 0xffff_ff00);
    assert_eq!(mask("-A -t 10.0.0.1:80 -M 64"), 64);
    assert_eq!(mask("-A -t [2001:db8::1]:80 -M 64"), 64);
    assert_eq!(mask("-A -t [2001:db8::1]:80 -M 64abc"), 64);
    // D7 fixed: ipvsadm read these with the family known so far.
    assert_eq!(mask("-A -M 64 -t [2001:db8::1]:80"), 64);
    assert_eq!(mask("-A -f 1 -M 64 -6"), 64);
    assert_eq!(mask("-A -M 48 -f 1 -6"), 48);
    assert_eq!(
        msg("-A -f 1 -6 -M 255.255.255.0"),
        "illegal ipv6 netmask specified"
    );
    assert_eq!(
        msg("-A -t [2001:db8::1]:80 -M 0"),
        "illegal ipv6 netmask specified"
    );
    assert_eq!(
        msg("-A -t 10.0.0.1:80 -M 1.2.3.4.5"),
        "illegal virtual server persistent mask specified"
    );
    // An unresolvable service counts as IPv4 for -M; its own error follows.
    assert_eq!(
        msg("-A -M 1.2.3.4.5 -t 12345"),
        "illegal virtual server persistent mask specified"
    );
    assert_eq!(
        msg("-A -M 64 -t 12345"),
        "illegal virtual server address[:port] specified"
    );
}

#[test]
fn scheduler_flags_against_final_scheduler() {
    let flags = |line: &str| service(ok(line)).flags;
    assert_eq!(flags("-A -t 10.0.0.1:80 -b ,"), ServiceFlags::empty());
    assert_eq!(flags("-A -t 10.0.0.1:80 -b ,,,"), ServiceFlags::empty());
    let empty: [&[u8]; 5] = [b"-A", b"-t", b"10.0.0.1:80", b"-b", b""];
    assert_eq!(
        service(parse_words(b"x", &empty, false).unwrap())
            .flags
            .bits(),
        0
    );
    assert_eq!(
        flags("-A -t 10.0.0.1:80 -b flag-1,flag-2,flag-3"),
        ServiceFlags::SCHED_MASK
    );
    assert_eq!(
        flags("-A -t 10.0.0.1:80 -b sh-port -s sh"),
        ServiceFlags::SCHED2
    );
    assert_eq!(
        flags("-A -t 10.0.0.1:80 -s mh -b mh-fallback -p"),
        ServiceFlags::SCHED1 | ServiceFlags::PERSISTENT
    );
    assert_eq!(
        msg("-A -t 10.0.0.1:80 -b sh-port"),
        "incompatible scheduler flag `sh-port'"
    );
    assert_eq!(
        msg("-A -t 10.0.0.1:80 -s sh -b sh-port,mh-port"),
        "incompatible scheduler flag `mh-port'"
    );
    assert_eq!(
        msg("-A -t 10.0.0.1:80 -b foo"),
        "invalid scheduler flag `foo'"
    );
}

#[test]
fn real_servers() {
    needs_host_names();
    let d = |line: &str| dest(ok(line));
    let (svc, dst) = d("-a -t 10.0.0.1:80 -r 10.0.0.2");
    assert_eq!(svc, tcp("10.0.0.1", 80));
    let mut expected = Destination::new(v4("10.0.0.2"), 80);
    expected.forward = ForwardMethod::Route;
    assert_eq!(dst, expected);
    assert_eq!((dst.weight, dst.tunnel), (1, Tunnel::default()));
    // DR and tunnel force the service port; NAT keeps the given one.
    assert_eq!(d("-a -t 10.0.0.1:80 -r 10.0.0.2:8080").1.port, 80);
    assert_eq!(d("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -i").1.port, 80);
    let nat = d("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m").1;
    assert_eq!((nat.port, nat.forward), (8080, ForwardMethod::Masquerade));
    assert_eq!(d("-a -t 10.0.0.1:80 -r 10.0.0.2 -m").1.port, 80);
    // fwmark services keep the given port (0 without one).
    assert_eq!(d("-a -f 5 -r 10.0.0.2:8080").1.port, 8080);
    assert_eq!(d("-a -f 5 -r 10.0.0.2").1.port, 0);
    // D7 fixed: order does not matter.
    assert_eq!(d("-a -r 10.0.0.2 -m -t 10.0.0.1:80").1.port, 80);
    assert_eq!(d("-a -r 10.0.0.2:http -m -t 10.0.0.1:81").1.port, 80);
    assert_eq!(d("-a -u 10.0.0.1:53 -r 10.0.0.2:domain -m").1.port, 53);
    assert_eq!(d("-a -f 1 -r 10.0.0.2:http").1.port, 80);
    // Address families.
    assert_eq!(
        msg("-a -t 10.0.0.1:80 -r [2001:db8::2]:80"),
        "Different address family is allowed only for tunneling servers"
    );
    assert_eq!(
        msg("-e -t 10.0.0.1:80 -r 2001:db8::2 -m"),
        "Different address family is allowed only for tunneling servers"
    );
    assert_eq!(
        d("-a -t 10.0.0.1:80 -r [2001:db8::2]:80 -i").1.addr,
        v6("2001:db8::2")
    );
    assert_eq!(d("-a -f 1 -6 -r 2001:db8::2 -g").1.addr, v6("2001:db8::2"));
    assert_eq!(
        msg("-a -f 1 -r 2001:db8::2"),
        "Different address family is allowed only for tunneling servers"
    );
    let bad = "illegal real server address[:port] specified";
    assert_eq!(fails("-a -t 10.0.0.1:80 -r 12345"), (bad.into(), 2));
    assert_eq!(fails("-a -r 10.0.0.2:http"), (bad.into(), 2));
    assert_eq!(fails("-a -t 10.0.0.1:80 -r [::1]"), (bad.into(), 2));
    // Edit and delete.
    let (_, e) = d("-e -t 10.0.0.1:80 -r 10.0.0.2 -w 3 -x 10 -y 5 -m");
    assert_eq!((e.weight, e.u_threshold, e.l_threshold), (3, 10, 5));
    assert!(matches!(
        ok("-e -t 10.0.0.1:80 -r 10.0.0.2"),
        Command::Change(Change::EditDestination { .. })
    ));
    let del = ok("-d -t 10.0.0.1:80 -r 10.0.0.2:8080");
    assert_eq!(
        del,
        Command::Change(Change::DeleteDestination {
            service: tcp("10.0.0.1", 80),
            destination: Destination::new(v4("10.0.0.2"), 8080)
        })
    );
    assert_eq!(dest(ok("-d -t 10.0.0.1:80 -r 10.0.0.2")).1.port, 80);
}

#[test]
fn tunnels() {
    let base = "-a -t 10.0.0.1:80 -r 10.0.0.2";
    let tun = |opts: &str| dest(ok(&format!("{base} {opts}"))).1.tunnel;
    let err = |opts: &str| msg(&format!("{base} {opts}"));
    assert_eq!(tun("-i"), Tunnel::default());
    assert_eq!(
        tun("-i --tun-type gue --tun-port 6080 --tun-csum"),
        Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::from_bits_retain(1))
    );
    assert_eq!(
        tun("-i --tun-type gue --tun-port 6080 --tun-remcsum"),
        Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::from_bits_retain(2))
    );
    assert_eq!(
        tun("-i --tun-type gre --tun-nocsum"),
        Tunnel::new(TunnelType::Gre, 0, TunnelFlags::from_bits_retain(0))
    );
    assert_eq!(tun("-i --tun-type ipip").kind, TunnelType::Ipip);
    assert_eq!(
        err("--tun-type gue"),
        "Tunnel options conflict with forward method"
    );
    assert_eq!(
        err("-m --tun-csum"),
        "Tunnel options conflict with forward method"
    );
    assert_eq!(
        err("-i --tun-type gue"),
        "You need to supply the 'tun-port' option for the 'gue' tunnel type"
    );
    assert_eq!(
        err("-i --tun-port 6080"),
        "Illegal 'tun-port' option with the 'ipip' tunnel type"
    );
    assert_eq!(
        err("-i --tun-nocsum"),
        "Illegal 'tun-nocsum' option with the 'ipip' tunnel type"
    );
    assert_eq!(
        err("-i --tun-type gue --tun-port 1 --tun-remcsum --tun-csum"),
        "The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type"
    );
    assert_eq!(
        err("-i --tun-type gre --tun-remcsum"),
        "Illegal 'tun-remcsum' option with the 'gre' tunnel type"
    );
    assert_eq!(
        err("-i --tun-type gre --tun-port 1"),
        "Illegal 'tun-port' option with the 'gre' tunnel type"
    );
    assert_eq!(
        err("-i --tun-type gre --tun-csum --tun-nocsum"),
        "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type"
    );
    assert_eq!(err("-i --tun-type vxlan"), "illegal tunnel type specified");
    assert_eq!(err("-i --tun-port 0"), "illegal tunnel port specified");
    assert_eq!(err("-i --tun-port 65536"), "illegal tunnel port specified");
    // Family check comes before the tunnel checks.
    assert_eq!(
        msg("-a -t 10.0.0.1:80 -r ::2 --tun-type gue"),
        "Different address family is allowed only for tunneling servers"
    );
}

// ---- the compatibility matrix -------------------------------------------------

#[test]
fn matrix_messages() {
    let m = |line: &str, text: &str| assert_eq!(fails(line), (text.into(), 2), "{line}");
    m(
        "-A",
        "You need to supply the 'service-address' option for the 'add-service' command",
    );
    m(
        "-D",
        "You need to supply the 'service-address' option for the 'delete-service' command",
    );
    m(
        "-a -t 10.0.0.1:80",
        "You need to supply the 'real-server' option for the 'add-server' command",
    );
    m(
        "-D -t 1.2.3.4:80 -s rr",
        "Illegal 'scheduler' option with the 'delete-service' command",
    );
    m("-C -n", "Illegal 'numeric' option with the 'flush' command");
    m(
        "-R -n",
        "Illegal 'numeric' option with the 'restore' command",
    );
    m(
        "--set 1 2 3 -n",
        "Illegal 'numeric' option with the 'set' command",
    );
    m(
        "-S --nosort",
        "Illegal 'nosort' option with the 'save' command",
    );
    m("-Z -n", "Illegal 'numeric' option with the 'zero' command");
    m(
        "-d -t 10.0.0.1:80 -r 10.0.0.2 -m",
        "Illegal 'forwarding-method' option with the 'delete-server' command",
    );
    m(
        "--stop-daemon master --mcast-interface eth1",
        "Illegal 'mcast-interface' option with the 'stop-daemon' command",
    );
    m(
        "-L --timeout --daemon",
        "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
    );
    m(
        "-L --daemon --timeout",
        "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
    );
    m(
        "-L -t 1.2.3.4:80 -c",
        "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
    );
    // Rows in order: the first violation wins, whatever the argv order.
    m(
        "-D -s rr -n -t 1.2.3.4:80",
        "Illegal 'numeric' option with the 'delete-service' command",
    );
    m(
        "-a -r 10.0.0.2 -n",
        "Illegal 'numeric' option with the 'add-server' command",
    );
    m(
        "-A -n",
        "Illegal 'numeric' option with the 'add-service' command",
    );
    m(
        "-L -c --timeout -n",
        "The option 'timeout' conflicts with the 'connection' option in the 'list' command",
    );
    m(
        "-L -c --timeout -n -s rr",
        "Illegal 'scheduler' option with the 'list' command",
    );
    m(
        "-L --daemon -s rr --timeout",
        "Illegal 'scheduler' option with the 'list' command",
    );
}

#[test]
fn list_requests() {
    let l = list(ok("-Ln"));
    assert!(l.numeric && l.sort && !l.exact);
    let l = list(ok("-L --nosort -X"));
    assert!(!l.sort && l.exact);
    assert_eq!(
        list(ok("-L --stats --rate")).view,
        ListView::Services(ServiceFormat::Stats)
    );
    assert_eq!(
        list(ok("-L --rate --thresholds")).view,
        ListView::Services(ServiceFormat::Rate)
    );
    assert_eq!(
        list(ok("-L --persistent-conn --thresholds")).view,
        ListView::Services(ServiceFormat::Thresholds)
    );
    assert_eq!(
        list(ok("-L --tun-info --persistent-conn")).view,
        ListView::Services(ServiceFormat::PersistentConn)
    );
    assert_eq!(
        list(ok("-L --tun-info")).view,
        ListView::Services(ServiceFormat::TunInfo)
    );
    assert_eq!(
        list(ok("-L -c")).view,
        ListView::Connections { persistent: false }
    );
    let l = list(ok("-lnc --persistent-conn --nosort --exact"));
    assert_eq!(l.view, ListView::Connections { persistent: true });
    assert_eq!(list(ok("-L --timeout")).view, ListView::Timeouts);
    assert_eq!(list(ok("-L --daemon -n")).view, ListView::Daemons);
    let l = list(ok("-lnt 10.0.0.1:80 --stats"));
    assert_eq!(l.service, Some(tcp("10.0.0.1", 80)));
    assert_eq!(l.view, ListView::Services(ServiceFormat::Stats));
    for line in [
        "-L -c --stats",
        "-L --timeout --rate",
        "-L --daemon --thresholds",
        "-L --timeout --persistent-conn",
        "-L --daemon --persistent-conn",
    ] {
        assert_eq!(
            fails(line),
            ("options conflicts in the list command".into(), 2),
            "{line}"
        );
    }
}

#[test]
fn json_goes_with_every_list_view_and_nothing_else() {
    for (line, view) in [
        ("-L --json", ListView::Services(ServiceFormat::Default)),
        (
            "-Ln --json --stats",
            ListView::Services(ServiceFormat::Stats),
        ),
        ("-L --json -c", ListView::Connections { persistent: false }),
        (
            "-L -c --persistent-conn --json",
            ListView::Connections { persistent: true },
        ),
        ("-L --timeout --json", ListView::Timeouts),
        ("-l --daemon --json", ListView::Daemons),
    ] {
        let l = list(ok(line));
        assert!(l.json, "{line}");
        assert_eq!(l.view, view, "{line}");
    }
    let l = list(ok("-L --json -t 10.0.0.1:80 --nosort"));
    assert_eq!(l.service, Some(tcp("10.0.0.1", 80)));
    assert!(l.json && !l.sort);
    assert!(!list(ok("-L -n")).json);
    for (line, command) in [
        ("-A -t 10.0.0.1:80 --json", "add-service"),
        ("-S --json", "save"),
        ("-Z --json", "zero"),
        ("-C --json", "flush"),
        ("--set 1 2 3 --json", "set"),
        ("-a -t 10.0.0.1:80 -r 10.0.0.2 --json", "add-server"),
    ] {
        assert_eq!(
            fails(line),
            (
                format!("Illegal 'json' option with the '{command}' command"),
                2
            ),
            "{line}"
        );
    }
    // ipvsadm's own checks come first; no short option was added
    assert_eq!(msg("-L --json --json"), "multiple 'json' options specified");
    assert_eq!(
        msg("-A --json -p 1 -c"),
        "Illegal 'connection' option with the 'add-service' command"
    );
    assert_eq!(msg("-L -j"), "-j: unknown option");
}

#[test]
fn other_commands() {
    assert_eq!(ok("-C"), Command::Change(Change::Flush));
    assert_eq!(ok("-R"), Command::Restore);
    assert_eq!(msg("-R foo"), "unexpected argument foo");
    assert_eq!(ok("-S"), Command::Save(SaveRequest { numeric: false }));
    assert_eq!(ok("-S -n"), Command::Save(SaveRequest { numeric: true }));
    assert_eq!(ok("-Sn"), Command::Save(SaveRequest { numeric: true }));
    assert_eq!(ok("-Z"), Command::Change(Change::Zero(None)));
    // An all-zero address and port means every service, as in ipvsadm.
    assert_eq!(ok("-Z -t 0.0.0.0"), Command::Change(Change::Zero(None)));
    assert_eq!(ok("-Z -u 0.0.0.0:0"), Command::Change(Change::Zero(None)));
    assert_eq!(ok("-Z -t [::]:0"), Command::Change(Change::Zero(None)));
    assert_eq!(
        ok("-Z -t 0.0.0.0:80"),
        Command::Change(Change::Zero(Some(tcp("0.0.0.0", 80))))
    );
    assert_eq!(
        ok("-Z -f 3"),
        Command::Change(Change::Zero(Some(ServiceKey::Fwmark {
            mark: 3,
            family: Family::Inet
        })))
    );
    assert_eq!(
        ok("-D -t 10.0.0.1:80"),
        Command::Change(Change::DeleteService(tcp("10.0.0.1", 80)))
    );
    assert_eq!(
        ok("--delete-service -t 10.0.0.1"),
        Command::Change(Change::DeleteService(tcp("10.0.0.1", 0)))
    );
}

#[test]
fn set_timeouts() {
    let t =
        |tcp, tcp_fin, udp| Command::Change(Change::SetTimeouts(Timeouts::new(tcp, tcp_fin, udp)));
    assert_eq!(ok("--set 900 120 300"), t(900, 120, 300));
    assert_eq!(ok("--set 0 0 0"), t(0, 0, 0));
    assert_eq!(ok("--set 2678400 +1 0"), t(2678400, 1, 0));
    assert_eq!(ok("1 2 --set 3"), t(1, 2, 3));
    assert_eq!(
        fails("--set 1 2"),
        ("--set option requires 3 timeout values".into(), 2)
    );
    assert_eq!(
        fails("--set"),
        ("--set option requires 3 timeout values".into(), 2)
    );
    assert_eq!(msg("--set 1 2 3 4"), "unexpected argument 4");
    assert_eq!(
        msg("--set 2678401 0 0"),
        "invalid timeout value `2678401' specified"
    );
    assert_eq!(msg("--set 1 2 x"), "invalid timeout value `x' specified");
    assert_eq!(fails("--set -1 0 0"), ("-1: unknown option".into(), 255));
}

#[test]
fn daemons() {
    assert_eq!(
        ok("--start-daemon master"),
        Command::Change(Change::StartDaemon(Daemon::new(
            DaemonState::Master,
            "eth0"
        )))
    );
    assert_eq!(
        ok(
            "--start-daemon=backup --mcast-interface abcdefghijklmnopq --syncid 5 \
            --mcast-group ff02::8 --mcast-port 8849 --mcast-ttl 2 --sync-maxlen 65507"
        ),
        Command::Change(Change::StartDaemon({
            let mut v = Daemon::new(DaemonState::Backup, "abcdefghijklmno");
            v.syncid = 5;
            v.sync_maxlen = 65507;
            v.mcast_group = Some(v6("ff02::8"));
            v.mcast_port = 8849;
            v.mcast_ttl = 2;
            v
        }))
    );
    assert_eq!(
        ok("--stop-daemon backup --syncid 3"),
        Command::Change(Change::StopDaemon {
            state: DaemonState::Backup,
            syncid: 3
        })
    );
    assert_eq!(
        ok("--stop-daemon master"),
        Command::Change(Change::StopDaemon {
            state: DaemonState::Master,
            syncid: 0
        })
    );
    let m = |line: &str, text: &str| assert_eq!(fails(line), (text.into(), 2), "{line}");
    m(
        "--start-daemon foo",
        "illegal start-daemon parameter specified",
    );
    m(
        "--start-daemon -n",
        "illegal start-daemon parameter specified",
    );
    m("--stop-daemon foo", "illegal start_daemon specified");
    m(
        "--start-daemon master --syncid 256",
        "illegal syncid specified",
    );
    m(
        "--start-daemon master --mcast-group 10.0.0.1",
        "invalid IPv4 mcast-group `10.0.0.1'",
    );
    m(
        "--start-daemon master --mcast-group fe80::1",
        "invalid IPv6 mcast-group `fe80::1'",
    );
    m(
        "--start-daemon master --mcast-port 0",
        "illegal mcast-port specified",
    );
    m(
        "--start-daemon master --mcast-ttl 256",
        "illegal mcast-ttl specified",
    );
    m(
        "--start-daemon master --sync-maxlen 65508",
        "illegal sync-maxlen specified",
    );
    m(
        "--stop-daemon master --mcast-port 1",
        "Illegal 'mcast-port' option with the 'stop-daemon' command",
    );
    // The state is checked when the command is read, before anything else.
    m(
        "--start-daemon foo --bogus",
        "illegal start-daemon parameter specified",
    );
}

#[test]
fn posix_mode_stops_at_the_first_word() {
    let w = words("-L foo --bogus");
    assert_eq!(
        parse_words(b"ipvsadm", &w, true).unwrap_err().to_string(),
        "unexpected argument foo"
    );
    assert_eq!(
        parse_words(b"ipvsadm", &w, false).unwrap_err().to_string(),
        "--bogus: unknown option"
    );
}

#[test]
fn restore_lines() {
    assert_eq!(
        line_words("  -A -t 10.0.0.1:80\r\n"),
        ["-A", "-t", "10.0.0.1:80"]
    );
    assert_eq!(line_words("ipvsadm -A\tipvsadm -f 1"), ["-A", "-f", "1"]);
    assert_eq!(line_words("/sbin/ipvsadm -L"), ["/sbin/ipvsadm", "-L"]);
    assert_eq!(line_words("# comment"), ["#", "comment"]);
    // Only those four separate: not a vertical tab, nor a no-break space.
    assert_eq!(
        line_words("é\u{a0}x\x0b\ty\u{3000}"),
        ["é\u{a0}x\x0b", "y\u{3000}"]
    );
    assert!(line_words(" \t\r\n").is_empty());
    assert!(line_words("ipvsadm").is_empty());
    let long = "x".repeat(5000);
    let pieces = line_words(&long);
    assert_eq!(
        pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [4096, 904]
    );
    // The -b line 1.31 saves for sh with flag-3 (D4) is a popt error.
    let e = restored("-A -t 10.0.0.1:80 -s sh -b \n").unwrap_err();
    assert_eq!(
        (e.to_string(), e.is_popt()),
        ("-b: missing argument".into(), true)
    );
    // Save output reads back.
    let line =
        "-a -t 10.0.0.6:80 -r 192.168.0.5:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum";
    assert!(restored(line).is_ok());
    let line = "-A -t 10.0.0.6:80 -s wlc -p 600 -M 255.255.255.0 --pe sip";
    assert!(restored(line).is_ok());
    assert!(restored("-A -f 1 -6 -s rr").is_ok());
    assert!(restored("-a -f 5 -r 192.168.0.1:0 -g -w 1").is_ok());
}

/// Random words from ipvsadm's vocabulary never panic the parser.
#[test]
fn random_words_never_panic() {
    const VOCABULARY: &[&str] = &[
        "-A",
        "-E",
        "-D",
        "-C",
        "-L",
        "-l",
        "-Z",
        "-a",
        "-e",
        "-d",
        "-R",
        "-S",
        "-h",
        "-v",
        "--set",
        "--start-daemon",
        "--stop-daemon",
        "-t",
        "-u",
        "--sctp-service",
        "-f",
        "-6",
        "-s",
        "-p",
        "-M",
        "-r",
        "-g",
        "-i",
        "-m",
        "-w",
        "-x",
        "-y",
        "-n",
        "-c",
        "-X",
        "-o",
        "-b",
        "--pe",
        "--timeout",
        "--daemon",
        "--stats",
        "--rate",
        "--thresholds",
        "--persistent-conn",
        "--nosort",
        "--sort",
        "--exact",
        "--tun-info",
        "--json",
        "--tun-type",
        "--tun-port",
        "--tun-nocsum",
        "--tun-csum",
        "--tun-remcsum",
        "--syncid",
        "--mcast-interface",
        "--mcast-group",
        "--mcast-port",
        "--mcast-ttl",
        "--sync-maxlen",
        "--",
        "-",
        "",
        "=",
        "-=",
        "--=",
        "-Lnx",
        "-p=",
        "-t=",
        "--weight=",
        "!#:+",
        "a!#:+b",
        "master",
        "backup",
        "0",
        "1",
        "-1",
        "360",
        "2678401",
        "4294967296",
        "10.0.0.1",
        "10.0.0.1:80",
        "10.1:http",
        "[::1]:80",
        "[::1]",
        "::1",
        "2001:db8::1:80",
        "[",
        "]",
        ":",
        "[]:",
        "localhost",
        "gue",
        "gre",
        "ipip",
        "sh",
        "mh",
        "sh-port",
        ",",
        ",,",
        "flag-1",
        "224.0.0.81",
        "ff02::1",
        "é",
        "-é",
        "--é",
        "0x10",
        " 7",
        "\t",
        "-Lé",
        "[é]:80",
    ];
    // And bytes that are not UTF-8, alone and glued to the rest.
    const RAW: &[&[u8]] = &[b"\xff", b"-\xff", b"--\xff", b"\xfe:80", b"\xc3", b"-L\xa9"];
    super::lookup::OFFLINE.set(true);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..30_000 {
        let len = (next() % 8) as usize;
        let pick = |random: u64| {
            let at = (random % (VOCABULARY.len() + RAW.len()) as u64) as usize;
            VOCABULARY
                .get(at)
                .map_or_else(|| RAW[at - VOCABULARY.len()], |w| w.as_bytes())
        };
        let mut args = Vec::with_capacity(len);
        for _ in 0..len {
            let mut word = pick(next()).to_vec();
            if next() % 4 == 0 {
                word.extend_from_slice(pick(next()));
            }
            args.push(word);
        }
        let posix = next() % 8 == 0;
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        match parse_words(b"ipvsadm", &args, posix) {
            Ok(_) => {}
            Err(e) => {
                assert!(matches!(e.exit_code(), 2 | 255));
                assert!(!e.to_string().is_empty());
            }
        }
    }
    super::lookup::OFFLINE.set(false);
}

/// `parse_argv` on a line: the namespace and the command (or refusal).
fn argv(line: &str) -> Result<(Option<String>, Result<Command, ParseError>), ParseError> {
    parse_argv(b"ipvsadm", &words(line)).map(|i| {
        let netns = i.netns.map(|n| String::from_utf8(n).unwrap());
        (netns, i.command)
    })
}

#[test]
fn netns_goes_with_every_command_anywhere() {
    let cases = [
        "-L -n",
        "-A -t 10.0.0.1:80 -s rr",
        "-a -t 10.0.0.1:80 -r 192.168.0.1 -m",
        "-E -t 10.0.0.1:80 -s wlc",
        "-D -t 10.0.0.1:80",
        "-e -t 10.0.0.1:80 -r 192.168.0.1 -w 3",
        "-d -t 10.0.0.1:80 -r 192.168.0.1",
        "-C",
        "-Z",
        "-S -n",
        "-R",
        "--set 1 2 3",
        "-L --timeout",
        "-L -c -n",
        "--start-daemon master --syncid 3",
        "--stop-daemon backup",
    ];
    for line in cases {
        let plain = ok(line);
        let inserted = [
            format!("--netns a {line}"),
            format!("--netns=a {line}"),
            format!("{line} --netns a"),
        ];
        for with in inserted {
            assert_eq!(
                argv(&with),
                Ok((Some("a".to_string()), Ok(plain.clone()))),
                "{with}"
            );
        }
        assert_eq!(argv(line), Ok((None, Ok(plain))), "{line}");
    }
    // Between a command and its options, inside a cluster's reach.
    assert_eq!(
        argv("-Ln --netns b --stats"),
        Ok((Some("b".into()), Ok(ok("-Ln --stats"))))
    );
    // A value taken as popt takes any: dashes, `=` after the name.
    assert_eq!(argv("--netns -x -L").unwrap().0.as_deref(), Some("-x"));
    assert_eq!(argv("--netns= -L").unwrap().0.as_deref(), Some(""));
}

#[test]
fn netns_alone_lists_like_no_arguments() {
    let list = parse(b"ipvsadm", &[]).unwrap();
    assert_eq!(argv("--netns a"), Ok((Some("a".into()), Ok(list.clone()))));
    assert_eq!(argv("--netns=a"), Ok((Some("a".into()), Ok(list))));
    // But it is not a command: what follows must still start with one.
    assert_eq!(
        argv("--netns a -n").map(|(ns, c)| (ns, c.map_err(|e| e.to_string()))),
        Ok((Some("a".into()), Err(TRY.to_string())))
    );
    assert_eq!(
        argv("--netns a foo").unwrap().1.unwrap_err().to_string(),
        TRY
    );
}

#[test]
fn netns_errors_are_popts_and_ipvsadms() {
    // Missing value: popt's message, like any option with a value.
    let (ns, cmd) = argv("-L --netns").unwrap();
    assert_eq!(ns, None);
    let e = cmd.unwrap_err();
    assert_eq!(
        (e.to_string(), e.exit_code()),
        ("--netns: missing argument".into(), 255)
    );
    // Alone, popt's error comes before any option: try-help.
    let e = argv("--netns").unwrap().1.unwrap_err();
    assert_eq!((e.to_string(), e.exit_code()), (TRY.to_string(), 255));
    // No flag form, no short form, no abbreviation.
    assert_eq!(
        argv("-L --netns=").unwrap().0.as_deref(),
        Some(""),
        "an empty name is the namespace code's to refuse"
    );
    assert_eq!(msg("-L --netn a"), "--netn: unknown option");
    // After the error that stopped popt, --netns is never read.
    assert_eq!(
        argv("-L --bogus --netns a").map(|(ns, c)| (ns, c.map_err(|e| e.to_string()))),
        Ok((None, Err("--bogus: unknown option".into())))
    );
    // A command line error is kept for after start-up, with the namespace.
    assert_eq!(
        argv("--netns a -A -t 10.0.0.1:80 -w 1").map(|(ns, c)| (ns, c.map_err(|e| e.to_string()))),
        Ok((
            Some("a".into()),
            Err("Illegal 'weight' option with the 'add-service' command".into())
        ))
    );
    // Twice: refused before anything, with ipvsadm's repeat message.
    for line in ["--netns a --netns b -L", "--netns a -L --netns=a"] {
        let e = argv(line).unwrap_err();
        assert_eq!(
            (e.to_string(), e.exit_code()),
            ("multiple 'netns' options specified".into(), 2),
            "{line}"
        );
    }
}

#[test]
fn netns_in_restore_input_stops_the_restore() {
    for line in ["--netns a -A -t 10.0.0.1:80", "-L --netns=a", "--netns a"] {
        let e = restored(line).unwrap_err();
        assert_eq!(
            (e.to_string(), e.exit_code(), e.is_popt()),
            (
                "--netns is not allowed in restore input; give it with -R".into(),
                2,
                false
            ),
            "{line}"
        );
    }
    // A popt error before it is what the line gets.
    let e = restored("-L --bogus --netns a").unwrap_err();
    assert!(e.is_popt());
}

// ---- bytes that are not UTF-8 ---------------------------------------------

/// `parse_words` on words given as bytes.
fn run_bytes(words: &[&[u8]]) -> Result<Command, ParseError> {
    parse_words(b"ipvsadm", words, false)
}

/// Words, then the message and exit status they get.
type Refusal<'a> = (&'a [&'a [u8]], &'a [u8], i32);

#[test]
fn messages_quote_the_bytes_typed() {
    let cases: [Refusal; 9] = [
        (&[b"\xff", b"-L"], b"unexpected argument \xff", 2),
        (
            &[b"-L", b"--bogus\xff"],
            b"--bogus\xff: unknown option",
            255,
        ),
        (&[b"-L", b"-n\xff"], b"-n\xff: unknown option", 255),
        (
            &[b"-L", b"--stats=\xff"],
            b"--stats=\xff: option does not take an argument",
            255,
        ),
        (&[b"-L", b"-A\xff"], b"invalid option `-A\xff'", 2),
        (
            &[b"-A", b"-f", b"\xff"],
            b"invalid fwmark value `\xff' specified",
            2,
        ),
        (
            &[b"--set", b"1", b"2", b"\xfe"],
            b"invalid timeout value `\xfe' specified",
            2,
        ),
        (
            &[
                b"-A",
                b"-t",
                b"10.0.0.1:80",
                b"-s",
                b"sh",
                b"-b",
                b"sh-port,\xff",
            ],
            b"invalid scheduler flag `\xff'",
            2,
        ),
        (
            &[
                b"--start-daemon",
                b"master",
                b"--mcast-group",
                b"ff02::\xff",
            ],
            b"invalid IPv6 mcast-group `ff02::\xff'",
            2,
        ),
    ];
    for (words, message, code) in cases {
        let e = run_bytes(words).unwrap_err();
        assert_eq!(
            (e.message(), e.exit_code()),
            (message.to_vec(), code),
            "{e}"
        );
    }
    // The try-help line names argv0 as invoked.
    let e = parse_words(b"./ipvs\xffadm", &[b"-n"], false).unwrap_err();
    assert_eq!(
        e.message(),
        b"Try `./ipvs\xffadm -h' or './ipvs\xffadm --help' for more information."
    );
    // And so does a restore line.
    let e = parse(
        b"ipvsadm",
        &restore_line_args(b"-A -t 10.0.0.1:80 -s rr \xff\r\n"),
    )
    .unwrap_err();
    assert_eq!(e.message(), b"unexpected argument \xff");
    let e = parse(b"ipvsadm", &restore_line_args(b"\xff")).unwrap_err();
    assert_eq!((e.to_string(), e.exit_code()), (TRY.to_string(), 255));
}

#[test]
fn names_that_are_not_utf8_reach_the_kernel_as_unknown_names() {
    // Scheduler and persistence engine: no module has such a name, so the
    // kernel answers "not found", as it answers ipvsadm's raw bytes.
    let s = service(
        run_bytes(&[
            b"-A",
            b"-t",
            b"10.0.0.1:80",
            b"-s",
            b"r\xff",
            b"--pe",
            b"\xffsip",
        ])
        .unwrap(),
    );
    assert_eq!(s.scheduler, "r\u{fffd}");
    assert_eq!(s.pe_name.as_deref(), Some("\u{fffd}sip"));
    let long = [0xff; 20];
    let s = service(run_bytes(&[b"-A", b"-t", b"10.0.0.1:80", b"-s", &long]).unwrap());
    assert_eq!(s.scheduler, "\u{fffd}".repeat(5));
    // Cut as ipvsadm cuts (15 bytes), inside a character.
    let s = service(ok("-A -t 10.0.0.1:80 -s ééééééééé"));
    assert_eq!(s.scheduler, "ééééééé");
    // An interface: the kernel has none of that name ("No such device"),
    // even if one with the bytes typed exists (README, differences).
    let Command::Change(Change::StartDaemon(daemon)) =
        run_bytes(&[b"--start-daemon", b"master", b"--mcast-interface", b"d\xff"]).unwrap()
    else {
        panic!("not a daemon start");
    };
    assert_eq!(daemon.mcast_ifn, "d\u{fffd}");
    // Host and port names go to the C library as bytes: none resolves here.
    super::lookup::OFFLINE.set(true);
    assert_eq!(
        run_bytes(&[b"-A", b"-t", b"\xff:80"]).unwrap_err(),
        ParseError::VirtualAddress
    );
    assert_eq!(
        run_bytes(&[b"-a", b"-t", b"10.0.0.1:80", b"-r", b"10.0.0.2:\xff"]).unwrap_err(),
        ParseError::RealAddress
    );
    super::lookup::OFFLINE.set(false);
}

#[test]
fn restore_words_are_bytes() {
    let words = restore_line_args(b"-A\t\xff  -t \xc3\xa9\r\n");
    assert_eq!(words, [&b"-A"[..], b"\xff", b"-t", b"\xc3\xa9"]);
    // Cut at 4096 bytes as ipvsadm cuts, even inside a character.
    let mut line = vec![b'x'; 4095];
    line.extend_from_slice("é".as_bytes());
    let words = restore_line_args(&line);
    assert_eq!(words.len(), 2);
    assert_eq!(words[0].len(), 4096);
    assert_eq!(words[0][4095], 0xc3);
    assert_eq!(words[1], b"\xa9");
    let e = parse(
        b"ipvsadm",
        &restore_line_args(&[b"-L ", &line[..]].concat()),
    )
    .unwrap_err();
    let mut expected = b"unexpected argument ".to_vec();
    expected.extend_from_slice(words[0]);
    assert_eq!(e.message(), expected);
}

#[test]
fn a_restore_word_ends_at_a_nul() {
    // ipvsadm copies each word as a C string: the rest of it is lost, in
    // every field alike, and an `ipvsadm` before the NUL is dropped too.
    let words = restore_line_args(b"ipvsadm\0x -A -f 1 -s rr\x01\0\0m -p 6\x000");
    assert_eq!(
        words,
        [&b"-A"[..], b"-f", b"1", b"-s", b"rr\x01", b"-p", b"6"]
    );
    let s = service(parse(b"ipvsadm", &words).unwrap());
    assert_eq!((s.scheduler.as_str(), s.timeout), ("rr\u{1}", 6));
    // A word that starts with NUL is an empty argument, not no argument.
    assert_eq!(restore_line_args(b"-L \0abc"), [&b"-L"[..], b""]);
    // Each 4096-byte piece of a long word is a C string of its own.
    let mut line = vec![b'x'; 4096];
    line.extend_from_slice(b"y\0z");
    assert_eq!(restore_line_args(&line), [&line[..4096], b"y"]);
}
