//! `ipvsadm -L --json` against the text views of the same kernel state, in
//! the test VM (ignored on the host; `tests/vm/test.sh` builds this file
//! and the suite runs it as `/bin-extra/kernel_json-*` with
//! `--include-ignored`).
//!
//! The scene is built in the director namespace of `tests/net/topology.sh`
//! (NAT wiring): services of every kind (IPv4, IPv6, SCTP, UDP with
//! one-packet scheduling and the SIP engine, fwmarks of both families, a
//! persistent one with a netmask, thresholds, weights, every forwarding
//! method, GUE, GRE and IPIP tunnels), real HTTP traffic through the NAT
//! service so counters and rates are not zero, persistence templates,
//! changed timeouts and two sync daemons. Then for each view the JSON is
//! turned into the tokens the text view must show — written here from the
//! schema (doc/json.md), not with the program's view code — and compared
//! with the text view's tokens (column widths aside).
//!
//! Counters, rates and expiry timers move on their own (the kernel folds
//! counters and recomputes rates every 2 s), so the JSON is read before and
//! after each text view and the comparison is only made when both JSON
//! reads are equal (these values only move one way after the traffic:
//! counters grow, rates decay; so nothing moved in between); otherwise all
//! three are read again. For `-c`, where
//! the expiry ticks every second, the rows must match except the expiry,
//! which must lie between the two JSON reads.
// A test program: what it prints is its report.
#![allow(clippy::print_stderr)]

use std::process::Command;

use serde_json::Value;

fn ours() -> String {
    std::env::var("OURS_DIR").unwrap_or_else(|_| "/ours/ipvsadm".into()) + "/ipvsadm"
}

/// Runs busybox sh with the VM helpers and the topology loaded, its output
/// going to ours (the VM's log); fails the test unless it exits 0. Not
/// captured: the httpds `net_init` starts in the background would keep a
/// pipe open for ever.
fn sh(script: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            ". /tests/vm/lib.sh; . /tests/net/topology.sh; {script}"
        ))
        .stdin(std::process::Stdio::null())
        .status()
        .expect("sh");
    assert!(status.success(), "{script}: {status}");
}

/// Our ipvsadm in the director: (stdout, stderr, exit status).
fn run(args: &str) -> (String, String, i32) {
    run_in("director", args)
}

/// Our ipvsadm in namespace `ns`.
fn run_in(ns: &str, args: &str) -> (String, String, i32) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, &ours()])
        .args(args.split_whitespace())
        .output()
        .expect("ip netns exec");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Our ipvsadm in the director; must succeed.
fn ipvsadm(args: &str) -> String {
    ipvsadm_in("director", args)
}

fn ipvsadm_in(ns: &str, args: &str) -> String {
    let (out, err, code) = run_in(ns, args);
    assert_eq!(code, 0, "ipvsadm {args}: {err}");
    out
}

fn json(args: &str) -> Value {
    json_in("director", args)
}

fn json_in(ns: &str, args: &str) -> Value {
    let text = ipvsadm_in(ns, args);
    assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["version"], 1);
    v
}

/// Tears the namespaces down even when an assertion failed.
struct Scene;

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(". /tests/vm/lib.sh; . /tests/net/topology.sh; net_down; ip netns del jsond 2>/dev/null")
            .status();
    }
}

const SETUP: &str = r#"
ipvs_loaded || load_ipvs >/dev/null
net_up nat >/dev/null || exit 1
set -e
S=10.0.0.1:80
ours -A -t $S -s rr
ours -a -t $S -r 192.168.10.1:80 -m -x 100 -y 10
ours -a -t $S -r 192.168.10.2:80 -m -w 2
ours -A -t 10.0.0.1:443 -s wlc -p 600 -M 255.255.255.0
ours -a -t 10.0.0.1:443 -r 10.0.0.11 -g -w 3
ours -a -t 10.0.0.1:443 -r 10.0.0.12 -i --tun-type gue --tun-port 6080 --tun-remcsum
ours -a -t 10.0.0.1:443 -r 10.0.0.13 -i --tun-type gre --tun-csum
ours -a -t 10.0.0.1:443 -r 10.0.0.16 -i --tun-type gue --tun-port 6081 --tun-csum
ours -a -t 10.0.0.1:443 -r 10.0.0.14 -i
ours -a -t 10.0.0.1:443 -r 10.0.0.254 -w 0
ours -A -u 10.0.0.1:5060 -s sh -b sh-port -o -p 60 --pe sip
ours -a -u 10.0.0.1:5060 -r 192.168.10.2 -m
ours -A --sctp-service 10.0.0.1:3868 -s lc
ours -a --sctp-service 10.0.0.1:3868 -r 192.168.10.1 -m -x 7
ours -A -f 7 -s rr
ours -a -f 7 -r 192.168.10.1:0 -m -w 4
ours -A -f 4000000000 -6 -s mh -b mh-fallback,mh-port -p 30 -M 64
ours -a -f 4000000000 -6 -r [2001:db8::5]:0 -g
ours -A -t [2001:db8::1]:80 -s wrr
ours -a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 5 -x 50 -y 5
ours -a -t [2001:db8::1]:80 -r 10.0.0.15 -i --tun-type ipip
ours --set 1000 110 310
set +e
got=$(fetch 4 | xargs)
[ "$got" = "rs2 rs1 rs2 rs1" ] || { echo "answers: $got"; exit 1; }
net_wait_conns ours $S 4 || { echo "no counters"; exit 1; }
ours -E -t $S -s rr -p 60 -M 255.255.255.0 || exit 1
fetch 2 >/dev/null
net_wait_conns ours $S 6 || { echo "no counters after -E"; exit 1; }
"#;

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn addr_port(addr: &Value, port: &Value) -> String {
    let a = s(addr);
    if a.contains(':') {
        format!("[{a}]:{}", s(port))
    } else {
        format!("{a}:{}", s(port))
    }
}

/// The first column(s) of a service line: `TCP 10.0.0.1:80`, `FWM 7 IPv6`.
fn service_label(svc: &Value) -> Vec<String> {
    if svc["fwmark"].is_null() {
        vec![
            s(&svc["protocol"]).to_uppercase(),
            addr_port(&svc["address"], &svc["port"]),
        ]
    } else {
        let mut t = vec!["FWM".to_string(), s(&svc["fwmark"])];
        if svc["family"] == "inet6" {
            t.push("IPv6".into());
        }
        t
    }
}

/// Scheduler, flags and persistence as the non-counter views show them.
fn service_details(svc: &Value) -> Vec<String> {
    // "flags" is the kernel's number: HASHED (0x2) is set on every service
    // in the table, and the persistence (0x1) and one-packet (0x4) bits
    // agree with the named fields.
    let bits = svc["flags"].as_u64().expect("flags is a number");
    assert_eq!(bits & 0x2, 0x2, "{svc}");
    assert_eq!(bits & 0x1 != 0, svc["persistent"] == true, "{svc}");
    assert_eq!(bits & 0x4 != 0, svc["one_packet"] == true, "{svc}");
    let mut t = vec![s(&svc["scheduler"])];
    let flags: Vec<String> = svc["sched_flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    if !flags.is_empty() {
        t.push(format!("({})", flags.join(",")));
    }
    if svc["persistent"] == true {
        t.push("persistent".into());
        t.push(s(&svc["timeout"]));
        let v6 = svc["family"] == "inet6";
        let default = if v6 {
            svc["prefix_len"] == 128
        } else {
            svc["netmask"] == "255.255.255.255"
        };
        if !default {
            t.push("mask".into());
            t.push(if v6 {
                s(&svc["prefix_len"])
            } else {
                s(&svc["netmask"])
            });
        }
        if !svc["pe"].is_null() {
            t.push("pe".into());
            t.push(s(&svc["pe"]));
        }
    }
    if svc["one_packet"] == true {
        t.push("ops".into());
    }
    t
}

fn forward_word(d: &Value) -> String {
    match d["forward"].as_str().unwrap() {
        "masq" => "Masq",
        "local" => "Local",
        "tunnel" => "Tunnel",
        "route" => "Route",
        other => panic!("forward {other}"),
    }
    .into()
}

fn tunnel_info(d: &Value) -> String {
    let t = &d["tunnel"];
    if t.is_null() {
        return "n/a".into();
    }
    let c = match t["csum"].as_str().unwrap() {
        "none" => "-c",
        "csum" => "+c",
        "remcsum" => "r+c",
        other => panic!("csum {other}"),
    };
    match t["type"].as_str().unwrap() {
        "ipip" => "ipip".into(),
        "gue" => format!("gue:{}:{c}", s(&t["port"])),
        "gre" => format!("gre:{c}"),
        other => panic!("tunnel type {other}"),
    }
}

fn five(v: &Value, names: [&str; 5]) -> Vec<String> {
    names.iter().map(|n| s(&v[n])).collect()
}

const COUNTERS: [&str; 5] = ["conns", "inpkts", "outpkts", "inbytes", "outbytes"];
const RATES: [&str; 5] = ["cps", "inpps", "outpps", "inbps", "outbps"];

/// The token rows (service and destination lines, whitespace-split) that
/// `-L -n <view>` must print for the services of `doc`.
fn expected_rows(doc: &Value, view: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for svc in doc["services"].as_array().unwrap() {
        let mut line = service_label(svc);
        match view {
            "--stats" => line.extend(five(&svc["stats"], COUNTERS)),
            "--rate" => line.extend(five(&svc["rates"], RATES)),
            _ => line.extend(service_details(svc)),
        }
        rows.push(line);
        for d in svc["destinations"].as_array().unwrap() {
            let mut line = vec!["->".to_string(), addr_port(&d["address"], &d["port"])];
            let f = |k: &str| s(&d[k]);
            match view {
                "" => line.extend([
                    forward_word(d),
                    f("weight"),
                    f("active_conns"),
                    f("inactive_conns"),
                ]),
                "--tun-info" => line.extend([
                    forward_word(d),
                    tunnel_info(d),
                    f("weight"),
                    f("active_conns"),
                    f("inactive_conns"),
                ]),
                "--thresholds" => line.extend([
                    f("u_threshold"),
                    f("l_threshold"),
                    f("active_conns"),
                    f("inactive_conns"),
                ]),
                "--persistent-conn" => line.extend([
                    f("weight"),
                    f("persist_conns"),
                    f("active_conns"),
                    f("inactive_conns"),
                ]),
                "--stats" => line.extend(five(&d["stats"], COUNTERS)),
                "--rate" => line.extend(five(&d["rates"], RATES)),
                other => panic!("view {other}"),
            }
            rows.push(line);
        }
    }
    rows
}

fn tokens(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

/// TCP 10.0.0.1:80, the one with traffic (not first: ipvsadm's sort puts
/// fwmark 4000000000 before the address services, D8).
fn traffic_service(doc: &Value) -> &Value {
    doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["protocol"] == "tcp" && s["address"] == "10.0.0.1" && s["port"] == 80)
        .expect("TCP 10.0.0.1:80")
}

/// Reads JSON, then `between`, then JSON again, until both JSON reads are
/// equal (at most 15 times); returns that JSON and what `between` read.
fn stable<T>(what: &str, json_args: &str, mut between: impl FnMut() -> T) -> (Value, T) {
    for attempt in 1..=15 {
        let before = json(json_args);
        let got = between();
        let after = json(json_args);
        if before == after {
            eprintln!("{what}: equal JSON reads around it on read {attempt}");
            return (before, got);
        }
    }
    panic!("{what}: the JSON never read the same twice in 15 tries");
}

/// The service views, each read between two equal JSON reads.
fn check_service_views() {
    const VIEWS: [&str; 6] = [
        "",
        "--stats",
        "--rate",
        "--thresholds",
        "--persistent-conn",
        "--tun-info",
    ];
    for view in VIEWS {
        let (doc, text) = stable(&format!("-L -n --exact {view}"), "-L -n --json", || {
            ipvsadm(&format!("-L -n --exact {view}"))
        });
        assert_eq!(doc["services"].as_array().unwrap().len(), 7, "{doc}");
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "IP Virtual Server version {} (size={})",
                s(&doc["ipvs"]["version"]),
                doc["ipvs"]["conn_tab_size"]
            ),
            "{view}"
        );
        // two title lines, then the table
        let rows = tokens(&text);
        assert_eq!(
            rows[3..],
            expected_rows(&doc, view)[..],
            "view {view}\n{text}"
        );
        let svc = traffic_service(&doc);
        eprintln!(
            "  traffic service: stats {}, rates {}",
            svc["stats"], svc["rates"]
        );
    }

    // the one-service document is that service's entry
    let (doc, one) = stable("-L -n --json -t 10.0.0.1:80", "-L -n --json", || {
        json("-L -n --json -t 10.0.0.1:80")
    });
    let svc = traffic_service(&doc);
    assert_eq!(one["services"].as_array().unwrap().len(), 1);
    assert_eq!(&one["services"][0], svc, "{one}");
    assert_eq!(one["ipvs"], doc["ipvs"]);
    // the traffic went through: the numbers compared were not all zero
    let st = &svc["stats"];
    assert!(st["conns"].as_u64().unwrap() >= 6, "{st}");
    assert!(st["inbytes"].as_u64().unwrap() > 0 && st["outbytes"].as_u64().unwrap() > 0);
    for d in svc["destinations"].as_array().unwrap() {
        assert!(d["stats"]["conns"].as_u64().unwrap() >= 2, "{d}");
    }
}

fn mmss(secs: u64) -> String {
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

fn secs(mmss: &str) -> u64 {
    let (m, s) = mmss.split_once(':').unwrap();
    m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap()
}

/// `-c`: rows equal but the expiry, which lies between the two reads.
fn check_connections() {
    for persistent in ["", "--persistent-conn"] {
        let before = json("-L -c -n --json");
        let text = ipvsadm(&format!("-L -c -n {persistent}"));
        let after = json("-L -c -n --json");
        let (b, a) = (
            before["connections"].as_array().unwrap(),
            after["connections"].as_array().unwrap(),
        );
        let rows = tokens(&text);
        assert_eq!(rows[0], ["IPVS", "connection", "entries"]);
        let rows = &rows[2..];
        assert_eq!(rows.len(), b.len(), "{text}\n{before}");
        assert_eq!(a.len(), b.len(), "{before}\n{after}");
        // templates (client port 0) and the fetches' connections
        assert!(b.len() >= 7, "{before}");
        assert!(b.iter().any(|c| c["client_port"] == 0), "{before}");
        for ((row, c1), c2) in rows.iter().zip(b).zip(a) {
            let mut c1m = c1.clone();
            let mut c2m = c2.clone();
            c1m["expires"] = Value::Null;
            c2m["expires"] = Value::Null;
            assert_eq!(c1m, c2m, "a connection changed between the reads");
            let mut want = vec![
                s(&c1["protocol"]).to_uppercase(),
                row[1].clone(),
                s(&c1["state"]),
                addr_port(&c1["client_address"], &c1["client_port"]),
                addr_port(&c1["virtual_address"], &c1["virtual_port"]),
                addr_port(&c1["dest_address"], &c1["dest_port"]),
            ];
            if !persistent.is_empty() && !c1["pe_name"].is_null() {
                want.push(s(&c1["pe_name"]));
                want.push(s(&c1["pe_data"]));
            }
            assert_eq!(row, &want, "{text}");
            let (e1, e2) = (
                c1["expires"].as_u64().unwrap(),
                c2["expires"].as_u64().unwrap(),
            );
            let shown = secs(&row[1]);
            assert!(
                e2 <= shown && shown <= e1,
                "expiry {} not between {} and {}",
                row[1],
                mmss(e1),
                mmss(e2)
            );
        }
    }
}

fn check_timeouts_and_daemons() {
    let t = json("-L --timeout --json");
    let t = &t["timeouts"];
    assert_eq!(
        ipvsadm("-L --timeout"),
        format!(
            "Timeout (tcp tcpfin udp): {} {} {}\n",
            t["tcp"], t["tcp_fin"], t["udp"]
        )
    );
    assert_eq!(
        (t["tcp"].as_u64(), t["udp"].as_u64()),
        (Some(1000), Some(310))
    );

    // The sync daemons run in a namespace of their own, on a dummy link:
    // in the director's (IPv6 off, veths on bridges) the 6.1 kernel refused
    // to start a master with EINVAL, for both tools alike.
    sh(
        "ip netns add jsond && ip -n jsond link add e0 type dummy && ip -n jsond link set e0 up && \
        ip -n jsond addr add 10.9.0.1/24 dev e0 && \
        ip netns exec jsond $OURS_IPVSADM --start-daemon master --mcast-interface e0 --syncid 255 \
            --sync-maxlen 1000 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 2 && \
        ip netns exec jsond $OURS_IPVSADM --start-daemon backup --mcast-interface e0 --syncid 3",
    );
    let d = json_in("jsond", "-L --daemon --json");
    let daemons = d["daemons"].as_array().unwrap();
    assert_eq!(daemons.len(), 2, "{d}");
    let mut want = String::new();
    for d in daemons {
        want.push_str(&format!(
            "{} sync daemon (mcast={}, syncid={}",
            s(&d["state"]),
            s(&d["mcast_interface"]),
            d["syncid"]
        ));
        for (key, name) in [("sync_maxlen", "maxlen"), ("mcast_group", "group")] {
            if !d[key].is_null() && d[key] != 0 {
                want.push_str(&format!(", {name}={}", s(&d[key])));
            }
        }
        for (key, name) in [("mcast_port", "port"), ("mcast_ttl", "ttl")] {
            if d[key] != 0 {
                want.push_str(&format!(", {name}={}", d[key]));
            }
        }
        want.push_str(")\n");
    }
    assert_eq!(ipvsadm_in("jsond", "-L --daemon"), want);
    assert_eq!(daemons[0]["mcast_group"], "239.1.2.3", "{d}");
}

/// Failures: nothing on stdout, the text view's message and status.
fn check_failures() {
    let (out, err, code) = run("-L -n --json -t 10.9.9.9:1");
    let (_, text_err, text_code) = run("-L -n -t 10.9.9.9:1");
    assert_eq!((out.as_str(), code), ("", 1));
    assert_eq!((err, code), (text_err, text_code));
    let (out, err, code) = run("-S --json");
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "Illegal 'json' option with the 'save' command\n", 2)
    );
}

#[test]
#[ignore]
fn json_says_what_the_text_views_say() {
    let _scene = Scene;
    sh(SETUP);
    check_service_views();
    check_connections();
    check_timeouts_and_daemons();
    check_failures();
    sh(
        "J='ip netns exec jsond '$OURS_IPVSADM; $J --stop-daemon master; $J --stop-daemon backup; ours -C",
    );
}
