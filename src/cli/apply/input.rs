//! The wanted table, from either format `ipvsadm` writes: the `-A`/`-a`
//! lines of `-S`, or the service document of `-L --json`.
//!
//! Everything is read and checked before the kernel is touched, and a
//! problem names its line. Rule lines go through the same parser as `-R`,
//! so a line means here what it means to `-R` (names resolved, a DR or
//! TUN server's port set to the service's); only `-A` and `-a` are taken,
//! since anything else would change the table outside the plan.

use std::collections::hash_map::Entry as Slot;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::Change;
use ipvs::apply::{Entry, Table};
use ipvs::model::{
    Destination, Family, ForwardMethod, Ipv6Prefix, Netmask, Protocol, Service, ServiceFlags,
    ServiceKey, Tunnel, TunnelFlags, TunnelType,
};
use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::cli::args;
use crate::cli::command::Command;

/// A refused input: the line (1-based) when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub line: Option<usize>,
    pub message: String,
}

impl InputError {
    fn at(line: usize, message: impl Into<String>) -> InputError {
        InputError {
            line: Some(line),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> InputError {
        InputError {
            line: None,
            message: message.into(),
        }
    }
}

/// The wanted table, with the line each object came from (rule input
/// only), so that a refusal by the kernel can name its line.
#[derive(Debug, Default)]
pub struct Wanted {
    pub table: Table,
    pub service_lines: FxHashMap<ServiceKey, usize>,
    pub destination_lines: FxHashMap<(ServiceKey, IpAddr, u16), usize>,
}

/// Reads `bytes`: a document if the first non-blank byte is `{`, rule
/// lines otherwise. Empty input is refused (a pipe whose writer failed
/// must not empty a director); input of comments only is an empty table.
pub fn read(bytes: &[u8], argv0: &str) -> Result<Wanted, InputError> {
    if bytes.is_empty() {
        return Err(InputError::whole(
            "empty input (a file of comments only is an empty table)",
        ));
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => read_document(bytes),
        _ => read_rules(bytes, argv0),
    }
}

/// Adds entries as they come, refusing a key given twice.
///
/// The maps hash with FxHash rather than the standard SipHash: keyed by
/// addresses from the operator's own file, they need no defence against
/// chosen collisions, and SipHash was a third of the cost of reading the
/// 22,000 lines of a 2,000-service table.
#[derive(Default)]
struct Builder {
    wanted: Wanted,
    index: FxHashMap<ServiceKey, usize>,
    /// The service of the last `-a` and its entry: `-S` writes each
    /// service's servers right after it, so most lookups end here.
    last: Option<(ServiceKey, usize)>,
    /// Positions are entries of a document (`services[i]`, from 0 as
    /// `i + 1`), not lines.
    document: bool,
}

impl Builder {
    fn first(&self, at: usize) -> String {
        if self.document {
            format!("as services[{}]", at - 1)
        } else {
            format!("on line {at}")
        }
    }

    /// Room for `lines` objects, so that the maps do not grow by steps.
    fn with_capacity(lines: usize) -> Builder {
        let mut b = Builder::default();
        b.wanted.destination_lines.reserve(lines);
        b
    }

    fn service(&mut self, line: usize, svc: Service) -> Result<(), InputError> {
        match self.wanted.service_lines.entry(svc.key) {
            Slot::Occupied(first) => {
                let first = *first.get();
                return Err(InputError::at(
                    line,
                    format!("service already given {}", self.first(first)),
                ));
            }
            Slot::Vacant(slot) => slot.insert(line),
        };
        self.index.insert(svc.key, self.wanted.table.entries.len());
        self.wanted.table.entries.push(Entry::new(svc, Vec::new()));
        Ok(())
    }

    fn destination(
        &mut self,
        line: usize,
        service: ServiceKey,
        d: Destination,
    ) -> Result<(), InputError> {
        let at = match self.last {
            Some((key, at)) if key == service => at,
            _ => {
                let Some(&at) = self.index.get(&service) else {
                    return Err(InputError::at(
                        line,
                        "real server of a service with no -A line before it",
                    ));
                };
                self.last = Some((service, at));
                at
            }
        };
        match self
            .wanted
            .destination_lines
            .entry((service, d.addr, d.port))
        {
            Slot::Occupied(first) => {
                let first = *first.get();
                return Err(InputError::at(
                    line,
                    format!("real server already given {}", self.first(first)),
                ));
            }
            Slot::Vacant(slot) => slot.insert(line),
        };
        self.wanted.table.entries[at].destinations.push(d);
        Ok(())
    }
}

fn read_rules(bytes: &[u8], argv0: &str) -> Result<Wanted, InputError> {
    let mut b = Builder::with_capacity(bytes.iter().filter(|&&c| c == b'\n').count());
    for (n, raw) in bytes.split(|&c| c == b'\n').enumerate() {
        let line = n + 1;
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let words = args::restore_line_args(raw);
        if words.is_empty() {
            continue;
        }
        match args::parse(argv0.as_bytes(), &words) {
            Ok(Command::Change(Change::AddService(svc))) => b.service(line, svc)?,
            Ok(Command::Change(Change::AddDestination {
                service,
                destination,
            })) => b.destination(line, service, destination)?,
            Ok(_) => {
                return Err(InputError::at(line, "only -A and -a lines can be applied"));
            }
            Err(args::ParseError::TryHelp { .. }) => {
                return Err(InputError::at(line, "not an -A or -a line"));
            }
            Err(err) => return Err(InputError::at(line, err.to_string().trim_end())),
        }
    }
    Ok(b.wanted)
}

// The `-L --json` service document, the fields that state settings;
// counters, rates, connection counts and the redundant forms (`persistent`,
// `sched_flags`, ...) are ignored like any unknown field.

#[derive(Deserialize)]
struct Doc {
    version: Option<u32>,
    services: Option<Vec<JService>>,
}

#[derive(Deserialize)]
struct JService {
    family: String,
    protocol: Option<String>,
    address: Option<String>,
    port: Option<u16>,
    fwmark: Option<u32>,
    scheduler: String,
    flags: u32,
    #[serde(default)]
    timeout: u32,
    netmask: Option<String>,
    prefix_len: Option<u32>,
    pe: Option<String>,
    #[serde(default)]
    destinations: Vec<JDest>,
}

#[derive(Deserialize)]
struct JDest {
    address: String,
    port: u16,
    forward: String,
    weight: u32,
    #[serde(default)]
    u_threshold: u32,
    #[serde(default)]
    l_threshold: u32,
    tunnel: Option<JTunnel>,
}

#[derive(Deserialize)]
struct JTunnel {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    port: u16,
    #[serde(default)]
    csum: Option<String>,
}

fn read_document(bytes: &[u8]) -> Result<Wanted, InputError> {
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| InputError::at(e.line().max(1), format!("not a service document: {e}")))?;
    match doc.version {
        Some(1) => {}
        Some(v) => return Err(InputError::whole(format!("document version {v}, not 1"))),
        None => return Err(InputError::whole("no \"version\" in the document")),
    }
    let services = doc.services.ok_or_else(|| {
        InputError::whole("no \"services\" in the document (not a service listing)")
    })?;
    let mut b = Builder {
        document: true,
        ..Builder::default()
    };
    for (i, js) in services.into_iter().enumerate() {
        // A document has no useful line numbers; name the entry instead
        // (counted from 1 like lines).
        let fail = |m: String| InputError::whole(format!("services[{i}]: {m}"));
        let svc = service_of(&js).map_err(fail)?;
        let key = svc.key;
        b.service(i + 1, svc).map_err(|e| fail(e.message))?;
        for (j, jd) in js.destinations.iter().enumerate() {
            let fail =
                |m: String| InputError::whole(format!("services[{i}].destinations[{j}]: {m}"));
            let d = destination_of(&key, jd).map_err(fail)?;
            b.destination(i + 1, key, d).map_err(|e| fail(e.message))?;
        }
    }
    // Lines of entries are not lines of the file: drop them.
    b.wanted.service_lines.clear();
    b.wanted.destination_lines.clear();
    Ok(b.wanted)
}

fn service_of(js: &JService) -> Result<Service, String> {
    let family = match js.family.as_str() {
        "inet" => Family::Inet,
        "inet6" => Family::Inet6,
        other => return Err(format!("unknown family {other:?}")),
    };
    let key = match (js.fwmark, &js.protocol, &js.address) {
        (Some(mark), None, None) if mark != 0 => ServiceKey::Fwmark { mark, family },
        (None, Some(protocol), Some(address)) => {
            let protocol = match protocol.as_str() {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                other => Protocol::Other(
                    other
                        .parse()
                        .map_err(|_| format!("unknown protocol {other:?}"))?,
                ),
            };
            let addr: IpAddr = address
                .parse()
                .map_err(|_| format!("bad address {address:?}"))?;
            if Family::of(&addr) != family {
                return Err(format!("address {address} is not of family {}", js.family));
            }
            let port = js.port.ok_or("no port")?;
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            }
        }
        _ => return Err("needs either fwmark, or protocol and address".into()),
    };
    let mut svc = Service::new(key);
    if js.scheduler.is_empty() {
        return Err("empty scheduler".into());
    }
    kernel_name("scheduler", &js.scheduler)?;
    svc.scheduler = js.scheduler.clone();
    svc.flags = ServiceFlags::from_bits_retain(js.flags & !ServiceFlags::KERNEL_HASHED);
    svc.timeout = js.timeout;
    svc.netmask = netmask_of(family, js)?;
    svc.pe_name = js.pe.clone().filter(|pe| !pe.is_empty());
    if let Some(pe) = &svc.pe_name {
        kernel_name("persistence engine", pe)?;
    }
    Ok(svc)
}

/// A name the kernel can store as given: it keeps at most 15 bytes and
/// reads up to the first NUL, so anything else would be applied as
/// another name (and found different on every run). Rule lines cannot
/// hold such names: their parser cuts them as ipvsadm does.
fn kernel_name(what: &str, name: &str) -> Result<(), String> {
    if name.contains('\0') {
        return Err(format!("{what} name {name:?} contains a NUL byte"));
    }
    if name.len() > 15 {
        return Err(format!("{what} name {name:?} is longer than 15 bytes"));
    }
    Ok(())
}

fn netmask_of(family: Family, js: &JService) -> Result<Netmask, String> {
    match family {
        Family::Inet => match &js.netmask {
            None => Ok(Netmask::full(family)),
            Some(text) => text
                .parse::<Ipv4Addr>()
                .map(Netmask::V4)
                .map_err(|_| format!("bad netmask {text:?}")),
        },
        Family::Inet6 => {
            let len = match (js.prefix_len, &js.netmask) {
                (Some(len), _) => len,
                (None, None) => 128,
                (None, Some(text)) => {
                    let mask = u128::from(
                        text.parse::<Ipv6Addr>()
                            .map_err(|_| format!("bad netmask {text:?}"))?,
                    );
                    if mask.leading_ones() + mask.trailing_zeros() != 128 {
                        return Err(format!("netmask {text} is not a prefix"));
                    }
                    mask.leading_ones()
                }
            };
            u8::try_from(len)
                .ok()
                .and_then(Ipv6Prefix::new)
                .map(Netmask::V6)
                .ok_or_else(|| format!("IPv6 prefix length {len} is not 1..128"))
        }
    }
}

fn destination_of(service: &ServiceKey, jd: &JDest) -> Result<Destination, String> {
    let addr: IpAddr = jd
        .address
        .parse()
        .map_err(|_| format!("bad address {:?}", jd.address))?;
    let forward = match jd.forward.as_str() {
        "masq" => ForwardMethod::Masquerade,
        "local" => ForwardMethod::Local,
        "tunnel" => ForwardMethod::Tunnel,
        "route" => ForwardMethod::Route,
        other => return Err(format!("unknown forward method {other:?}")),
    };
    if Family::of(&addr) != service.family() && forward != ForwardMethod::Tunnel {
        return Err("real server of the other family needs a tunnel".into());
    }
    if jd.weight > i32::MAX as u32 {
        return Err(format!("weight {} above {}", jd.weight, i32::MAX));
    }
    // What `-a` does: a DR or TUN server of an address service has the
    // service's port.
    let port = match (service, forward) {
        (ServiceKey::Addr { port, .. }, ForwardMethod::Route | ForwardMethod::Tunnel) => *port,
        _ => jd.port,
    };
    let mut d = Destination::new(addr, port);
    d.forward = forward;
    d.weight = jd.weight;
    d.u_threshold = jd.u_threshold;
    d.l_threshold = jd.l_threshold;
    if forward == ForwardMethod::Tunnel
        && let Some(t) = &jd.tunnel
    {
        let kind = match t.kind.as_str() {
            "ipip" => TunnelType::Ipip,
            "gue" => TunnelType::Gue,
            "gre" => TunnelType::Gre,
            other => return Err(format!("unknown tunnel type {other:?}")),
        };
        let flags = match t.csum.as_deref() {
            None | Some("none") => TunnelFlags::empty(),
            Some("csum") => TunnelFlags::CSUM,
            Some("remcsum") => TunnelFlags::REMCSUM,
            Some(other) => return Err(format!("unknown csum {other:?}")),
        };
        d.tunnel = Tunnel::new(kind, t.port, flags);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn err(input: &str) -> (Option<usize>, String) {
        let e = read(input.as_bytes(), "ipvsadm").unwrap_err();
        (e.line, e.message)
    }

    const RULES: &str = "\
# saved by ipvsadm -S -n
-A -t 10.0.0.1:80 -s rr -p 300 -M 255.255.255.0 --pe sip

-a -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 2
-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -g -w 0 -x 10 -y 5
-A -f 7 -6 -s sh -b sh-fallback
-a -f 7 -6 -r [2001:db8::5]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
";

    #[test]
    fn rules_become_a_table_as_r_reads_them() {
        let w = read(RULES.as_bytes(), "ipvsadm").unwrap();
        let t = &w.table;
        assert_eq!(t.entries.len(), 2);
        let web = &t.entries[0];
        assert_eq!(web.service.scheduler, "rr");
        assert_eq!(web.service.timeout, 300);
        assert_eq!(web.service.pe_name.as_deref(), Some("sip"));
        // DR: the port is the service's, as -a makes it.
        assert_eq!(web.destinations[1].port, 80);
        assert_eq!(web.destinations[1].weight, 0);
        assert_eq!(web.destinations[1].l_threshold, 5);
        let fw = &t.entries[1];
        assert_eq!(fw.destinations[0].tunnel.kind, TunnelType::Gue);
        assert_eq!(w.service_lines[&web.service.key], 2);
        assert_eq!(
            w.destination_lines[&(web.service.key, "192.168.1.2".parse().unwrap(), 80)],
            5
        );
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(err("-C\n").0, Some(1));
        assert_eq!(err("\n\n-D -t 10.0.0.1:80\n").0, Some(3));
        assert_eq!(
            err("-a -t 10.0.0.1:80 -r 10.0.0.2\n"),
            (
                Some(1),
                "real server of a service with no -A line before it".into()
            )
        );
        assert_eq!(
            err("-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80 -s rr\n"),
            (Some(2), "service already given on line 1".into())
        );
        // The same key once the DR port rule has made both :80.
        assert_eq!(
            err(
                "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:81\n-a -t 10.0.0.1:80 -r 10.0.0.2:82\n"
            ),
            (Some(3), "real server already given on line 2".into())
        );
        assert_eq!(
            err("-A -t 10.0.0.1:80 -s\n").1,
            "-s: missing argument".to_string()
        );
        assert_eq!(err("hello\n"), (Some(1), "not an -A or -a line".into()));
        assert_eq!(err("").0, None);
    }

    #[test]
    fn document_names_the_kernel_would_store_otherwise_are_refused() {
        let doc = |sched: &str, pe: &str| {
            format!(
                r#"{{"version":1,"services":[{{"family":"inet","protocol":"tcp",
                "address":"10.0.0.1","port":80,"scheduler":"{sched}","flags":0,
                "pe":"{pe}"}}]}}"#
            )
        };
        for (sched, pe) in [
            ("rr\\u0000x", ""),
            ("a-scheduler-of-16", ""),
            ("rr", "s\\u0000ip"),
            ("rr", "a-persistence-engine"),
        ] {
            let err = read(doc(sched, pe).as_bytes(), "ipvsadm").unwrap_err();
            assert!(err.message.starts_with("services[0]: "), "{err:?}");
        }
        let w = read(doc("fifteen-bytes-x", "sip").as_bytes(), "ipvsadm").unwrap();
        assert_eq!(w.table.entries[0].service.scheduler, "fifteen-bytes-x");
    }

    #[test]
    fn comments_only_is_an_empty_table() {
        let w = read(b"# nothing\n\n   # here\n", "ipvsadm").unwrap();
        assert!(w.table.entries.is_empty());
    }

    #[test]
    fn the_json_listing_reads_back() {
        let doc = r#"{"version":1,"ipvs":{"version":"1.2.1","conn_tab_size":4096},
 "services":[
  {"family":"inet","protocol":"tcp","address":"10.0.0.1","port":80,"fwmark":null,
   "scheduler":"sh","sched_flags":["sh-fallback"],"flags":11,
   "persistent":true,"timeout":360,"netmask":"255.255.255.0","prefix_len":24,
   "pe":null,"one_packet":false,"stats":{"conns":4},
   "destinations":[
    {"family":"inet","address":"192.168.10.1","port":8080,"forward":"masq",
     "weight":1,"u_threshold":0,"l_threshold":0,"active_conns":3,"tunnel":null},
    {"family":"inet","address":"192.168.10.2","port":1,"forward":"tunnel",
     "weight":1,"tunnel":{"type":"gue","port":6080,"csum":"remcsum"}}]},
  {"family":"inet6","protocol":null,"address":null,"port":null,"fwmark":5,
   "scheduler":"wlc","flags":1,"timeout":60,"netmask":"ffff:ffff::","prefix_len":null,
   "destinations":[]}]}"#;
        let t = read(doc.as_bytes(), "ipvsadm").unwrap().table;
        let s = &t.entries[0].service;
        assert_eq!(s.flags, ServiceFlags::PERSISTENT | ServiceFlags::SCHED1);
        assert_eq!(s.netmask, Netmask::V4(Ipv4Addr::new(255, 255, 255, 0)));
        let d = &t.entries[0].destinations;
        assert_eq!((d[0].port, d[0].forward), (8080, ForwardMethod::Masquerade));
        assert_eq!(d[0].active_conns, 0);
        assert_eq!(d[1].port, 80);
        assert_eq!(
            d[1].tunnel,
            Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::REMCSUM)
        );
        assert_eq!(
            t.entries[1].service.netmask,
            Netmask::from_raw(Family::Inet6, 32).unwrap()
        );
    }

    #[test]
    fn other_documents_are_refused() {
        for doc in [
            r#"{"version":1,"timeouts":{"tcp":900,"tcp_fin":120,"udp":300}}"#,
            r#"{"version":1,"connections":[]}"#,
            r#"{"services":[]}"#,
            r#"{"version":2,"services":[]}"#,
            r#"{"version":1,"services":[{"family":"inet"}]}"#,
            "{",
        ] {
            assert!(read(doc.as_bytes(), "ipvsadm").is_err(), "{doc}");
        }
        let w = read(br#"  {"version":1,"services":[]}"#, "ipvsadm").unwrap();
        assert!(w.table.entries.is_empty());
    }
}

#[cfg(test)]
mod cost {
    /// The 22,000 lines of the benchmark's 2,000 x 10 table, read as
    /// `apply` reads a file. Not a check but the thing to count
    /// instructions on (`valgrind --tool=callgrind
    /// --toggle-collect='*input::read'` on this test alone, release
    /// build): 184 million before FxHash and the sized maps, 121 after.
    #[test]
    #[ignore]
    fn reading_of_the_benchmark_rules() {
        let mut s = String::new();
        for svc in 0..2000u32 {
            let vip = format!(
                "10.{}.{}.{}:80",
                svc / 62500,
                (svc / 250) % 250,
                svc % 250 + 1
            );
            s.push_str(&format!("-A -t {vip} -s wlc\n"));
            for d in 0..10 {
                s.push_str(&format!(
                    "-a -t {vip} -r 172.16.{d}.{}:8080 -m -w 1\n",
                    svc % 250 + 1
                ));
            }
        }
        let w = super::read(s.as_bytes(), "ipvsadm").unwrap();
        assert_eq!(w.table.entries.len(), 2000);
    }
}
