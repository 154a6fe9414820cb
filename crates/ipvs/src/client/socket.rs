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
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

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

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl Socket {
    /// `socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)`. No `bind`: the
    /// kernel binds an unused socket on its first send.
    pub fn open() -> io::Result<Socket> {
        // SAFETY: plain system call; the descriptor is owned from here on.
        let fd = cvt(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_GENERIC,
            )
        })?;
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Socket {
            fd,
            rx: Vec::new(),
            lens: Vec::new(),
        })
    }

    /// Sends `buf` (one or more framed messages) to the kernel in one
    /// datagram.
    pub fn send(&self, buf: &[u8]) -> io::Result<()> {
        // SAFETY: zeroed sockaddr_nl is valid; nl_pid 0 is the kernel.
        let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        loop {
            // SAFETY: `buf` and `addr` outlive the call; lengths are theirs.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    buf.as_ptr().cast(),
                    buf.len(),
                    0,
                    (&addr as *const libc::sockaddr_nl).cast(),
                    mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                )
            };
            if n >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
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
        let base = self.rx.as_mut_ptr();
        let mut iovs: Vec<libc::iovec> = (0..slots)
            .map(|i| libc::iovec {
                // SAFETY: every slot lies inside `rx`, sized just above.
                iov_base: unsafe { base.add(i * slot) }.cast(),
                iov_len: slot,
            })
            .collect();
        let mut hdrs: Vec<libc::mmsghdr> = iovs
            .iter_mut()
            .map(|iov| {
                // SAFETY: an all-zero msghdr is a valid empty one.
                let mut h: libc::mmsghdr = unsafe { mem::zeroed() };
                h.msg_hdr.msg_iov = iov;
                h.msg_hdr.msg_iovlen = 1;
                h
            })
            .collect();
        let flags = libc::MSG_WAITFORONE | if nonblock { libc::MSG_DONTWAIT } else { 0 };
        let n = loop {
            // SAFETY: `hdrs` points at `iovs`, which point into `rx`; all
            // live until the call returns.
            let n = unsafe {
                libc::recvmmsg(
                    self.fd.as_raw_fd(),
                    hdrs.as_mut_ptr(),
                    slots as libc::c_uint,
                    flags,
                    std::ptr::null_mut(),
                )
            };
            if n >= 0 {
                break n as usize;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        };
        self.lens.clear();
        self.lens
            .extend(hdrs[..n].iter().map(|h| (h.msg_len as usize).min(slot)));
        Ok(Received {
            buf: &self.rx,
            slot,
            lens: &self.lens,
            cut: hdrs[..n]
                .iter()
                .any(|h| h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0),
        })
    }

    /// Raises a socket buffer (`SO_RCVBUF`/`SO_SNDBUF`) towards `want`
    /// bytes: the `FORCE` variant where allowed (CAP_NET_ADMIN, which IPVS
    /// changes need anyway), else as far as `net.core.*mem_max` lets us.
    /// Returns the size the kernel now uses (it doubles what it is given).
    pub fn grow_buffer(&self, receive: bool, want: usize) -> usize {
        let (force, plain) = if receive {
            (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF)
        } else {
            (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF)
        };
        let val = want.min(i32::MAX as usize / 2) as libc::c_int;
        if self.set_int(libc::SOL_SOCKET, force, val).is_err() {
            let _ = self.set_int(libc::SOL_SOCKET, plain, val);
        }
        self.get_int(libc::SOL_SOCKET, plain)
            .map(|v| v.max(0) as usize)
            .unwrap_or(0)
    }

    /// `NETLINK_CAP_ACK`: error acks carry only the request's header, not
    /// the whole request. Best effort (kernels before 4.3 lack it).
    pub fn cap_acks(&self) {
        const NETLINK_CAP_ACK: libc::c_int = 10;
        let _ = self.set_int(libc::SOL_NETLINK, NETLINK_CAP_ACK, 1);
    }

    fn set_int(&self, level: libc::c_int, name: libc::c_int, val: libc::c_int) -> io::Result<()> {
        // SAFETY: `val` outlives the call and its size is passed.
        cvt(unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&val as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })
        .map(drop)
    }

    fn get_int(&self, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
        let mut val: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `val` and `len` outlive the call and describe each other.
        cvt(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&mut val as *mut libc::c_int).cast(),
                &mut len,
            )
        })?;
        Ok(val)
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
