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
//!
//! The arguments are taken from `main`'s own `argc` and `argv`, which
//! every C library passes; `std::env::args` is not used, as without std's
//! start-up only some C libraries (glibc) hand them to std.

#![cfg_attr(not(test), no_main)]

use std::ffi::{c_char, c_int};

// The unit-test binary's C main is the test harness's, so there this one
// is neither exported nor called. Exporting the symbol is the `unsafe`
// here (`unsafe_code` names it): nothing else in the program is called
// `main`, since Rust's is not generated.
#[allow(unsafe_code)]
#[cfg_attr(not(test), unsafe(no_mangle))]
#[cfg_attr(test, allow(dead_code))]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    open_closed_standard_fds();
    // SAFETY: `argc` and `argv` are what the C runtime passed to `main`,
    // and nothing in this program writes to the argument strings.
    let argv = unsafe { ipvsadm::sys::args(argc, argv) };
    // exit, not return: std flushes its own stdout buffer on exit.
    std::process::exit(ipvsadm::cli::main::main(&argv));
}

/// Opens /dev/null on any of descriptors 0, 1 and 2 that is closed.
fn open_closed_standard_fds() {
    use nix::fcntl::{OFlag, open};
    use nix::sys::stat::Mode;

    let Some(closed) = ipvsadm::sys::closed_standard_fds() else {
        return;
    };
    for (fd, _) in (0..).zip(closed).filter(|&(_, closed)| closed) {
        // The lowest free descriptor is the closed one, being the lowest
        // closed.
        let opened = open("/dev/null", OFlag::O_RDWR, Mode::empty());
        if opened != Ok(fd) {
            // Cannot happen (see above); never leave a stray descriptor.
            if let Ok(stray) = opened {
                let _ = nix::unistd::close(stray);
            }
            return;
        }
    }
}
