//! The `ipvsadm` binary: process start-up, then [`ipvsadm::cli::main`].
//!
//! The process starts at C's `main`, not Rust's (`no_main`): std's own
//! start-up reads /proc/self/maps to place a stack guard, sets up an
//! alternate signal stack and handlers and ignores SIGPIPE, which made up
//! a fifth of the work of a small command like `ipvsadm -A ...` (scripts
//! call ipvsadm thousands of times). What is kept: standard descriptors
//! that are closed are opened on /dev/null, as std does, so the netlink
//! socket can never become "standard output". SIGPIPE keeps its default,
//! as in ipvsadm 1.31: `ipvsadm -L | head -1` ends the same way with both.
//! `std::env::args_os` still works (glibc hands std the arguments before
//! `main`).

#![cfg_attr(not(test), no_main)]

use std::ffi::{c_char, c_int};

// The unit-test binary's C main is the test harness's.
#[cfg_attr(not(test), unsafe(no_mangle))]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    open_closed_standard_fds();
    // exit, not return: std flushes its own stdout buffer on exit.
    std::process::exit(ipvsadm::cli::main::main(std::env::args_os()));
}

/// Opens /dev/null on any of descriptors 0, 1 and 2 that is closed.
fn open_closed_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd structs we own.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } < 0 {
        return;
    }
    for pollfd in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        // SAFETY: a constant NUL-terminated path; the lowest free
        // descriptor is the closed one, being the lowest closed.
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if fd != pollfd.fd {
            // Cannot happen (see above); never leave a stray descriptor.
            if fd >= 0 {
                // SAFETY: fd was just opened by us.
                unsafe { libc::close(fd) };
            }
            return;
        }
    }
}
