//! The system calls of the netlink socket, each behind a function that
//! returns `io::Result`, and the crate's only `unsafe`.
//!
//! They go through `nix`'s socket module, which the crate already uses for
//! the page size; `recvmmsg` with a `MultiHeaders<()>`, which asks the
//! kernel for no sender address. The one call left on `libc` sets
//! `NETLINK_CAP_ACK`, for which nix has no name.
//!
//! `MultiHeaders` holds raw pointers, so it is not `Send` and cannot live
//! in the socket (an `Ipvs` must be `Send`): it is built per call, as our
//! own headers were. Counted with callgrind on a socket pair, nix's
//! `recvmmsg` costs 760 user-space instructions per call with 4 slots
//! (ours: 615) and 10,700 with 256 (ours: 6,500): some 0.3 million more
//! for the 2,000 calls of a 2,000 x 10 listing, which takes about 55
//! million (0.5%). The benchmark (`tests/bench/run.sh` against the
//! previous build, 2,000 x 10) showed no loss beyond its noise:
//! ours/baseline 0.98 restore, 1.05 list, 0.98 stats, 0.97 save; a first
//! run on a busier host gave 1.49, 0.72, 0.84 and 0.91: swings of
//! hundreds of milliseconds, where these instructions (at most a million
//! for a restore) take a few milliseconds even under the VM's emulation.
//!
//! Why not `netlink-sys`'s socket: it reads one datagram per call and has
//! no `recvmmsg`, which is what makes a restore fast (a restore of 20,000
//! lines is 20,000 acks, read 256 at a time); nor the `*BUFFORCE` options
//! that `Socket::grow_buffer` tries first. What it does have (open, send,
//! the plain options) nix does too, without the `bytes` and `log` crates
//! it would add.
//!
//! The functions return the call's result as is; retrying after `EINTR`
//! is the caller's decision.

use std::io;
use std::io::IoSliceMut;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use nix::sys::socket::{
    self, AddressFamily, MsgFlags, MultiHeaders, NetlinkAddr, SockFlag, SockProtocol, SockType,
    sockopt,
};

/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC)`.
pub(crate) fn netlink_generic_socket() -> io::Result<OwnedFd> {
    Ok(socket::socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkGeneric,
    )?)
}

/// `sendto` the kernel (netlink port 0) of all of `buf` as one datagram.
pub(crate) fn send_to_kernel(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<()> {
    let kernel = NetlinkAddr::new(0, 0);
    socket::sendto(fd.as_raw_fd(), buf, &kernel, MsgFlags::empty())?;
    Ok(())
}

/// One `recvmmsg` into `buf`, cut into `buf.len() / slot` slots of `slot`
/// bytes, one datagram per slot, without a timeout. `flags` are `MSG_*`
/// bits. On success `lens` holds the length of each datagram read (at
/// most `slot`: a longer one is cut), and the result says whether any was
/// cut.
pub(crate) fn recvmmsg(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    slot: usize,
    flags: libc::c_int,
    lens: &mut Vec<usize>,
) -> io::Result<bool> {
    let mut slots: Vec<[IoSliceMut<'_>; 1]> = buf
        .chunks_exact_mut(slot)
        .map(|chunk| [IoSliceMut::new(chunk)])
        .collect();
    // `()`: no room for an address, so the kernel writes none.
    let mut headers = MultiHeaders::<()>::preallocate(slots.len(), None);
    let read = socket::recvmmsg(
        fd.as_raw_fd(),
        &mut headers,
        slots.iter_mut(),
        MsgFlags::from_bits_retain(flags),
        None,
    )?;
    lens.clear();
    let mut cut = false;
    for datagram in read {
        lens.push(datagram.bytes.min(slot));
        cut |= datagram.flags.contains(MsgFlags::MSG_TRUNC);
    }
    Ok(cut)
}

/// Sets the receive (`receive`) or send buffer to `bytes`; with `force`
/// by `SO_RCVBUFFORCE`/`SO_SNDBUFFORCE`, which may pass
/// `net.core.*mem_max` (with CAP_NET_ADMIN).
pub(crate) fn set_buffer(
    fd: BorrowedFd<'_>,
    receive: bool,
    force: bool,
    bytes: usize,
) -> io::Result<()> {
    let set = match (receive, force) {
        (true, true) => socket::setsockopt(&fd, sockopt::RcvBufForce, &bytes),
        (true, false) => socket::setsockopt(&fd, sockopt::RcvBuf, &bytes),
        (false, true) => socket::setsockopt(&fd, sockopt::SndBufForce, &bytes),
        (false, false) => socket::setsockopt(&fd, sockopt::SndBuf, &bytes),
    };
    Ok(set?)
}

/// The size of the receive (`receive`) or send buffer, as the kernel
/// reports it (twice what was set).
pub(crate) fn buffer_size(fd: BorrowedFd<'_>, receive: bool) -> io::Result<usize> {
    let size = if receive {
        socket::getsockopt(&fd, sockopt::RcvBuf)
    } else {
        socket::getsockopt(&fd, sockopt::SndBuf)
    };
    Ok(size?)
}

/// `NETLINK_CAP_ACK` on: error acks carry only the request's header.
pub(crate) fn cap_acks(fd: BorrowedFd<'_>) -> io::Result<()> {
    const NETLINK_CAP_ACK: libc::c_int = 10;
    let on: libc::c_int = 1;
    // SAFETY: `on` is borrowed for the call and its size is passed; the
    // kernel only reads it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_NETLINK,
            NETLINK_CAP_ACK,
            (&on as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// `recvmmsg` on a datagram socket pair: one datagram per slot, the
    /// lengths read, and a datagram longer than its slot cut and flagged.
    #[test]
    fn recvmmsg_fills_one_slot_per_datagram_and_reports_a_cut() {
        let (tx, rx) = socket::socketpair(
            AddressFamily::Unix,
            SockType::Datagram,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .unwrap();
        for datagram in [&b"hello"[..], b"longer than eight", b"abc"] {
            socket::send(tx.as_raw_fd(), datagram, MsgFlags::empty()).unwrap();
        }
        let mut buf = [0u8; 8 * 4];
        let mut lens = Vec::new();
        let flags = libc::MSG_WAITFORONE | libc::MSG_DONTWAIT;
        let cut = recvmmsg(rx.as_fd(), &mut buf, 8, flags, &mut lens).unwrap();
        assert_eq!(lens, [5, 8, 3]);
        assert!(cut);
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(&buf[8..16], b"longer t");
        assert_eq!(&buf[16..19], b"abc");
        // Nothing left, and MSG_DONTWAIT: EAGAIN, not a wait.
        let err = recvmmsg(rx.as_fd(), &mut buf, 8, flags, &mut lens).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        // No datagram cut: no cut reported.
        socket::send(tx.as_raw_fd(), b"ok", MsgFlags::empty()).unwrap();
        assert!(!recvmmsg(rx.as_fd(), &mut buf, 8, flags, &mut lens).unwrap());
        assert_eq!(lens, [2]);
    }
}
