//! `-L --json`: every list view as one JSON document on one line.
//!
//! The schema is documented in `doc/json.md` and versioned by
//! [`SCHEMA_VERSION`]: fields may be added under the same version; a field
//! renamed, removed or changing meaning makes a new version.
//!
//! Unlike the text views, the service table always carries everything the
//! kernel reports (scheduler, flags, persistence, counters, rates,
//! thresholds, connection counts, tunnel details), whatever `--stats`,
//! `--rate`, ... say, so a script gets one shape; addresses are numeric
//! (glibc's text, as in the text views with `-n`) and numbers are raw.
//!
//! The structs below are the schema. They live here, beside the other
//! views, rather than as `Serialize` on the library's model: the names
//! (`"masq"`, `"remcsum"`), the null-or-value shape and the version are
//! presentation choices of this program that a library user should not
//! inherit, and the model stays free of a serde dependency.

use std::borrow::Cow;
use std::io::{self, BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::model::{
    Daemon, Destination, Family, ForwardMethod, Info, Protocol, Service, ServiceFlags, ServiceKey,
    Stats, Timeouts, TunnelType,
};
use serde::Serialize;

use super::conn::{self, ConnError};
use super::labels::{csum_mode, sched_flag_names};
use super::names::ntop;

/// The schema version every document starts with.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct ServicesDoc<'a> {
    version: u32,
    ipvs: IpvsInfo,
    services: Vec<JService<'a>>,
}

#[derive(Serialize)]
struct IpvsInfo {
    /// `1.2.1`
    version: String,
    conn_tab_size: u32,
}

#[derive(Serialize)]
struct JService<'a> {
    family: &'static str,
    /// `tcp`, `udp`, `sctp`; null for a fwmark service.
    protocol: Option<String>,
    address: Option<String>,
    port: Option<u16>,
    /// Null for an address service.
    fwmark: Option<u32>,
    scheduler: &'a str,
    /// Names of the scheduler flag bits, as the text view prints them.
    sched_flags: Vec<&'static str>,
    /// The raw flag bits (`IP_VS_SVC_F_*`, the kernel sets `hashed`, 0x2).
    flags: u32,
    persistent: bool,
    /// Persistence timeout in seconds.
    timeout: u32,
    /// Persistence mask in address form (`255.255.255.0`, `ffff:ffff::`).
    netmask: String,
    /// The mask's prefix length, null for a non-contiguous IPv4 mask.
    prefix_len: Option<u32>,
    pe: Option<&'a str>,
    one_packet: bool,
    stats: Counters,
    rates: Rates,
    destinations: Vec<JDest>,
}

#[derive(Serialize)]
struct JDest {
    family: &'static str,
    address: String,
    port: u16,
    /// `masq`, `local`, `tunnel`, `route` (another code: its number).
    forward: String,
    weight: u32,
    u_threshold: u32,
    l_threshold: u32,
    active_conns: u32,
    inactive_conns: u32,
    persist_conns: u32,
    /// Only for `tunnel` destinations; null otherwise.
    tunnel: Option<JTunnel>,
    stats: Counters,
    rates: Rates,
}

#[derive(Serialize)]
struct JTunnel {
    /// `ipip`, `gue`, `gre` (another code: its number).
    #[serde(rename = "type")]
    kind: String,
    /// GUE's UDP port, 0 otherwise.
    port: u16,
    /// `none`, `csum`, `remcsum`.
    csum: &'static str,
}

#[derive(Serialize)]
struct Counters {
    conns: u64,
    inpkts: u64,
    outpkts: u64,
    inbytes: u64,
    outbytes: u64,
}

#[derive(Serialize)]
struct Rates {
    cps: u64,
    inpps: u64,
    outpps: u64,
    inbps: u64,
    outbps: u64,
}

#[derive(Serialize)]
struct TimeoutsDoc {
    version: u32,
    timeouts: JTimeouts,
}

#[derive(Serialize)]
struct JTimeouts {
    tcp: u32,
    tcp_fin: u32,
    udp: u32,
}

#[derive(Serialize)]
struct DaemonsDoc<'a> {
    version: u32,
    daemons: Vec<JDaemon<'a>>,
}

#[derive(Serialize)]
struct JDaemon<'a> {
    state: &'static str,
    mcast_interface: &'a str,
    syncid: u32,
    /// 0 when the kernel does not report it (the text view omits zeros).
    sync_maxlen: u16,
    mcast_group: Option<String>,
    mcast_port: u16,
    mcast_ttl: u8,
}

/// One connection. The document around them is written piecewise (see
/// [`write_connections`]), so there is no struct for it.
#[derive(Serialize)]
struct JConn<'a> {
    /// The proc file's protocol name, lower case (`tcp`, `udp`, `sctp`).
    protocol: String,
    client_address: String,
    client_port: u16,
    virtual_address: String,
    virtual_port: u16,
    dest_address: String,
    dest_port: u16,
    /// As the kernel names it (`ESTABLISHED`, `FIN_WAIT`, `NONE`, ...).
    state: Cow<'a, str>,
    /// Seconds left.
    expires: u32,
    pe_name: Option<Cow<'a, str>>,
    /// As text, each byte sequence that is not UTF-8 replaced by U+FFFD.
    pe_data: Option<Cow<'a, str>>,
    /// The data's bytes in hex, only when they are not UTF-8 (a SIP
    /// Call-ID is whatever a client sent): `pe_data` alone would lose them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pe_data_hex: Option<String>,
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::Inet => "inet",
        Family::Inet6 => "inet6",
    }
}

fn protocol_name(protocol: Protocol) -> String {
    match protocol {
        Protocol::Tcp => "tcp".into(),
        Protocol::Udp => "udp".into(),
        Protocol::Sctp => "sctp".into(),
        Protocol::Other(n) => n.to_string(),
    }
}

fn forward_name(forward: ForwardMethod) -> String {
    match forward {
        ForwardMethod::Masquerade => "masq".into(),
        ForwardMethod::Local => "local".into(),
        ForwardMethod::Tunnel => "tunnel".into(),
        ForwardMethod::Route => "route".into(),
        ForwardMethod::Other(n) => n.to_string(),
    }
}

fn counters(s: &Stats) -> Counters {
    Counters {
        conns: s.conns,
        inpkts: s.inpkts,
        outpkts: s.outpkts,
        inbytes: s.inbytes,
        outbytes: s.outbytes,
    }
}

fn rates(s: &Stats) -> Rates {
    Rates {
        cps: s.cps,
        inpps: s.inpps,
        outpps: s.outpps,
        inbps: s.inbps,
        outbps: s.outbps,
    }
}

/// The persistence mask in address form and as a prefix length. The model
/// keeps an IPv4 mask as a number and an IPv6 one as a length.
fn netmask(svc: &Service) -> (String, Option<u32>) {
    let raw = svc.netmask.raw();
    match svc.key.family() {
        Family::Inet => {
            let m = raw;
            let ones = m.leading_ones();
            let contiguous = m.checked_shl(ones).unwrap_or(0) == 0;
            (Ipv4Addr::from(m).to_string(), contiguous.then_some(ones))
        }
        Family::Inet6 => {
            let len = raw.min(128);
            let bits = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            (ntop(IpAddr::V6(Ipv6Addr::from(bits))), Some(raw))
        }
    }
}

fn service<'a>(svc: &'a Service, dests: &[Destination]) -> JService<'a> {
    let (protocol, address, port, fwmark) = match svc.key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => (
            Some(protocol_name(protocol)),
            Some(ntop(addr)),
            Some(port),
            None,
        ),
        ServiceKey::Fwmark { mark, .. } => (None, None, None, Some(mark)),
    };
    let (netmask, prefix_len) = netmask(svc);
    JService {
        family: family_name(svc.key.family()),
        protocol,
        address,
        port,
        fwmark,
        scheduler: &svc.scheduler,
        sched_flags: sched_flag_names(svc),
        // The kernel's flags as it reports them: every service in its
        // table carries HASHED, which the library leaves out of the model.
        flags: svc.flags.bits() | ServiceFlags::KERNEL_HASHED,
        persistent: svc.is_persistent(),
        timeout: svc.timeout,
        netmask,
        prefix_len,
        pe: svc.pe_name.as_deref(),
        one_packet: svc.flags.contains(ServiceFlags::ONEPACKET),
        stats: counters(&svc.stats),
        rates: rates(&svc.stats),
        destinations: dests.iter().map(destination).collect(),
    }
}

fn destination(d: &Destination) -> JDest {
    let tunnel = (d.forward == ForwardMethod::Tunnel).then(|| JTunnel {
        kind: match d.tunnel.kind {
            TunnelType::Ipip => "ipip".into(),
            TunnelType::Gue => "gue".into(),
            TunnelType::Gre => "gre".into(),
            TunnelType::Other(n) => n.to_string(),
        },
        port: d.tunnel.port,
        csum: ["none", "csum", "remcsum"][csum_mode(d.tunnel.flags)],
    });
    JDest {
        family: family_name(d.family()),
        address: ntop(d.addr),
        port: d.port,
        forward: forward_name(d.forward),
        weight: d.weight,
        u_threshold: d.u_threshold,
        l_threshold: d.l_threshold,
        active_conns: d.active_conns,
        inactive_conns: d.inactive_conns,
        persist_conns: d.persist_conns,
        tunnel,
        stats: counters(&d.stats),
        rates: rates(&d.stats),
    }
}

/// One document and its newline.
fn emit(out: &mut impl Write, doc: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, doc)?;
    out.write_all(b"\n")
}

/// The service table (or the one service of `-L -t ...`): each service
/// with its destinations, in the order given (sorted by the caller unless
/// `--nosort`).
pub fn write_services(
    out: &mut impl Write,
    info: &Info,
    table: &[(Service, Vec<Destination>)],
) -> io::Result<()> {
    let (a, b, c) = info.version_triplet();
    emit(
        out,
        &ServicesDoc {
            version: SCHEMA_VERSION,
            ipvs: IpvsInfo {
                version: format!("{a}.{b}.{c}"),
                conn_tab_size: info.conn_tab_size,
            },
            services: table.iter().map(|(s, d)| service(s, d)).collect(),
        },
    )
}

/// `--timeout`.
pub fn write_timeouts(out: &mut impl Write, t: &Timeouts) -> io::Result<()> {
    emit(
        out,
        &TimeoutsDoc {
            version: SCHEMA_VERSION,
            timeouts: JTimeouts {
                tcp: t.tcp,
                tcp_fin: t.tcp_fin,
                udp: t.udp,
            },
        },
    )
}

/// `--daemon`: the running daemons in the kernel's order (an empty list
/// when none runs).
pub fn write_daemons(out: &mut impl Write, daemons: &[Daemon]) -> io::Result<()> {
    let daemons = daemons
        .iter()
        .map(|d| JDaemon {
            state: d.state.name(),
            mcast_interface: &d.mcast_ifn,
            syncid: d.syncid,
            sync_maxlen: d.sync_maxlen,
            mcast_group: d.mcast_group.map(ntop),
            mcast_port: d.mcast_port,
            mcast_ttl: d.mcast_ttl,
        })
        .collect();
    emit(
        out,
        &DaemonsDoc {
            version: SCHEMA_VERSION,
            daemons,
        },
    )
}

/// `-c` (with or without `--persistent-conn`: the engine fields are always
/// there) from `input`, the proc file.
///
/// Written as it is read, like the text view: the table can hold millions
/// of connections, and building the document first would hold them all.
/// So an unreadable row stops a document already begun; it is then left
/// unclosed (no JSON reader takes it for a whole one) and the error is the
/// text view's. A file without its header line writes nothing.
pub fn write_connections(out: &mut impl Write, input: impl BufRead) -> Result<(), ConnError> {
    let mut table = conn::Table::open(input)?;
    write!(out, "{{\"version\":{SCHEMA_VERSION},\"connections\":[")?;
    let mut first = true;
    while let Some(r) = table.next_row()? {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        let pe_data_hex =
            r.pe.filter(|(_, data)| std::str::from_utf8(data).is_err())
                .map(|(_, data)| hex(data));
        let row = JConn {
            protocol: String::from_utf8_lossy(r.protocol).to_ascii_lowercase(),
            client_address: ntop(r.client.0),
            client_port: r.client.1,
            virtual_address: ntop(r.virt.0),
            virtual_port: r.virt.1,
            dest_address: ntop(r.dest.0),
            dest_port: r.dest.1,
            state: String::from_utf8_lossy(r.state),
            expires: r.expires,
            pe_name: r.pe.map(|p| String::from_utf8_lossy(p.0)),
            pe_data: r.pe.map(|p| String::from_utf8_lossy(p.1)),
            pe_data_hex,
        };
        serde_json::to_writer(&mut *out, &row).map_err(io::Error::from)?;
    }
    out.write_all(b"]}\n")?;
    Ok(())
}

/// Lower-case hex, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::fixtures::text;
    use ipvs::model::{DaemonState, Netmask, Tunnel, TunnelFlags};
    use pretty_assertions::assert_eq;

    const INFO: Info = Info::new(0x010201, 4096);

    fn stats(base: u64) -> Stats {
        {
            let mut v = Stats::default();
            v.conns = base;
            v.inpkts = base + 1;
            v.outpkts = base + 2;
            v.inbytes = base + 3;
            v.outbytes = base + 4;
            v.cps = base + 5;
            v.inpps = base + 6;
            v.outpps = base + 7;
            v.inbps = base + 8;
            v.outbps = base + 9;
            v
        }
    }

    #[test]
    fn empty_table() {
        assert_eq!(
            text(|o| write_services(o, &INFO, &[])),
            "{\"version\":1,\"ipvs\":{\"version\":\"1.2.1\",\"conn_tab_size\":4096},\"services\":[]}\n"
        );
    }

    #[test]
    fn address_service_with_every_kind_of_destination() {
        let mut svc = Service::new(ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "10.0.0.1".parse().unwrap(),
            port: 80,
        });
        svc.scheduler = "sh".into();
        svc.flags = ServiceFlags::from_bits_retain(
            ServiceFlags::PERSISTENT.bits()
                | ServiceFlags::KERNEL_HASHED
                | ServiceFlags::SCHED1.bits(),
        );
        svc.timeout = 360;
        svc.netmask = Netmask::V4(Ipv4Addr::from(0xffff_ff00u32));
        svc.pe_name = Some("sip".into());
        // beyond 32 bits and K/M scaling: printed whole
        svc.stats = stats(5_000_000_000);
        let mut masq = Destination::new("192.168.10.1".parse().unwrap(), 8080);
        masq.forward = ForwardMethod::Masquerade;
        masq.weight = 3;
        masq.u_threshold = 100;
        masq.l_threshold = 10;
        masq.active_conns = 4;
        masq.inactive_conns = 5;
        masq.persist_conns = 6;
        masq.stats = stats(10);
        let mut gue = Destination::new("2001:db8::2".parse().unwrap(), 80);
        gue.forward = ForwardMethod::Tunnel;
        gue.tunnel = Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::CSUM);
        let mut gre = Destination::new("10.0.0.12".parse().unwrap(), 80);
        gre.forward = ForwardMethod::Tunnel;
        gre.tunnel = Tunnel::new(TunnelType::Gre, 0, TunnelFlags::REMCSUM);
        let mut local = Destination::new("10.0.0.1".parse().unwrap(), 80);
        local.forward = ForwardMethod::Local;
        let route = Destination::new("10.0.0.11".parse().unwrap(), 80);
        let doc = text(|o| write_services(o, &INFO, &[(svc, vec![masq, gue, gre, local, route])]));
        let zeros = "\"stats\":{\"conns\":0,\"inpkts\":0,\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},\
                     \"rates\":{\"cps\":0,\"inpps\":0,\"outpps\":0,\"inbps\":0,\"outbps\":0}";
        let plain = "\"weight\":1,\"u_threshold\":0,\"l_threshold\":0,\"active_conns\":0,\
                     \"inactive_conns\":0,\"persist_conns\":0";
        assert_eq!(
            doc,
            format!(
                "{{\"version\":1,\"ipvs\":{{\"version\":\"1.2.1\",\"conn_tab_size\":4096}},\"services\":[\
                 {{\"family\":\"inet\",\"protocol\":\"tcp\",\"address\":\"10.0.0.1\",\"port\":80,\"fwmark\":null,\
                 \"scheduler\":\"sh\",\"sched_flags\":[\"sh-fallback\"],\"flags\":11,\"persistent\":true,\
                 \"timeout\":360,\"netmask\":\"255.255.255.0\",\"prefix_len\":24,\"pe\":\"sip\",\"one_packet\":false,\
                 \"stats\":{{\"conns\":5000000000,\"inpkts\":5000000001,\"outpkts\":5000000002,\
                 \"inbytes\":5000000003,\"outbytes\":5000000004}},\
                 \"rates\":{{\"cps\":5000000005,\"inpps\":5000000006,\"outpps\":5000000007,\
                 \"inbps\":5000000008,\"outbps\":5000000009}},\
                 \"destinations\":[\
                 {{\"family\":\"inet\",\"address\":\"192.168.10.1\",\"port\":8080,\"forward\":\"masq\",\
                 \"weight\":3,\"u_threshold\":100,\"l_threshold\":10,\"active_conns\":4,\
                 \"inactive_conns\":5,\"persist_conns\":6,\"tunnel\":null,\
                 \"stats\":{{\"conns\":10,\"inpkts\":11,\"outpkts\":12,\"inbytes\":13,\"outbytes\":14}},\
                 \"rates\":{{\"cps\":15,\"inpps\":16,\"outpps\":17,\"inbps\":18,\"outbps\":19}}}},\
                 {{\"family\":\"inet6\",\"address\":\"2001:db8::2\",\"port\":80,\"forward\":\"tunnel\",{plain},\
                 \"tunnel\":{{\"type\":\"gue\",\"port\":6080,\"csum\":\"csum\"}},{zeros}}},\
                 {{\"family\":\"inet\",\"address\":\"10.0.0.12\",\"port\":80,\"forward\":\"tunnel\",{plain},\
                 \"tunnel\":{{\"type\":\"gre\",\"port\":0,\"csum\":\"remcsum\"}},{zeros}}},\
                 {{\"family\":\"inet\",\"address\":\"10.0.0.1\",\"port\":80,\"forward\":\"local\",{plain},\
                 \"tunnel\":null,{zeros}}},\
                 {{\"family\":\"inet\",\"address\":\"10.0.0.11\",\"port\":80,\"forward\":\"route\",{plain},\
                 \"tunnel\":null,{zeros}}}\
                 ]}}]}}\n"
            )
        );
    }

    #[test]
    fn fwmark_and_ipv6_services() {
        let mut fwm = Service::new(ServiceKey::Fwmark {
            mark: u32::MAX,
            family: Family::Inet6,
        });
        fwm.scheduler = "rr".into();
        fwm.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET;
        fwm.timeout = 60;
        fwm.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        let mut ipip = Destination::new("2001:db8::3".parse().unwrap(), 0);
        ipip.forward = ForwardMethod::Tunnel;
        let udp = Service::new(ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "::ffff:10.0.0.1".parse().unwrap(),
            port: 53,
        });
        let mut odd = Service::new(ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "10.0.0.2".parse().unwrap(),
            port: 5000,
        });
        odd.netmask = Netmask::V4(Ipv4Addr::from(0xff00_ff00u32));
        let doc =
            text(|o| write_services(o, &INFO, &[(fwm, vec![ipip]), (udp, vec![]), (odd, vec![])]));
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let s = &v["services"];
        assert_eq!(s[0]["family"], "inet6");
        assert_eq!(s[0]["fwmark"], 4294967295u32);
        assert_eq!(s[0]["protocol"], serde_json::Value::Null);
        assert_eq!(s[0]["address"], serde_json::Value::Null);
        assert_eq!(s[0]["port"], serde_json::Value::Null);
        assert_eq!(s[0]["netmask"], "ffff:ffff:ffff:ffff::");
        assert_eq!(s[0]["prefix_len"], 64);
        assert_eq!(s[0]["one_packet"], true);
        // The kernel's number, HASHED (0x2) included as the kernel reports it.
        assert_eq!(s[0]["flags"], 7);
        assert!(doc.contains("\"tunnel\":{\"type\":\"ipip\",\"port\":0,\"csum\":\"none\"}"));
        assert_eq!(s[1]["protocol"], "udp");
        // glibc's text, as the text views print it
        assert_eq!(s[1]["address"], "::ffff:10.0.0.1");
        assert_eq!(s[1]["persistent"], false);
        assert_eq!(s[1]["netmask"], "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert_eq!(s[1]["prefix_len"], 128);
        assert_eq!(s[1]["pe"], serde_json::Value::Null);
        assert_eq!(s[1]["sched_flags"].to_string(), "[]");
        assert_eq!(s[2]["protocol"], "sctp");
        assert_eq!(s[2]["netmask"], "255.0.255.0");
        assert_eq!(s[2]["prefix_len"], serde_json::Value::Null);
        assert!(doc.ends_with("}\n") && doc.lines().count() == 1);
    }

    #[test]
    fn timeouts_and_daemons() {
        let t = Timeouts::new(900, 120, 300);
        assert_eq!(
            text(|o| write_timeouts(o, &t)),
            "{\"version\":1,\"timeouts\":{\"tcp\":900,\"tcp_fin\":120,\"udp\":300}}\n"
        );
        let master = {
            let mut v = Daemon::new(DaemonState::Master, "eth0");
            v.syncid = 3;
            v.sync_maxlen = 1472;
            v.mcast_group = Some("224.0.0.81".parse().unwrap());
            v.mcast_port = 8848;
            v.mcast_ttl = 1;
            v
        };
        let backup = Daemon::new(DaemonState::Backup, "eth1");
        assert_eq!(
            text(|o| write_daemons(o, &[master, backup])),
            "{\"version\":1,\"daemons\":[\
             {\"state\":\"master\",\"mcast_interface\":\"eth0\",\"syncid\":3,\"sync_maxlen\":1472,\
             \"mcast_group\":\"224.0.0.81\",\"mcast_port\":8848,\"mcast_ttl\":1},\
             {\"state\":\"backup\",\"mcast_interface\":\"eth1\",\"syncid\":0,\"sync_maxlen\":0,\
             \"mcast_group\":null,\"mcast_port\":0,\"mcast_ttl\":0}]}\n"
        );
        assert_eq!(
            text(|o| write_daemons(o, &[])),
            "{\"version\":1,\"daemons\":[]}\n"
        );
    }

    const HEADER: &str =
        "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    fn conns(content: &[u8]) -> Result<String, ConnError> {
        let mut v = Vec::new();
        write_connections(&mut v, content)?;
        Ok(String::from_utf8(v).unwrap())
    }

    #[test]
    fn connections() {
        let proc = format!(
            "{HEADER}TCP C0A80A05 D431 0A000006 0050 C0A80001 0050 ESTABLISHED     899\n\
             UDP 2001:0db8:0000:0000:0000:0000:0000:0005 13C4 2001:0db8:0000:0000:0000:0000:0000:0001 13C4 \
             2001:0db8:0000:0000:0000:0000:0000:0002 13C4 UDP          6000 sip \"abc@host\"\n"
        );
        assert_eq!(
            conns(proc.as_bytes()).unwrap(),
            "{\"version\":1,\"connections\":[\
             {\"protocol\":\"tcp\",\"client_address\":\"192.168.10.5\",\"client_port\":54321,\
             \"virtual_address\":\"10.0.0.6\",\"virtual_port\":80,\"dest_address\":\"192.168.0.1\",\
             \"dest_port\":80,\"state\":\"ESTABLISHED\",\"expires\":899,\"pe_name\":null,\"pe_data\":null},\
             {\"protocol\":\"udp\",\"client_address\":\"2001:db8::5\",\"client_port\":5060,\
             \"virtual_address\":\"2001:db8::1\",\"virtual_port\":5060,\"dest_address\":\"2001:db8::2\",\
             \"dest_port\":5060,\"state\":\"UDP\",\"expires\":6000,\"pe_name\":\"sip\",\
             \"pe_data\":\"\\\"abc@host\\\"\"}]}\n"
        );
        assert_eq!(
            conns(HEADER.as_bytes()).unwrap(),
            "{\"version\":1,\"connections\":[]}\n"
        );
    }

    /// Engine data that is not UTF-8 (a client's Call-ID, as the 6.1
    /// kernel wrote it): replaced characters in `pe_data`, the bytes in
    /// `pe_data_hex`.
    #[test]
    fn call_id_bytes_in_hex() {
        let mut proc = HEADER.as_bytes().to_vec();
        proc.extend_from_slice(
            b"UDP 0A000064 0000 0A000001 13C4 C0A80A01 13C4 NONE             53 sip ab\xff\xfe@x\n",
        );
        assert_eq!(
            conns(&proc).unwrap(),
            "{\"version\":1,\"connections\":[\
             {\"protocol\":\"udp\",\"client_address\":\"10.0.0.100\",\"client_port\":0,\
             \"virtual_address\":\"10.0.0.1\",\"virtual_port\":5060,\"dest_address\":\"192.168.10.1\",\
             \"dest_port\":5060,\"state\":\"NONE\",\"expires\":53,\"pe_name\":\"sip\",\
             \"pe_data\":\"ab\u{fffd}\u{fffd}@x\",\"pe_data_hex\":\"6162fffe4078\"}]}\n"
        );
        assert_eq!(hex(b"\x00\x0f\x10\xff"), "000f10ff");
    }

    #[test]
    fn connection_errors() {
        assert!(matches!(conns(b""), Err(ConnError::Empty)));
        // An unreadable row stops the document where it is: never closed,
        // so never taken for a whole one.
        let bad = format!(
            "{HEADER}TCP C0A80A05 D431 0A000006 0050 C0A80001 0050 ESTABLISHED     899\n\n"
        );
        let mut v = Vec::new();
        assert!(matches!(
            write_connections(&mut v, bad.as_bytes()),
            Err(ConnError::BadRow)
        ));
        let begun = String::from_utf8(v).unwrap();
        assert!(begun.starts_with("{\"version\":1,\"connections\":[{\"protocol\":\"tcp\""));
        assert!(begun.ends_with("\"pe_data\":null}"));
        assert!(serde_json::from_str::<serde_json::Value>(&begun).is_err());
    }
}
