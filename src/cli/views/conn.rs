//! `ipvsadm -L -c`: the connection table, read from the text of
//! `/proc/net/ip_vs_conn` (never netlink).
//!
//! A pure function of the file's content, so it is tested without a
//! kernel. 1.31 reads the file in 256-byte pieces and turns long rows
//! (long persistence-engine data) into garbage rows (D10); we take whole
//! lines. Each address is read on its own (1.31 takes the family of the
//! first one for all three, which garbles mixed-family rows).

use std::fmt;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::model::Protocol;

use super::names::{Resolver, addr_port};

/// Where the table comes from.
pub const PROC_PATH: &str = "/proc/net/ip_vs_conn";

/// Why the table could not be written. The executor exits 1 in each case,
/// printing [`ConnError::message`] (if any) to stderr first.
#[derive(Debug)]
pub enum ConnError {
    /// The file is empty (not even its header line).
    Empty,
    /// A row that is blank or that cannot be read (1.31 stops silently).
    BadRow,
    /// Writing the output failed.
    Io(io::Error),
}

impl ConnError {
    /// The stderr message for this error, if ipvsadm prints one.
    pub fn message(&self) -> Option<String> {
        match self {
            ConnError::Empty => Some(format!("unexpected input from {PROC_PATH}")),
            ConnError::BadRow | ConnError::Io(_) => None,
        }
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::Empty => write!(f, "unexpected input from {PROC_PATH}"),
            ConnError::BadRow => write!(f, "unreadable row in {PROC_PATH}"),
            ConnError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConnError {}

impl From<io::Error> for ConnError {
    fn from(e: io::Error) -> Self {
        ConnError::Io(e)
    }
}

/// The message when the proc file cannot be opened (exit 1).
pub fn open_error_message() -> String {
    format!("cannot open file {PROC_PATH}")
}

/// One row of the proc file (the text and the JSON view read the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row<'a> {
    pub protocol: &'a str,
    pub client: (IpAddr, u16),
    pub virt: (IpAddr, u16),
    pub dest: (IpAddr, u16),
    pub state: &'a str,
    /// Seconds left.
    pub expires: u32,
    /// Persistence engine name and data, when the row has them.
    pub pe: Option<(&'a str, &'a str)>,
}

/// An address as the kernel writes it there: IPv6 uncompressed with
/// colons, IPv4 as 8 hex digits (a dotted quad is accepted too).
fn parse_addr(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(a));
    }
    u32::from_str_radix(s, 16)
        .ok()
        .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
}

fn parse_row(line: &str) -> Option<Row<'_>> {
    let f: Vec<&str> = line.split_ascii_whitespace().collect();
    if f.len() < 9 {
        return None;
    }
    let port = |s: &str| u16::from_str_radix(s, 16).ok();
    Some(Row {
        protocol: f[0],
        client: (parse_addr(f[1])?, port(f[2])?),
        virt: (parse_addr(f[3])?, port(f[4])?),
        dest: (parse_addr(f[5])?, port(f[6])?),
        state: f[7],
        expires: f[8].parse().ok()?,
        pe: (f.len() >= 11).then(|| (f[9], f[10])),
    })
}

/// Every row of the proc file's `content`, all or nothing (the JSON view's
/// reading; the text view writes rows as it reads them, as 1.31 does).
pub(super) fn rows(content: &str) -> Result<Vec<Row<'_>>, ConnError> {
    let mut lines = content.lines();
    if lines.next().is_none() {
        return Err(ConnError::Empty);
    }
    lines
        .map(|l| parse_row(l).ok_or(ConnError::BadRow))
        .collect()
}

/// Writes the connection table for the proc file's `content`:
/// `persistent` is `--persistent-conn`, `numeric` is `-n`. Rows written
/// before an error stay written, as in 1.31.
pub fn write_connections(
    out: &mut impl Write,
    content: &str,
    persistent: bool,
    numeric: bool,
    resolver: &dyn Resolver,
) -> Result<(), ConnError> {
    let mut lines = content.lines();
    // The proc header line is skipped; without it the file is "empty".
    if lines.next().is_none() {
        return Err(ConnError::Empty);
    }
    writeln!(out, "IPVS connection entries")?;
    if persistent {
        writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} {:<18} {:<16} pe_data",
            "state", "source", "virtual", "destination", "pe name"
        )?;
    } else {
        writeln!(
            out,
            "pro expire {:<11} {:<18} {:<18} destination",
            "state", "source", "virtual"
        )?;
    }
    for line in lines {
        let row = parse_row(line).ok_or(ConnError::BadRow)?;
        let protocol = match row.protocol {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        };
        let name = |(addr, port): (IpAddr, u16)| addr_port(addr, port, protocol, numeric, resolver);
        let expire = format!("{:02}:{:02}", row.expires / 60, row.expires % 60);
        let (c, v, d) = (name(row.client), name(row.virt), name(row.dest));
        match row.pe {
            // 1.31's row widths here (16/18) differ from its header's (18/16): D12.
            Some((pe_name, pe_data)) if persistent => writeln!(
                out,
                "{:<3} {expire:<6} {:<11} {c:<18} {v:<18} {d:<16} {pe_name:<18} {pe_data}",
                row.protocol, row.state
            )?,
            _ => writeln!(
                out,
                "{:<3} {expire:<6} {:<11} {c:<18} {v:<18} {d}",
                row.protocol, row.state
            )?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::names::{FakeResolver, NoNames};
    use pretty_assertions::assert_eq;

    const HEADER: &str =
        "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

    fn table(content: &str, persistent: bool) -> Result<String, ConnError> {
        let mut v = Vec::new();
        write_connections(&mut v, content, persistent, true, &NoNames)?;
        Ok(String::from_utf8(v).unwrap())
    }

    #[test]
    fn facts_file_example() {
        let proc =
            format!("{HEADER}TCP C0A80A05 D431 0A000006 0050 C0A80001 0050 ESTABLISHED     899\n");
        assert_eq!(
            table(&proc, false).unwrap(),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination\n\
             TCP 14:59  ESTABLISHED 192.168.10.5:54321 10.0.0.6:80        192.168.0.1:80\n"
        );
    }

    #[test]
    fn persistent_columns_and_pe_rows() {
        let proc = format!(
            "{HEADER}UDP 0A000005 13C4 0A000006 13C4 C0A80001 13C4 UDP          6000 sip abc@host\n\
             TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE        7\n\
             SCTP 0A000005 0400 0A000006 0050 C0A80001 0050 ESTABLISHED 60\n"
        );
        assert_eq!(
            table(&proc, true).unwrap(),
            "IPVS connection entries\n\
             pro expire state       source             virtual            destination        pe name          pe_data\n\
             UDP 100:00 UDP         10.0.0.5:5060      10.0.0.6:5060      192.168.0.1:5060 sip                abc@host\n\
             TCP 00:07  NONE        10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80\n\
             SCTP 01:00  ESTABLISHED 10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80\n"
        );
        // without --persistent-conn the PE fields are not shown
        assert_eq!(
            table(&proc, false).unwrap().lines().nth(2).unwrap(),
            "UDP 100:00 UDP         10.0.0.5:5060      10.0.0.6:5060      192.168.0.1:5060"
        );
    }

    #[test]
    fn ipv6_rows_and_long_pe_data() {
        let long = "x".repeat(300);
        let proc = format!(
            "{HEADER}TCP 2001:0db8:0000:0000:0000:0000:0000:0005 0400 2001:0db8:0000:0000:0000:0000:0000:0001 0050 fe80:0000:0000:0000:0000:0000:0000:0001 0050 SYN_RECV     59 sip {long}\n"
        );
        assert_eq!(
            table(&proc, true).unwrap().lines().nth(2).unwrap(),
            format!(
                "TCP 00:59  SYN_RECV    [2001:db8::5]:1024 [2001:db8::1]:80   [fe80::1]:80     sip                {long}"
            )
        );
    }

    #[test]
    fn names_use_the_rows_protocol() {
        let r = FakeResolver::default()
            .host("10.0.0.6", "vip.example")
            .service(80, Protocol::Tcp, "http");
        let proc = format!(
            "{HEADER}TCP 0A000005 0400 0A000006 0050 C0A80001 0050 ESTABLISHED 1\n\
             ICMP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE        1\n"
        );
        let mut v = Vec::new();
        write_connections(&mut v, &proc, false, false, &r).unwrap();
        let text = String::from_utf8(v).unwrap();
        let rows: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "TCP 00:01  ESTABLISHED 10.0.0.5:1024      vip.example:http   192.168.0.1:http",
                "ICMP 00:01  NONE        10.0.0.5:1024      vip.example:80     192.168.0.1:80",
            ]
        );
    }

    #[test]
    fn empty_file_and_bad_rows() {
        assert!(matches!(table("", false), Err(ConnError::Empty)));
        assert_eq!(
            ConnError::Empty.message().as_deref(),
            Some("unexpected input from /proc/net/ip_vs_conn")
        );
        assert_eq!(
            table(HEADER, false).unwrap(),
            "IPVS connection entries\npro expire state       source             virtual            destination\n"
        );
        let blank = format!("{HEADER}\n");
        assert!(matches!(table(&blank, false), Err(ConnError::BadRow)));
        assert_eq!(ConnError::BadRow.message(), None);
        let garbage = format!("{HEADER}TCP zz 0400 0A000006 0050 C0A80001 0050 NONE 1\n");
        assert!(matches!(table(&garbage, false), Err(ConnError::BadRow)));
    }
}
