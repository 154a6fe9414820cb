//! The crate's only `unsafe`: the system calls of the netlink socket,
//! each behind a safe function that owns its pointers and lengths.
//!
//! These stay on `libc` rather than `nix`'s socket module: `recvmmsg` is
//! what makes a restore fast, and nix's form of it builds and parses a
//! header and an address per datagram that we never use, for 256
//! datagrams per call. The other calls are kept beside it so that the
//! socket has one vocabulary (raw descriptor, `io::Result`), and because
//! nix has no name for `NETLINK_CAP_ACK`.
//!
//! The functions return the call's result as is; retrying after `EINTR`
//! is the caller's decision.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A negative return of a system call as the thread's errno.
fn cvt<T: Default + PartialOrd>(ret: T) -> io::Result<T> {
    if ret < T::default() {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC)`.
pub(crate) fn netlink_generic_socket() -> io::Result<OwnedFd> {
    // SAFETY: a system call without pointer arguments.
    let fd = cvt(unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_GENERIC,
        )
    })?;
    // SAFETY: `fd` was just returned by socket(), so it is open and no
    // other value owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `sendto` the kernel (netlink port 0) of all of `buf` as one datagram.
pub(crate) fn send_to_kernel(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<()> {
    // SAFETY: sockaddr_nl is plain integers, for which all zeroes is a
    // valid value (and, with the family set below, the kernel's address).
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    // SAFETY: `buf` and `addr` are borrowed for the whole call and the
    // lengths passed are theirs; the kernel only reads them.
    cvt(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            0,
            (&addr as *const libc::sockaddr_nl).cast(),
            mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// One `recvmmsg` into `buf`, cut into `buf.len() / slot` slots of `slot`
/// bytes, one datagram per slot, without a timeout. On success `lens`
/// holds the length of each datagram read (at most `slot`: a longer one is
/// cut), and the result says whether any was cut.
pub(crate) fn recvmmsg(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    slot: usize,
    flags: libc::c_int,
    lens: &mut Vec<usize>,
) -> io::Result<bool> {
    let mut iovs: Vec<libc::iovec> = buf
        .chunks_exact_mut(slot)
        .map(|chunk| libc::iovec {
            iov_base: chunk.as_mut_ptr().cast(),
            iov_len: chunk.len(),
        })
        .collect();
    let mut hdrs: Vec<libc::mmsghdr> = iovs
        .iter_mut()
        .map(|iov| {
            // SAFETY: mmsghdr is integers and raw pointers (some fields
            // private padding on some C libraries), for which all zeroes
            // is valid: a message with no name, no data and no control.
            let mut h: libc::mmsghdr = unsafe { mem::zeroed() };
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
            h
        })
        .collect();
    // SAFETY: `hdrs` holds `hdrs.len()` headers, each pointing at one
    // iovec of `iovs`, each describing a disjoint chunk of `buf`, which we
    // borrow mutably; all of them outlive the call, and the kernel writes
    // no more than each iovec's length. A null timeout means none.
    let n = cvt(unsafe {
        libc::recvmmsg(
            fd.as_raw_fd(),
            hdrs.as_mut_ptr(),
            hdrs.len() as libc::c_uint,
            // glibc declares the flags `int`, musl `unsigned int`.
            flags as _,
            std::ptr::null_mut(),
        )
    })? as usize;
    let read = &hdrs[..n];
    lens.clear();
    lens.extend(read.iter().map(|h| (h.msg_len as usize).min(slot)));
    Ok(read
        .iter()
        .any(|h| h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0))
}

/// `setsockopt` of an `int` option.
pub(crate) fn set_int_option(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `val` is borrowed for the call and its size is passed; the
    // kernel only reads it.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&val as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `getsockopt` of an `int` option.
pub(crate) fn int_option(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<libc::c_int> {
    let mut val: libc::c_int = 0;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `val` and `len` are borrowed mutably for the call and `len`
    // is the size of `val`, so the kernel writes inside them.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&mut val as *mut libc::c_int).cast(),
            &mut len,
        )
    })?;
    Ok(val)
}
