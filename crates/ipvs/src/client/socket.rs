//! The netlink socket itself: a raw `AF_NETLINK`/`NETLINK_GENERIC` socket
//! with our own framing, so that many requests can share one `sendmsg` and
//! many replies one `recvmmsg`.
//!
//! Why not `neli`'s socket handle: it serialises and parses through owned
//! buffers per message and reads one datagram per system call. A restore of
//! 20,000 lines is 20,000 acks, each its own datagram; reading them 64 or
//! 256 at a time is most of what makes `-R` fast. The byte layout needed
//! here is tiny (a 16-byte header, an errno) and checked on every read.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use crate::sys;

/// `sizeof(struct nlmsghdr)`.
pub const HDR_LEN: usize = 16;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
/// Message types below this are netlink's own, not a family's.
pub const NLMSG_MIN_TYPE: u16 = 0x10;

pub const F_REQUEST: u16 = 0x1;
pub const F_ACK: u16 = 0x4;
pub const F_DUMP: u16 = 0x300;

/// Netlink messages are padded to 4 bytes.
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}

/// One message read from a datagram: the header fields we use and the
/// payload after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg<'a> {
    pub kind: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

impl Msg<'_> {
    /// For `NLMSG_ERROR` and `NLMSG_DONE`: the (negative or zero) error
    /// code at the start of the payload.
    pub fn code(&self) -> Option<i32> {
        let b = self.payload.get(..4)?;
        Some(i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Splits a datagram into messages. A header that does not fit ends the
/// walk with `Err`, never a panic. An `NLMSG_ERROR` cut short by a small
/// receive slot still yields its header and error code.
pub fn messages(mut buf: &[u8]) -> impl Iterator<Item = Result<Msg<'_>, String>> {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        let Some(h) = buf.get(..HDR_LEN) else {
            let n = buf.len();
            buf = &[];
            return Some(Err(format!("{n} trailing bytes, no netlink header")));
        };
        let len = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let kind = u16::from_ne_bytes([h[4], h[5]]);
        let seq = u32::from_ne_bytes([h[8], h[9], h[10], h[11]]);
        let end = if len > buf.len() && kind == NLMSG_ERROR && buf.len() >= HDR_LEN + 4 {
            buf.len()
        } else {
            len
        };
        if end < HDR_LEN || end > buf.len() {
            buf = &[];
            return Some(Err(format!("netlink message length {len}")));
        }
        let msg = Msg {
            kind,
            seq,
            payload: &buf[HDR_LEN..end],
        };
        buf = buf.get(align(end).min(buf.len())..).unwrap_or(&[]);
        Some(Ok(msg))
    })
}

/// Appends one netlink message (header, then `parts` back to back) to `out`.
pub fn frame(out: &mut Vec<u8>, kind: u16, flags: u16, seq: u32, parts: &[&[u8]]) {
    let len = HDR_LEN + parts.iter().map(|p| p.len()).sum::<usize>();
    out.extend_from_slice(&(len as u32).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    // Port id 0: the kernel fills in ours.
    out.extend_from_slice(&0u32.to_ne_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
    out.resize(align(out.len()), 0);
}

/// Datagrams read by one `recv`, each a slice of the socket's buffer.
pub struct Received<'a> {
    buf: &'a [u8],
    slot: usize,
    lens: &'a [usize],
    cut: bool,
}

impl<'a> Received<'a> {
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    /// Whether a datagram was longer than its slot and so was cut.
    pub fn cut(&self) -> bool {
        self.cut
    }

    pub fn datagrams(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let (buf, slot) = (self.buf, self.slot);
        self.lens
            .iter()
            .enumerate()
            .map(move |(i, &n)| &buf[i * slot..i * slot + n.min(slot)])
    }
}

/// A generic-netlink socket with reusable send and receive buffers.
pub struct Socket {
    fd: OwnedFd,
    rx: Vec<u8>,
    lens: Vec<usize>,
}

/// Room for one dump datagram: the kernel sizes dump replies to the
/// reader's buffer, up to 32 KiB, so a 32 KiB slot takes the largest.
pub const DUMP_SLOT: usize = 32 * 1024;

impl Socket {
    /// `socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)`. No `bind`: the
    /// kernel binds an unused socket on its first send.
    pub fn open() -> io::Result<Socket> {
        Ok(Socket {
            fd: sys::netlink_generic_socket()?,
            rx: Vec::new(),
            lens: Vec::new(),
        })
    }

    /// Sends `buf` (one or more framed messages) to the kernel in one
    /// datagram.
    pub fn send(&self, buf: &[u8]) -> io::Result<()> {
        loop {
            match sys::send_to_kernel(self.fd.as_fd(), buf) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => return result,
            }
        }
    }

    /// Reads up to `slots` datagrams of at most `slot` bytes each with one
    /// `recvmmsg`. Blocks for the first unless `nonblock`, never for the
    /// others (`MSG_WAITFORONE`). A datagram longer than its slot is cut
    /// (`messages` still reads an error code from a cut ack).
    pub fn recv(&mut self, slot: usize, slots: usize, nonblock: bool) -> io::Result<Received<'_>> {
        let slots = slots.max(1);
        if self.rx.len() < slot * slots {
            // A fresh zeroed allocation (calloc: untouched pages for large
            // sizes) rather than `resize`, which would write every byte.
            self.rx = vec![0; slot * slots];
        }
        let flags = libc::MSG_WAITFORONE | if nonblock { libc::MSG_DONTWAIT } else { 0 };
        let cut = loop {
            let buf = &mut self.rx[..slot * slots];
            match sys::recvmmsg(self.fd.as_fd(), buf, slot, flags, &mut self.lens) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => break result?,
            }
        };
        Ok(Received {
            buf: &self.rx,
            slot,
            lens: &self.lens,
            cut,
        })
    }

    /// Raises a socket buffer (`SO_RCVBUF`/`SO_SNDBUF`) towards `want`
    /// bytes: the `FORCE` variant where allowed (CAP_NET_ADMIN, which IPVS
    /// changes need anyway), else as far as `net.core.*mem_max` lets us.
    /// Returns the size the kernel now uses (it doubles what it is given).
    pub fn grow_buffer(&self, receive: bool, want: usize) -> usize {
        let want = want.min(i32::MAX as usize / 2);
        let fd = self.fd.as_fd();
        if sys::set_buffer(fd, receive, true, want).is_err() {
            let _ = sys::set_buffer(fd, receive, false, want);
        }
        sys::buffer_size(fd, receive).unwrap_or(0)
    }

    /// `NETLINK_CAP_ACK`: error acks carry only the request's header, not
    /// the whole request. Best effort (kernels before 4.3 lack it).
    pub fn cap_acks(&self) {
        let _ = sys::cap_acks(self.fd.as_fd());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_and_split_round_trip() {
        let mut buf = Vec::new();
        frame(&mut buf, 0x20, F_REQUEST | F_ACK, 7, &[&[1, 2, 3], &[4, 5]]);
        frame(&mut buf, NLMSG_DONE, 0, 8, &[&0i32.to_ne_bytes()]);
        assert_eq!(buf.len(), 24 + 20);
        assert_eq!(&buf[..4], &21u32.to_ne_bytes());
        let msgs: Vec<Msg> = messages(&buf).map(|m| m.unwrap()).collect();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].kind, 0x20);
        assert_eq!(msgs[0].seq, 7);
        assert_eq!(msgs[0].payload, &[1, 2, 3, 4, 5]);
        assert_eq!(msgs[1].code(), Some(0));
    }

    #[test]
    fn bad_lengths_end_the_walk_without_panicking() {
        let mut buf = Vec::new();
        frame(&mut buf, 0x20, 0, 1, &[&[9; 8]]);
        buf[0] = 200; // longer than the datagram
        let got: Vec<_> = messages(&buf).collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
        buf[0] = 3; // shorter than a header
        assert!(messages(&buf).next().unwrap().is_err());
        assert!(messages(&[1, 2, 3]).next().unwrap().is_err());
        assert!(messages(&[]).next().is_none());
    }

    #[test]
    fn a_cut_error_ack_still_gives_its_code() {
        let mut buf = Vec::new();
        let mut payload = (-17i32).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0; 100]); // the echoed request
        frame(&mut buf, NLMSG_ERROR, 0, 5, &[&payload]);
        let cut = &buf[..40];
        let m = messages(cut).next().unwrap().unwrap();
        assert_eq!((m.kind, m.seq, m.code()), (NLMSG_ERROR, 5, Some(-17)));
    }
}
