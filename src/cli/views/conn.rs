//! `ipvsadm -L -c`: the connection table, read from `/proc/net/ip_vs_conn`
//! (never netlink).
//!
//! The file is read as bytes, one line at a time, and each row is written
//! as soon as it is read, as 1.31 does: a director can hold millions of
//! connections, so the table is never held whole, and rows written before
//! an error stay written. The bytes are not text: the SIP persistence
//! engine's data column is a Call-ID copied from a client's packet, so
//! any byte above 127 can be there; the text view prints it back as it
//! came, as 1.31 does. How a row is read is in [`scan`].
//!
//! 1.31 reads the file in 255-byte pieces and turns the rest of a longer
//! row (a long Call-ID) into garbage rows, or crashes (D10). Rows are
//! taken whole here, up to [`LINE_MAX`] bytes, far beyond the longest
//! row the kernel writes (under 400 bytes), so that a file that is not
//! the kernel's cannot make memory grow without bound.

pub mod scan;

use std::fmt;
use std::io::{self, BufRead, Write};
use std::net::IpAddr;

use ipvs::model::Protocol;

use super::names::{Resolver, addr_port};
pub use scan::Row;

/// Where the table comes from.
pub const PROC_PATH: &str = "/proc/net/ip_vs_conn";

/// The bytes of a line kept; the rest of a longer line is read and
/// dropped.
pub const LINE_MAX: usize = 64 * 1024;

/// Why the table could not be written in full. The executor exits 1 for
/// each but [`ConnError::Io`], printing [`ConnError::message`] (if any)
/// to stderr first.
#[derive(Debug)]
pub enum ConnError {
    /// The file is empty (not even its header line) or its first read
    /// failed.
    Empty,
    /// A row that is blank or that cannot be read (1.31 stops silently).
    BadRow,
    /// Reading a row failed.
    Read(io::Error),
    /// Writing the output failed.
    Io(io::Error),
}

impl ConnError {
    /// The stderr message for this error, if one is printed.
    pub fn message(&self) -> Option<String> {
        match self {
            ConnError::Empty => Some(format!("unexpected input from {PROC_PATH}")),
            ConnError::Read(e) => {
                let reason = e
                    .raw_os_error()
                    .map_or_else(|| e.to_string(), crate::cli::kernel_errors::strerror);
                Some(format!("cannot read file {PROC_PATH}: {reason}"))
            }
            ConnError::BadRow | ConnError::Io(_) => None,
        }
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::Empty => write!(f, "unexpected input from {PROC_PATH}"),
            ConnError::BadRow => write!(f, "unreadable row in {PROC_PATH}"),
            ConnError::Read(e) => write!(f, "reading {PROC_PATH}: {e}"),
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

/// Reads the next line of `input` into `line` (cleared first), newline
/// included, keeping at most [`LINE_MAX`] bytes. `false` at the end of
/// the input.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let mut read_any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let (piece, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let room = LINE_MAX.saturating_sub(line.len());
        line.extend_from_slice(&piece[..piece.len().min(room)]);
        let used = piece.len();
        input.consume(used);
        if done {
            return Ok(true);
        }
    }
}

/// The proc file, row by row, holding one line at a time.
pub(super) struct Table<R> {
    input: R,
    line: Vec<u8>,
}

impl<R: BufRead> Table<R> {
    /// Reads the header line, which is skipped; without one (or when the
    /// first read fails, as 1.31 cannot tell the two apart) the file is
    /// "empty".
    pub fn open(mut input: R) -> Result<Self, ConnError> {
        let mut line = Vec::new();
        match read_line(&mut input, &mut line) {
            Ok(true) => Ok(Table { input, line }),
            Ok(false) | Err(_) => Err(ConnError::Empty),
        }
    }

    /// The next row; `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, ConnError> {
        if !read_line(&mut self.input, &mut self.line).map_err(ConnError::Read)? {
            return Ok(None);
        }
        scan::row(&self.line).map(Some).ok_or(ConnError::BadRow)
    }
}

/// Writes the connection table read from `input` (the proc file):
/// `persistent` is `--persistent-conn`, `numeric` is `-n`. Rows written
/// before an error stay written, as in 1.31.
pub fn write_connections(
    out: &mut impl Write,
    input: impl BufRead,
    persistent: bool,
    numeric: bool,
    resolver: &dyn Resolver,
) -> Result<(), ConnError> {
    let mut table = Table::open(input)?;
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
    let mut text = Vec::with_capacity(256);
    while let Some(row) = table.next_row()? {
        text.clear();
        format_row(&mut text, &row, persistent, numeric, resolver);
        out.write_all(&text)?;
    }
    Ok(())
}

/// Appends `field` left-aligned in `width` bytes, as C's `%-Ns` (which
/// counts bytes, not characters).
fn padded(line: &mut Vec<u8>, field: &[u8], width: usize) {
    line.extend_from_slice(field);
    line.resize(line.len() + width.saturating_sub(field.len()), b' ');
}

/// One row of the text view, newline included.
fn format_row(
    line: &mut Vec<u8>,
    row: &Row<'_>,
    persistent: bool,
    numeric: bool,
    resolver: &dyn Resolver,
) {
    let protocol = match row.protocol {
        b"TCP" => Some(Protocol::Tcp),
        b"UDP" => Some(Protocol::Udp),
        b"SCTP" => Some(Protocol::Sctp),
        _ => None,
    };
    let name = |(addr, port): (IpAddr, u16)| addr_port(addr, port, protocol, numeric, resolver);
    let expire = format!("{:02}:{:02}", row.expires / 60, row.expires % 60);
    let (c, v, d) = (name(row.client), name(row.virt), name(row.dest));
    padded(line, row.protocol, 3);
    line.push(b' ');
    padded(line, expire.as_bytes(), 6);
    line.push(b' ');
    padded(line, row.state, 11);
    line.push(b' ');
    padded(line, c.as_bytes(), 18);
    line.push(b' ');
    padded(line, v.as_bytes(), 18);
    line.push(b' ');
    match row.pe {
        // 1.31's row widths here (16/18) differ from its header's (18/16);
        // reproduced.
        Some((pe_name, pe_data)) if persistent => {
            padded(line, d.as_bytes(), 16);
            line.push(b' ');
            padded(line, pe_name, 18);
            line.push(b' ');
            line.extend_from_slice(pe_data);
        }
        _ => line.extend_from_slice(d.as_bytes()),
    }
    line.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::names::{FakeResolver, NoNames};
    use pretty_assertions::assert_eq;
    use std::cell::Cell;
    use std::rc::Rc;

    const HEADER: &str =
        "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";
    const TITLES: &str = "IPVS connection entries\n\
        pro expire state       source             virtual            destination\n";
    const TITLES_P: &str = "IPVS connection entries\n\
        pro expire state       source             virtual            destination        pe name          pe_data\n";

    fn bytes(content: &[u8], persistent: bool) -> Result<Vec<u8>, ConnError> {
        let mut v = Vec::new();
        write_connections(&mut v, content, persistent, true, &NoNames)?;
        Ok(v)
    }

    fn table(content: &str, persistent: bool) -> Result<String, ConnError> {
        bytes(content.as_bytes(), persistent).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn facts_file_example() {
        let proc =
            format!("{HEADER}TCP C0A80A05 D431 0A000006 0050 C0A80001 0050 ESTABLISHED     899\n");
        assert_eq!(
            table(&proc, false).unwrap(),
            format!(
                "{TITLES}TCP 14:59  ESTABLISHED 192.168.10.5:54321 10.0.0.6:80        192.168.0.1:80\n"
            )
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
            format!(
                "{TITLES_P}\
                 UDP 100:00 UDP         10.0.0.5:5060      10.0.0.6:5060      192.168.0.1:5060 sip                abc@host\n\
                 TCP 00:07  NONE        10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80\n\
                 SCTP 01:00  ESTABLISHED 10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80\n"
            )
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
        write_connections(&mut v, proc.as_bytes(), false, false, &r).unwrap();
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

    /// A Call-ID with bytes that are not UTF-8 is printed back as it came
    /// (what 1.31 printed on the 6.1 kernel for this very line).
    #[test]
    fn call_id_bytes_printed_as_they_came() {
        let mut proc = HEADER.as_bytes().to_vec();
        proc.extend_from_slice(
            b"UDP 0A000064 0000 0A000001 13C4 C0A80A01 13C4 NONE             53 sip ab\xff\xfe@x\n\
              UDP 0A000064 949C 0A000001 13C4 C0A80A02 13C4 UDP             295\n",
        );
        let mut want = TITLES_P.as_bytes().to_vec();
        want.extend_from_slice(
            b"UDP 00:53  NONE        10.0.0.100:0       10.0.0.1:5060      192.168.10.1:5060 sip                ab\xff\xfe@x\n\
              UDP 04:55  UDP         10.0.0.100:38044   10.0.0.1:5060      192.168.10.2:5060\n",
        );
        assert_eq!(bytes(&proc, true).unwrap(), want);
        let plain = bytes(&proc, false).unwrap();
        assert!(plain.ends_with(b"10.0.0.1:5060      192.168.10.1:5060\nUDP 04:55  UDP         10.0.0.100:38044   10.0.0.1:5060      192.168.10.2:5060\n"));
        // a byte above 127 pads like any other (C counts bytes)
        let proc =
            format!("{HEADER}T\u{e9} 0A000064 0000 0A000001 13C4 C0A80A01 13C4 \u{e9}t\u{e9} 1\n");
        assert_eq!(
            table(&proc, false).unwrap().lines().nth(2).unwrap(),
            "T\u{e9} 00:01  \u{e9}t\u{e9}       10.0.0.100:0       10.0.0.1:5060      192.168.10.1:5060"
        );
    }

    #[test]
    fn empty_file_and_bad_rows() {
        assert!(matches!(table("", false), Err(ConnError::Empty)));
        assert_eq!(
            ConnError::Empty.message().as_deref(),
            Some("unexpected input from /proc/net/ip_vs_conn")
        );
        assert_eq!(table(HEADER, false).unwrap(), TITLES);
        // a header without its newline is still the header
        assert_eq!(table(HEADER.trim_end(), true).unwrap(), TITLES_P);
        let blank = format!("{HEADER}\n");
        assert!(matches!(table(&blank, false), Err(ConnError::BadRow)));
        assert_eq!(ConnError::BadRow.message(), None);
        let garbage = format!("{HEADER}TCP zz 0400 0A000006 0050 C0A80001 0050 NONE\n");
        assert!(matches!(table(&garbage, false), Err(ConnError::BadRow)));
    }

    /// Rows before a bad one stay written; the last line needs no newline.
    #[test]
    fn truncated_lines() {
        let row = "TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE        7";
        let shown = "TCP 00:07  NONE        10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80\n";
        assert_eq!(
            table(&format!("{HEADER}{row}"), false).unwrap(),
            format!("{TITLES}{shown}")
        );
        let mut v = Vec::new();
        let cut = format!("{HEADER}{row}\n{row}\nTCP 0A000005 0400 0A0000");
        let err = write_connections(&mut v, cut.as_bytes(), false, true, &NoNames);
        assert!(matches!(err, Err(ConnError::BadRow)));
        assert_eq!(
            String::from_utf8(v).unwrap(),
            format!("{TITLES}{shown}{shown}")
        );
    }

    /// A line longer than any the kernel writes is kept up to LINE_MAX
    /// bytes (its data cut there) and the next line is read as usual.
    #[test]
    fn huge_line() {
        let row = "TCP 0A000005 0400 0A000006 0050 C0A80001 0050 NONE        7 sip ";
        let data = "y".repeat(3 * LINE_MAX);
        let proc = format!("{HEADER}{row}{data} more words\n{row}z\n");
        let text = table(&proc, true).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        let prefix = "TCP 00:07  NONE        10.0.0.5:1024      10.0.0.6:80        192.168.0.1:80   sip                ";
        assert_eq!(
            lines[2],
            format!("{prefix}{}", &data[..LINE_MAX - row.len()])
        );
        assert_eq!(lines[3], format!("{prefix}z"));
    }

    #[test]
    fn read_errors() {
        /// Gives its bytes, then fails.
        struct Failing(&'static [u8]);
        impl io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::from_raw_os_error(libc::EIO));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut v = Vec::new();
        let first = write_connections(
            &mut v,
            io::BufReader::new(Failing(b"")),
            false,
            true,
            &NoNames,
        );
        assert!(matches!(first, Err(ConnError::Empty)));
        assert!(v.is_empty());
        let later = write_connections(
            &mut v,
            io::BufReader::new(Failing(HEADER.as_bytes())),
            false,
            true,
            &NoNames,
        );
        let err = later.unwrap_err();
        assert_eq!(
            err.message().as_deref(),
            Some("cannot read file /proc/net/ip_vs_conn: Input/output error")
        );
        assert_eq!(String::from_utf8(v).unwrap(), TITLES);
    }

    /// The table is written as it is read: 100,000 rows go through and
    /// no row is read before every earlier one was written.
    #[test]
    fn streams_a_large_table() {
        const ROWS: usize = 100_000;
        /// Makes the proc file row by row and checks, before each row,
        /// that every earlier row has been written.
        struct Rows {
            next: usize,
            pending: Vec<u8>,
            written: Rc<Cell<usize>>,
        }
        impl io::Read for Rows {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.pending.is_empty() {
                    if self.next > ROWS {
                        return Ok(0);
                    }
                    if self.next == 0 {
                        self.pending.extend_from_slice(HEADER.as_bytes());
                    } else {
                        // rows written: all but the one being read
                        assert!(self.written.get() + 1 >= self.next, "{}", self.next);
                        let port = self.next % 65536;
                        self.pending.extend_from_slice(
                            format!("TCP 0A000005 {port:04X} 0A000006 0050 C0A80001 0050 NONE 7\n")
                                .as_bytes(),
                        );
                    }
                    self.next += 1;
                }
                let n = self.pending.len().min(buf.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                Ok(n)
            }
        }
        /// Counts the rows written (the two title lines are not rows).
        struct Count(Rc<Cell<usize>>, usize);
        impl Write for Count {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1 += buf.iter().filter(|&&b| b == b'\n').count();
                self.0.set(self.1.saturating_sub(2));
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let written = Rc::new(Cell::new(0));
        let input = Rows {
            next: 0,
            pending: Vec::new(),
            written: Rc::clone(&written),
        };
        // a small buffer, so that reads and rows interleave closely
        let input = io::BufReader::with_capacity(64, input);
        let mut out = Count(Rc::clone(&written), 0);
        write_connections(&mut out, input, false, true, &NoNames).unwrap();
        assert_eq!(written.get(), ROWS);
    }
}
