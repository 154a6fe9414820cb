//! `ipvsadm realserver ...` and `ipvsadm director ...`: our own
//! subcommands for preparing the hosts of an LVS cluster. They
//! are not ipvsadm 1.31 commands, so they have their own grammar (plain
//! clap subcommands) and their own output; the work is done by the
//! library's `realserver` module.
//!
//! Exit status: 0 done (or nothing to do), 1 an error (nothing was left
//! half-done), 2 a command-line error, 3 `status`/`check` found something
//! to fix.

use std::io::{self, Write};
use std::net::IpAddr;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::realserver::director::{self, Check, Facts, Level, Remedy, Route};
use crate::realserver::plan::{Needs, director_needs, realserver_needs};
use crate::realserver::{
    self, Error, Host, Method, Report, State, StateDir, Step, Subject, Sysctl, SystemHost,
};
use ipvs::client::Ipvs;
use ipvs::model::{Destination, Service};

const EXIT_OK: i32 = 0;
const EXIT_ERROR: i32 = 1;
const EXIT_USAGE: i32 = 2;
const EXIT_PROBLEMS: i32 = 3;

const EXIT_HELP: &str = "\
Exit status: 0 done or nothing to do, 1 error (nothing is left half-done:
steps already applied are undone), 2 command-line error, 3 status/check
found something to fix.";

const STATE_HELP: &str = "\
What setup changed is recorded in /run/ipvsadm-realserver/net-INODE/ (one
file per VIP, per network namespace: INODE is that of /proc/self/ns/net),
and teardown undoes exactly that: addresses it added are removed, links it
brought up are set down, sysctls it changed get their previous values back
unless they were changed again since. Sysctls shared by several VIPs are
restored when the last of them is torn down. Modules are never unloaded.";

fn vip_arg() -> Arg {
    Arg::new("vip")
        .long("vip")
        .value_name("ADDR")
        .required(true)
        .value_parser(clap::value_parser!(IpAddr))
        .help("The virtual IP address (IPv4 or IPv6) the director balances")
}

/// What `realserver` and `director` share: the help trailer, a required
/// subcommand, no `--version`, and `--netns`.
fn top_command(name: &'static str, bin: &str) -> Command {
    Command::new(name)
        .bin_name(format!("{bin} {name}"))
        .after_help(format!("{STATE_HELP}\n\n{EXIT_HELP}"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .disable_version_flag(true)
        .arg(netns_arg())
}

/// `--netns NAME`, as for ipvsadm's own commands: global, so it may come
/// anywhere after the word.
fn netns_arg() -> Arg {
    Arg::new("netns")
        .long("netns")
        .value_name("NAME")
        .global(true)
        .help(
            "Act in the network namespace /run/netns/NAME (as `ip -n NAME`): \
             its links, addresses, sysctls, IPVS table and state records",
        )
}

fn dry_run_arg() -> Arg {
    Arg::new("dry-run")
        .long("dry-run")
        .short('n')
        .action(ArgAction::SetTrue)
        .help("Print what would change; change nothing (needs no root)")
}

/// The `realserver` grammar.
pub fn realserver_command(bin: &str) -> Command {
    top_command("realserver", bin)
        .about("Prepare this host as an LVS real server for a VIP, undo it, or show it")
        .long_about(
            "Prepare this host as a real server of an LVS cluster: the changes a \
             real server needs for the director's forwarding method, done \
             idempotently (what is already in place is left alone, a second \
             setup changes nothing) and recorded so that teardown undoes \
             exactly them. Addresses and links are changed over rtnetlink, \
             sysctls through /proc/sys.\n\n\
             NAT (-m) real servers need no change here, only a default route \
             through the director; see `ipvsadm director`.",
        )
        .subcommand(
            Command::new("setup")
                .about("Configure the VIP for direct routing or tunnelling")
                .long_about(
                    "Configure the VIP for the director's forwarding method.\n\n\
                     dr (ipvsadm -g): the VIP as /32 (IPv6: /128) on lo, and for IPv4 \
                     arp_ignore=1 and arp_announce=2 on `all` and lo, so that this \
                     host accepts packets for the VIP but never answers ARP for it \
                     (the kernel uses the larger of `all` and the interface's value).\n\n\
                     tun (ipvsadm -i): loads ipip (/sbin/modprobe -- ipip) if tunl0 is \
                     missing, brings tunl0 up with the VIP as /32, sets rp_filter=0 on \
                     `all` and tunl0 (the kernel uses max(all, interface)) so \
                     decapsulated packets from any client are accepted, and the same \
                     ARP settings as dr. IPv6 VIPs use ip6_tunnel's ip6tnl0.\n\n\
                     IPv6 VIPs get no ARP sysctls (neighbour discovery only answers \
                     for addresses of the receiving interface) and are added with \
                     nodad, so duplicate-address detection never disables them.\n\n\
                     Refused, before anything changes: without root, when the VIP is \
                     already on another interface, when the interface is missing (and \
                     no module creates it), when the VIP is set up for the other method.",
                )
                .arg(vip_arg())
                .arg(
                    Arg::new("method")
                        .long("method")
                        .short('m')
                        .value_name("METHOD")
                        .required(true)
                        .value_parser(["dr", "tun"])
                        .help("The director's forwarding method for this real server: dr or tun"),
                )
                .arg(
                    Arg::new("interface")
                        .long("interface")
                        .short('i')
                        .value_name("NAME")
                        .value_parser(parse_ifname)
                        .help("Put the VIP on NAME instead of lo (dr) or tunl0/ip6tnl0 (tun)"),
                )
                .arg(dry_run_arg()),
        )
        .subcommand(
            Command::new("teardown")
                .about("Undo what setup changed for the VIP")
                .long_about(
                    "Undo what setup recorded for the VIP: remove the address if \
                     setup added it, set links down that setup brought up, and put \
                     back sysctls that setup changed (unless another VIP still \
                     uses them, or they were changed again since). A VIP with \
                     nothing recorded is not an error: there is nothing to undo.",
                )
                .arg(vip_arg())
                .arg(dry_run_arg()),
        )
        .subcommand(
            Command::new("status")
                .about("Show each recorded VIP: what is in place and what drifted")
                .long_about(
                    "For each VIP set up in this network namespace (and the director \
                     record): its address, link and sysctls, marked `ok` or `DRIFT`, \
                     and for IPv4 every interface that would still answer ARP for the \
                     VIP. Exit status 3 when anything drifted.",
                ),
        )
}

/// The `director` grammar.
pub fn director_command(bin: &str) -> Command {
    top_command("director", bin)
        .about("Prepare this host as an LVS director, and check its IPVS table for common mistakes")
        .subcommand(
            Command::new("setup")
                .about("Turn on what the director needs for a forwarding method")
                .long_about(
                    "nat (ipvsadm -m): sets net.ipv4.ip_forward=1 (with --ipv6 also \
                     net.ipv6.conf.all.forwarding=1, which also stops this host from \
                     accepting router advertisements), because the real servers' \
                     replies pass through the director and are forwarded. Recorded, \
                     so `director teardown` puts the old values back. dr and tun need \
                     nothing on the director besides the VIP on an interface.",
                )
                .arg(
                    Arg::new("method")
                        .long("method")
                        .short('m')
                        .value_name("METHOD")
                        .required(true)
                        .value_parser(["nat"])
                        .help("The forwarding method: nat"),
                )
                .arg(
                    Arg::new("ipv6")
                        .long("ipv6")
                        .short('6')
                        .action(ArgAction::SetTrue)
                        .help("Also turn on IPv6 forwarding"),
                )
                .arg(dry_run_arg()),
        )
        .subcommand(
            Command::new("teardown")
                .about("Undo what `director setup` changed")
                .arg(dry_run_arg()),
        )
        .subcommand(
            Command::new("check")
                .about("Read the IPVS table and warn about the usual mistakes")
                .long_about(
                    "Reads the IPVS table and this host's routing and warns about what \
                     can be seen from here: a VIP that is not an address of this host, \
                     NAT real servers with forwarding off or reached through a gateway, \
                     DR real servers that are not directly connected, real servers \
                     without a route, and the MTU left for TUN (encapsulation adds 20 \
                     bytes for IPv4). It cannot see the real servers themselves (their \
                     default gateway, ARP settings, tunnel device): run `ipvsadm \
                     realserver status` there. Exit status 3 when it warns.",
                ),
        )
}

fn parse_ifname(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() < 16
        && s != "."
        && s != ".."
        && !s.contains('/')
        && !s.chars().any(|c| c.is_whitespace() || c == ':');
    if ok {
        Ok(s.to_string())
    } else {
        Err("not an interface name (1 to 15 characters, no '/', ':' or blanks)".into())
    }
}

/// The subcommand word and its arguments, if `args` (argv without
/// argv[0]) starts with `realserver` or `director`, or with `--netns NAME`
/// or `--netns=NAME` and then one of them; a leading `--netns` is moved
/// after the word, where the subcommand's grammar reads it (`apply` too).
/// The arguments
/// become text for clap, bytes that are not UTF-8 as U+FFFD (no value of
/// these subcommands is meant to have such bytes; clap then refuses what
/// it does not know).
pub fn subcommand_of(args: &[&[u8]]) -> Option<(&'static str, Vec<String>)> {
    let word = |w: &[u8]| match w {
        b"realserver" => Some("realserver"),
        b"director" => Some("director"),
        b"apply" => Some("apply"),
        _ => None,
    };
    let text = |w: &[u8]| String::from_utf8_lossy(w).into_owned();
    let (netns, at) = match *args.first()? {
        b"--netns" => (text(args.get(1)?), 2),
        first => match first.strip_prefix(b"--netns=") {
            Some(name) => (text(name), 1),
            None => return Some((word(first)?, args[1..].iter().map(|w| text(w)).collect())),
        },
    };
    let word = word(args.get(at)?)?;
    let mut rest = vec!["--netns".to_string(), netns];
    rest.extend(args[at + 1..].iter().map(|w| text(w)));
    Some((word, rest))
}

/// Runs `ipvsadm WORD ARGS...` for WORD `realserver` or `director`.
pub fn main(argv0: &str, word: &str, args: &[String]) -> i32 {
    let bin = std::path::Path::new(argv0).file_name().map_or_else(
        || "ipvsadm".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let cmd = if word == "director" {
        director_command(&bin)
    } else {
        realserver_command(&bin)
    };
    let matches = match cmd
        .try_get_matches_from(std::iter::once(word.to_string()).chain(args.iter().cloned()))
    {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    // Before anything is read or opened: the state directory, rtnetlink,
    // /proc/sys and IPVS all follow the namespace.
    if let Some(name) = matches.get_one::<String>("netns")
        && let Err(e) = ipvs::netns::enter(name)
    {
        say!("{bin} {word}: error: {e}");
        return EXIT_ERROR;
    }
    let mut out = Out;
    let result = match (word, matches.subcommand()) {
        ("realserver", Some(("setup", m))) => rs_setup(&mut out, m),
        ("realserver", Some(("teardown", m))) => rs_teardown(&mut out, m),
        ("realserver", Some(("status", _))) => status(&mut out),
        ("director", Some(("setup", m))) => dir_setup(&mut out, m),
        ("director", Some(("teardown", m))) => dir_teardown(&mut out, m),
        ("director", Some(("check", _))) => check(&mut out),
        _ => Ok(EXIT_USAGE),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            say!("{bin} {word}: error: {}", message(&e));
            EXIT_ERROR
        }
    }
}

/// The error as this command line words it: the library states what is
/// wrong, and where one of our options is the way out, we name it here.
fn message(e: &Error) -> String {
    match e {
        Error::NotPermitted => format!("{e}; --dry-run shows what would change"),
        Error::VipElsewhere { iface, .. } => {
            format!("{e}; remove it there first, or pass --interface {iface} to use it where it is")
        }
        _ => e.to_string(),
    }
}

/// stdout, line by line; a reader that went away is not our problem.
struct Out;

impl Out {
    fn line(&mut self, text: &str) {
        let mut o = io::stdout().lock();
        let _ = writeln!(o, "{text}");
        let _ = o.flush();
    }
}

fn state_dir() -> Result<StateDir, Error> {
    StateDir::for_current_netns()
}

fn print_report(out: &mut Out, report: &Report, dry_run: bool) {
    if dry_run {
        for s in &report.steps {
            out.line(&s.describe(false));
        }
    }
    for n in &report.notes {
        out.line(&format!("note: {n}"));
    }
}

fn progress(out: &mut Out) -> impl FnMut(&Step) + '_ {
    move |s: &Step| out.line(&s.describe(true))
}

fn rs_setup(out: &mut Out, m: &ArgMatches) -> Result<i32, Error> {
    let vip = *m
        .get_one::<IpAddr>("vip")
        .ok_or(Error::Unsupported("--vip".into()))?;
    let method = match m.get_one::<String>("method").map(String::as_str) {
        Some("tun") => Method::Tun,
        _ => Method::Dr,
    };
    let iface = m.get_one::<String>("interface").map(String::as_str);
    let dry_run = m.get_flag("dry-run");
    let report = setup(out, &realserver_needs(vip, method, iface), dry_run)?;
    out.line(&match (dry_run, report.steps.is_empty()) {
        (true, true) => format!("{vip} is already set up for {method}; nothing would change"),
        (true, false) => "dry run: nothing was changed".to_string(),
        (false, true) => format!("{vip} is already set up for {method}; nothing changed"),
        (false, false) => format!("{vip} is set up for {method}"),
    });
    Ok(EXIT_OK)
}

/// Sets `needs` up on this host, printing each step and the report.
fn setup(out: &mut Out, needs: &Needs, dry_run: bool) -> Result<Report, Error> {
    let mut host = SystemHost::new();
    let report = realserver::setup(&mut host, &state_dir()?, needs, dry_run, &mut progress(out))?;
    print_report(out, &report, dry_run);
    Ok(report)
}

fn rs_teardown(out: &mut Out, m: &ArgMatches) -> Result<i32, Error> {
    let vip = *m
        .get_one::<IpAddr>("vip")
        .ok_or(Error::Unsupported("--vip".into()))?;
    teardown(out, &Subject::Vip(vip), m.get_flag("dry-run"))
}

fn teardown(out: &mut Out, subject: &Subject, dry_run: bool) -> Result<i32, Error> {
    let dir = state_dir()?;
    let recorded = dir.load(subject)?.is_some();
    let mut host = SystemHost::new();
    let report = realserver::teardown(&mut host, &dir, subject, dry_run, &mut progress(out))?;
    print_report(out, &report, dry_run);
    if recorded {
        out.line(&match (dry_run, report.steps.is_empty()) {
            (true, true) => format!("dry run: tearing down {subject} would change nothing"),
            (true, false) => "dry run: nothing was changed".to_string(),
            (false, _) => format!("{subject} is torn down"),
        });
    }
    Ok(EXIT_OK)
}

fn dir_setup(out: &mut Out, m: &ArgMatches) -> Result<i32, Error> {
    let dry_run = m.get_flag("dry-run");
    let report = setup(out, &director_needs(m.get_flag("ipv6")), dry_run)?;
    out.line(&match (dry_run, report.steps.is_empty()) {
        (true, true) => "forwarding is already on for nat; nothing would change".to_string(),
        (true, false) => "dry run: nothing was changed".to_string(),
        (false, true) => "forwarding is already on for nat; nothing changed".to_string(),
        (false, false) => "this director is set up for nat".to_string(),
    });
    Ok(EXIT_OK)
}

fn dir_teardown(out: &mut Out, m: &ArgMatches) -> Result<i32, Error> {
    teardown(out, &Subject::Director, m.get_flag("dry-run"))
}

fn title(st: &State) -> String {
    match st.subject {
        Subject::Vip(ip) => format!("{ip} ({} real server)", st.method),
        Subject::Director => format!("director ({})", st.method),
    }
}

fn status(out: &mut Out) -> Result<i32, Error> {
    let dir = state_dir()?;
    let mut host = SystemHost::new();
    let all = realserver::status(&mut host, &dir)?;
    if all.is_empty() {
        out.line(&format!(
            "nothing set up in this network namespace (no records in {})",
            dir.path().display()
        ));
        return Ok(EXIT_OK);
    }
    let mut problems = false;
    for (st, findings) in &all {
        out.line(&title(st));
        for f in findings {
            problems |= !f.ok;
            out.line(&format!(
                "  {:<6}{}",
                if f.ok { "ok" } else { "DRIFT" },
                f.text
            ));
        }
    }
    Ok(if problems { EXIT_PROBLEMS } else { EXIT_OK })
}

/// Every service with its real servers.
type Table = Vec<(Service, Vec<Destination>)>;

/// Reads the IPVS table and the host facts `director::check` needs.
fn gather(host: &mut SystemHost) -> Result<(Table, Facts), String> {
    let mut ipvs =
        Ipvs::connect().map_err(|e| format!("cannot reach IPVS ({e}); is ip_vs loaded?"))?;
    let mut table = Vec::new();
    for svc in ipvs
        .services()
        .map_err(|e| format!("reading services: {e}"))?
    {
        let dests = ipvs
            .destinations(&svc.key)
            .map_err(|e| format!("reading real servers: {e}"))?;
        table.push((svc, dests));
    }
    let links = host.links().map_err(|e| e.to_string())?;
    let addrs = host.addresses().map_err(|e| e.to_string())?;
    let mut facts = Facts {
        local_addrs: addrs.iter().map(|a| a.addr).collect(),
        ip_forward: host
            .read_sysctl(&Sysctl::ip_forward())
            .map_err(|e| e.to_string())?,
        ipv6_forwarding: host
            .read_sysctl(&Sysctl::ipv6_forwarding())
            .map_err(|e| e.to_string())?,
        ..Facts::default()
    };
    for addr in director::destinations_to_route(&table) {
        let route = match host.route_get(&addr) {
            Ok(info) => {
                let link = links.iter().find(|l| Some(l.index) == info.oif);
                Route {
                    error: None,
                    gateway: info.gateway,
                    dev: link.map(|l| l.name.clone()),
                    mtu: link.and_then(|l| l.mtu),
                    local: info.local,
                    dev_addrs: addrs
                        .iter()
                        .filter(|a| {
                            Some(a.ifindex) == info.oif && a.addr.is_ipv4() == addr.is_ipv4()
                        })
                        .map(|a| a.addr)
                        .collect(),
                }
            }
            Err(Error::Netlink { errno, .. }) => Route {
                error: Some(nix::errno::Errno::from_raw(errno).desc().to_string()),
                ..Route::default()
            },
            Err(e) => return Err(e.to_string()),
        };
        facts.routes.insert(addr, route);
    }
    Ok((table, facts))
}

fn check(out: &mut Out) -> Result<i32, Error> {
    let mut host = SystemHost::new();
    let (table, facts) = gather(&mut host).map_err(Error::Unsupported)?;
    let mut warned = false;
    for c in director::check(&table, &facts) {
        let tag = match c.level {
            Level::Ok => "ok",
            Level::Note => "note",
            Level::Warning => {
                warned = true;
                "warning"
            }
        };
        out.line(&format!("{tag}: {}", check_text(&c)));
    }
    Ok(if warned { EXIT_PROBLEMS } else { EXIT_OK })
}

/// A line of `director check`: what was found, then the subcommand of
/// ours that fixes it or looks further.
fn check_text(c: &Check) -> String {
    let text = &c.text;
    match c.remedy {
        None => text.clone(),
        Some(Remedy::RealserverSetupDr) => {
            format!("{text} (`ipvsadm realserver setup --method dr` there)")
        }
        Some(Remedy::DirectorSetupNat { ipv6: false }) => {
            format!("{text} (`ipvsadm director setup --method nat`)")
        }
        Some(Remedy::DirectorSetupNat { ipv6: true }) => {
            format!("{text} (`ipvsadm director setup --method nat --ipv6`)")
        }
        Some(Remedy::RealserverStatus) => {
            format!("{text}; run `ipvsadm realserver status` on each real server")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_option_that_helps() {
        assert_eq!(
            message(&Error::NotPermitted),
            "permission denied: changing addresses, links and sysctls needs root (CAP_NET_ADMIN); --dry-run shows what would change"
        );
        let elsewhere = Error::VipElsewhere {
            vip: "10.0.0.100".parse().unwrap(),
            iface: "eth0".into(),
            prefix: 24,
            wanted: "lo".into(),
        };
        assert_eq!(
            message(&elsewhere),
            "10.0.0.100 is already on eth0 (as /24); remove it there first, or pass --interface eth0 to use it where it is"
        );
        let missing = Error::NoInterface("dummy0".into());
        assert_eq!(message(&missing), "interface dummy0 does not exist");
    }

    #[test]
    fn check_lines_name_the_subcommand_that_helps() {
        let table = vec![(
            Service::new(ipvs::model::ServiceKey::Addr {
                protocol: ipvs::model::Protocol::Tcp,
                addr: "10.0.0.100".parse().unwrap(),
                port: 80,
            }),
            ["192.168.10.2", "192.168.10.3", "2001:db8::2"]
                .iter()
                .zip([
                    ipvs::model::ForwardMethod::Route,
                    ipvs::model::ForwardMethod::Masquerade,
                    ipvs::model::ForwardMethod::Masquerade,
                ])
                .map(|(addr, forward)| {
                    let mut d = Destination::new(addr.parse().unwrap(), 80);
                    d.forward = forward;
                    d
                })
                .collect(),
        )];
        let mut facts = Facts {
            local_addrs: vec!["10.0.0.100".parse().unwrap()],
            ip_forward: Some("0".into()),
            ipv6_forwarding: Some("0".into()),
            ..Facts::default()
        };
        for (addr, dev) in [("192.168.10.2", "eth0"), ("192.168.10.3", "eth0")] {
            let route = Route {
                dev: Some(dev.into()),
                ..Route::default()
            };
            facts.routes.insert(addr.parse().unwrap(), route);
        }
        facts.routes.insert(
            "2001:db8::2".parse().unwrap(),
            Route {
                dev: Some("eth0".into()),
                ..Route::default()
            },
        );
        let lines: Vec<String> = director::check(&table, &facts)
            .iter()
            .filter(|c| c.remedy.is_some())
            .map(check_text)
            .collect();
        assert_eq!(
            lines,
            [
                "TCP 10.0.0.100:80 -> 192.168.10.2:80: DR, directly connected on eth0; the real server must have the VIP on lo and not answer ARP for it (`ipvsadm realserver setup --method dr` there)",
                "NAT real servers, but net.ipv4.ip_forward is 0: their replies are not forwarded back to the clients (`ipvsadm director setup --method nat`)",
                "IPv6 NAT real servers, but net.ipv6.conf.all.forwarding is 0: their replies are not forwarded back (`ipvsadm director setup --method nat --ipv6`)",
                "not visible from the director: the real servers' default gateways (NAT), whether they answer ARP for the VIP (DR), their tunnel device and rp_filter (TUN); run `ipvsadm realserver status` on each real server",
            ]
        );
    }

    #[test]
    fn grammar_is_consistent() {
        realserver_command("ipvsadm").debug_assert();
        director_command("ipvsadm").debug_assert();
    }

    #[test]
    fn setup_needs_vip_and_method() {
        let c = || realserver_command("ipvsadm");
        assert!(
            c().try_get_matches_from(["realserver", "setup", "--vip", "10.0.0.1"])
                .is_err()
        );
        assert!(
            c().try_get_matches_from(["realserver", "setup", "--vip", "x", "--method", "dr"])
                .is_err()
        );
        assert!(
            c().try_get_matches_from([
                "realserver",
                "setup",
                "--vip",
                "10.0.0.1",
                "--method",
                "nat"
            ])
            .is_err()
        );
        let m = c()
            .try_get_matches_from([
                "realserver",
                "setup",
                "--vip",
                "2001:db8::1",
                "-m",
                "tun",
                "--dry-run",
            ])
            .unwrap();
        let (_, s) = m.subcommand().unwrap();
        assert!(s.get_flag("dry-run"));
        assert!(
            c().try_get_matches_from([
                "realserver",
                "setup",
                "--vip",
                "10.0.0.1",
                "-m",
                "dr",
                "-i",
                "a/b"
            ])
            .is_err()
        );
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_that_are_not_utf8_become_text_and_are_refused() {
        let args: [&[u8]; 4] = [b"realserver", b"setup", b"--vip", b"10.0.0.1\xff"];
        let (word, rest) = subcommand_of(&args).unwrap();
        assert_eq!(
            (word, rest),
            (
                "realserver",
                strings(&["setup", "--vip", "10.0.0.1\u{fffd}"])
            )
        );
        let args: [&[u8]; 3] = [b"--netns", b"\xff", b"director"];
        assert_eq!(
            subcommand_of(&args),
            Some(("director", strings(&["--netns", "\u{fffd}"])))
        );
        // Refused by clap's value check before anything is touched.
        let rest = strings(&["setup", "--vip", "10.0.0.1\u{fffd}", "--method", "dr"]);
        assert_eq!(main("ipvsadm", "realserver", &rest), EXIT_USAGE);
    }

    #[test]
    fn subcommand_words_with_a_leading_netns() {
        let of = |w: &[&str]| {
            let bytes: Vec<&[u8]> = w.iter().map(|w| w.as_bytes()).collect();
            subcommand_of(&bytes)
        };
        assert_eq!(
            of(&["realserver", "status"]),
            Some(("realserver", strings(&["status"])))
        );
        assert_eq!(
            of(&["--netns", "a", "director", "check"]),
            Some(("director", strings(&["--netns", "a", "check"])))
        );
        assert_eq!(
            of(&["--netns=a", "realserver", "status"]),
            Some(("realserver", strings(&["--netns", "a", "status"])))
        );
        for other in [
            &["-L", "realserver"][..],
            &["--netns", "a", "-L"],
            &["--netns", "realserver"],
            &["--netns"],
            &["--netns=a"],
            &["--netns=a", "--netns=b", "realserver"],
            &[],
        ] {
            assert_eq!(of(other), None, "{other:?}");
        }
    }

    #[test]
    fn netns_is_global_in_both_grammars() {
        for (cmd, sub) in [
            (realserver_command("ipvsadm"), "status"),
            (director_command("ipvsadm"), "check"),
        ] {
            let name = cmd.get_name().to_string();
            for args in [
                vec![name.as_str(), "--netns", "a", sub],
                vec![name.as_str(), sub, "--netns", "a"],
                vec![name.as_str(), sub, "--netns=a"],
            ] {
                let m = cmd.clone().try_get_matches_from(&args).unwrap();
                assert_eq!(
                    m.get_one::<String>("netns").map(String::as_str),
                    Some("a"),
                    "{args:?}"
                );
            }
            assert!(
                cmd.clone()
                    .try_get_matches_from([name.as_str(), sub, "--netns"])
                    .is_err()
            );
        }
    }

    #[test]
    fn help_mentions_every_subcommand_and_option() {
        let help = realserver_command("ipvsadm").render_long_help().to_string();
        for w in ["setup", "teardown", "status", "Exit status"] {
            assert!(help.contains(w), "{w}");
        }
        let mut c = realserver_command("ipvsadm");
        let setup = c
            .find_subcommand_mut("setup")
            .unwrap()
            .render_long_help()
            .to_string();
        for w in [
            "--vip",
            "--method",
            "--interface",
            "--dry-run",
            "arp_ignore",
            "rp_filter",
            "nodad",
        ] {
            assert!(setup.contains(w), "{w}");
        }
        let d = director_command("ipvsadm").render_long_help().to_string();
        for w in ["setup", "teardown", "check"] {
            assert!(d.contains(w), "{w}");
        }
    }
}
