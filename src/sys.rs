//! The package's only `unsafe`: calls into the C library, each behind a
//! function that owns its buffers and returns owned Rust values.
//!
//! What is here and why it is not `nix` or std:
//! - the process's arguments, as C's `main` receives them ([`args`]);
//! - which standard descriptors are closed: one `poll`, as std's own
//!   start-up does; nix's `poll` wants borrowed descriptors, which a closed
//!   descriptor cannot honestly be;
//! - `strerror`: ipvsadm prints the C library's text for an errno, which
//!   neither std (it appends " (os error N)") nor nix (its own table)
//!   gives;
//! - running `/sbin/modprobe` ([`modprobe`]), by `posix_spawn` rather
//!   than std's `Command` (see there why);
//! - the NSS lookups ipvsadm makes (`gethostbyname2_r`, `getservbyname_r`,
//!   `getnameinfo`, `getservbyport_r`), which std and nix do not wrap;
//!   the socket address `getnameinfo` reads is `socket2`'s, made from
//!   std's `SocketAddr`.
//!
//! None of this is particular to glibc: `getnameinfo` is POSIX, and the
//! `_r` lookups are extensions that glibc and musl both have. The one
//! glibc-only call, the version check of a unit test, is compiled for
//! glibc only.

use std::ffi::{CStr, CString, c_char, c_int};
use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::ptr;

unsafe extern "C" {
    // Not declared by the `libc` crate for every C library.
    static environ: *const *mut c_char;

    fn gethostbyname2_r(
        name: *const c_char,
        af: c_int,
        ret: *mut libc::hostent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::hostent,
        h_errnop: *mut c_int,
    ) -> c_int;

    fn getservbyname_r(
        name: *const c_char,
        proto: *const c_char,
        result_buf: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;

    fn getservbyport_r(
        port: c_int,
        proto: *const c_char,
        result_buf: *mut libc::servent,
        buf: *mut c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::servent,
    ) -> c_int;
}

/// The arguments C's `main` received, `argv[0]` first, as the bytes the
/// kernel handed over (never decoded). Empty if `argv` is null.
///
/// # Safety
///
/// `argv` is null or points at `argc` pointers, each null or pointing at
/// a NUL-terminated string, all of which stay valid and unchanged for the
/// rest of the process: what the C runtime passes to `main`, as long as
/// nothing writes to the argument strings.
pub unsafe fn args(argc: c_int, argv: *const *const c_char) -> Vec<&'static [u8]> {
    let Ok(argc) = usize::try_from(argc) else {
        return Vec::new();
    };
    if argv.is_null() {
        return Vec::new();
    }
    // SAFETY: by the contract above `argv` points at `argc` initialised
    // pointers that live for the rest of the process.
    let pointers = unsafe { std::slice::from_raw_parts(argv, argc) };
    pointers
        .iter()
        .take_while(|p| !p.is_null())
        // SAFETY: each non-null pointer is a NUL-terminated string that
        // stays unchanged for the rest of the process, so `'static`.
        .map(|&p| unsafe { CStr::from_ptr(p) }.to_bytes())
        .collect()
}

/// Which of descriptors 0, 1 and 2 are closed, by one `poll` (a closed
/// descriptor reports `POLLNVAL`). `None` if `poll` itself failed.
pub fn closed_standard_fds() -> Option<[bool; 3]> {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd structs of `fds`,
    // which we own, and keeps no pointer to them; timeout 0 never blocks.
    if unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) } < 0 {
        return None;
    }
    Some(fds.map(|p| p.revents & libc::POLLNVAL != 0))
}

/// The C library's text for an errno (what C's `strerror` prints).
pub fn strerror(errno: i32) -> String {
    // SAFETY: strerror takes any int and returns null or a NUL-terminated
    // string that stays valid until the next strerror call on this
    // thread; it is copied before this function returns.
    unsafe {
        let text = libc::strerror(errno);
        if text.is_null() {
            return format!("Unknown error {errno}");
        }
        CStr::from_ptr(text).to_string_lossy().into_owned()
    }
}

/// Lookups that report a short buffer (`ERANGE`) are retried with a
/// buffer four times larger, up to this size.
const MAX_BUFFER: usize = 1 << 20;

/// Runs one of the NSS `_r` lookups, which take a scratch buffer for the
/// strings and addresses of their answer: `lookup` gets a buffer of 1 KiB
/// and returns the call's nonzero code as `Err`, or what it read from the
/// answer while the buffer was alive; on `ERANGE` it runs again with a
/// buffer four times larger, up to `MAX_BUFFER`. Any other failure is no
/// answer.
fn with_nss_buffer<T>(
    mut lookup: impl FnMut(&mut [c_char]) -> Result<Option<T>, c_int>,
) -> Option<T> {
    let mut size = 1024;
    loop {
        let mut buf = vec![0 as c_char; size];
        match lookup(&mut buf) {
            Ok(answer) => return answer,
            Err(libc::ERANGE) if size < MAX_BUFFER => size *= 4,
            Err(_) => return None,
        }
    }
}

/// The first address `name` has in the IPv6 or IPv4 family
/// (`gethostbyname2_r`).
pub fn host_address(name: &CStr, v6: bool) -> Option<IpAddr> {
    let af = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    let want_len = if v6 { 16 } else { 4 };
    with_nss_buffer(|buf| {
        // SAFETY: hostent is integers and raw pointers, for which all
        // zeroes is a valid (empty) value.
        let mut host: libc::hostent = unsafe { mem::zeroed() };
        let mut result: *mut libc::hostent = ptr::null_mut();
        let mut h_errno: c_int = 0;
        // SAFETY: `name` is NUL-terminated; `host`, `buf` (with its
        // length), `result` and `h_errno` are ours and outlive the call;
        // the C library keeps no pointer to them after it returns.
        let rc = unsafe {
            gethostbyname2_r(
                name.as_ptr(),
                af,
                &mut host,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
                &mut h_errno,
            )
        };
        if rc != 0 {
            return Err(rc);
        }
        if result.is_null()
            || host.h_addrtype != af
            || host.h_length != want_len
            || host.h_addr_list.is_null()
        {
            return Ok(None);
        }
        // SAFETY: on success h_addr_list is a null-terminated array of
        // pointers, inside `buf`, which is alive until this closure
        // returns; it has at least its terminator, so the first element
        // can be read.
        let first = unsafe { *host.h_addr_list };
        if first.is_null() {
            return Ok(None);
        }
        // SAFETY: each address is h_length (checked: `want_len`) bytes
        // inside `buf`.
        let bytes = unsafe { std::slice::from_raw_parts(first as *const u8, want_len as usize) };
        Ok(if v6 {
            <[u8; 16]>::try_from(bytes)
                .ok()
                .map(|o| IpAddr::V6(Ipv6Addr::from(o)))
        } else {
            <[u8; 4]>::try_from(bytes)
                .ok()
                .map(|o| IpAddr::V4(Ipv4Addr::from(o)))
        })
    })
}

/// The port (host order) of service `name` for protocol `proto` in the
/// services database (`getservbyname_r`).
pub fn service_port(name: &CStr, proto: &CStr) -> Option<u16> {
    with_nss_buffer(|buf| {
        // SAFETY: servent is integers and raw pointers, for which all
        // zeroes is a valid (empty) value.
        let mut serv: libc::servent = unsafe { mem::zeroed() };
        let mut result: *mut libc::servent = ptr::null_mut();
        // SAFETY: `name` and `proto` are NUL-terminated; `serv`, `buf`
        // (with its length) and `result` are ours and outlive the call.
        let rc = unsafe {
            getservbyname_r(
                name.as_ptr(),
                proto.as_ptr(),
                &mut serv,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc != 0 {
            return Err(rc);
        }
        // s_port is in network byte order in the low 16 bits.
        Ok((!result.is_null()).then(|| u16::from_be(serv.s_port as u16)))
    })
}

/// The name of `addr` by a reverse lookup (`getnameinfo` with
/// `NI_NAMEREQD`: no name, no answer).
pub fn host_name(addr: IpAddr) -> Option<String> {
    let sockaddr = socket2::SockAddr::from(SocketAddr::new(addr, 0));
    let mut host = [0u8; libc::NI_MAXHOST as usize];
    // SAFETY: `sockaddr` is a complete socket address (a `sockaddr_in`
    // or `sockaddr_in6`) of the length given; `host` is ours with its
    // length, and no service buffer is asked for. Both outlive the call.
    let rc = unsafe {
        libc::getnameinfo(
            sockaddr.as_ptr().cast(),
            sockaddr.len(),
            host.as_mut_ptr().cast(),
            host.len() as libc::socklen_t,
            ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // getnameinfo NUL-terminates the name on success.
    let name = CStr::from_bytes_until_nul(&host).ok()?;
    Some(name.to_string_lossy().into_owned())
}

/// The services-database name of `port` (host order) for protocol
/// `proto` (`getservbyport_r`).
pub fn service_name(port: u16, proto: &CStr) -> Option<String> {
    with_nss_buffer(|buf| {
        let mut ent = MaybeUninit::<libc::servent>::uninit();
        let mut result: *mut libc::servent = ptr::null_mut();
        // SAFETY: `proto` is NUL-terminated; `ent`, `buf` (with its
        // length) and `result` are ours and outlive the call, which writes
        // `ent` before pointing `result` at it.
        let rc = unsafe {
            getservbyport_r(
                c_int::from(port.to_be()),
                proto.as_ptr(),
                ent.as_mut_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc != 0 {
            return Err(rc);
        }
        if result.is_null() {
            return Ok(None);
        }
        // SAFETY: on success `result` points at `ent`, now written, whose
        // strings are NUL-terminated and live in `buf`, alive until this
        // closure returns; the name is copied out before that.
        let name = unsafe { (*result).s_name };
        if name.is_null() {
            return Ok(None);
        }
        // SAFETY: as above, a NUL-terminated string inside `buf`.
        Ok(Some(
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned(),
        ))
    })
}

/// Where a spawned program's standard output or error goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Ours.
    Inherit,
    /// /dev/null.
    Discard,
}

/// Runs `/sbin/modprobe ARGS`, as ipvsadm does to load a module, and waits
/// for it. The child starts with no signal blocked (`apply` blocks some
/// while it works) and the rest of this process's state.
///
/// Not std's `Command`: its code for spawning imports some 35 C library
/// functions (fork, exec, pidfd, setuid, chroot and more), and the dynamic
/// loader binds every import at each start of the program, used or not.
/// That was 6% of the instructions of `ipvsadm -v` (296,100 against
/// 277,600 now), for a program that runs only when a module is missing;
/// `posix_spawn` is nine imports.
pub fn modprobe(args: &[&str], stdout: Output, stderr: Output) -> io::Result<ExitStatus> {
    run(c"/sbin/modprobe", args, stdout, stderr)
}

/// Runs `program` (a path) with `args` and waits for it; see [`modprobe`].
fn run(program: &CStr, args: &[&str], stdout: Output, stderr: Output) -> io::Result<ExitStatus> {
    let args = args
        .iter()
        .map(|&arg| CString::new(arg))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let argv: Vec<*mut c_char> = std::iter::once(program)
        .chain(args.iter().map(CString::as_c_str))
        .map(|arg| arg.as_ptr().cast_mut())
        .chain(std::iter::once(ptr::null_mut()))
        .collect();

    let mut actions = MaybeUninit::<libc::posix_spawn_file_actions_t>::uninit();
    let mut attr = MaybeUninit::<libc::posix_spawnattr_t>::uninit();
    // SAFETY: fills `actions`, which is destroyed below.
    check(unsafe { libc::posix_spawn_file_actions_init(actions.as_mut_ptr()) })?;
    // SAFETY: fills `attr`, which is destroyed below.
    if let Err(err) = check(unsafe { libc::posix_spawnattr_init(attr.as_mut_ptr()) }) {
        // SAFETY: initialised above and not used again.
        unsafe { libc::posix_spawn_file_actions_destroy(actions.as_mut_ptr()) };
        return Err(err);
    }
    let mut pid: libc::pid_t = 0;
    // SAFETY: `actions` and `attr` were initialised above; the strings
    // and `argv` (null-terminated) outlive the call, which only reads
    // them; `environ` is this process's environment.
    let spawned = unsafe {
        let actions = actions.as_mut_ptr();
        let attr = attr.as_mut_ptr();
        let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(empty.as_mut_ptr());
        let mut result = check(libc::posix_spawnattr_setsigmask(attr, empty.as_ptr()));
        result = result.and_then(|()| {
            check(libc::posix_spawnattr_setflags(
                attr,
                libc::POSIX_SPAWN_SETSIGMASK as _,
            ))
        });
        for (fd, output) in [(1, stdout), (2, stderr)] {
            if output == Output::Discard {
                result = result.and_then(|()| {
                    check(libc::posix_spawn_file_actions_addopen(
                        actions,
                        fd,
                        c"/dev/null".as_ptr(),
                        libc::O_WRONLY,
                        0,
                    ))
                });
            }
        }
        result = result.and_then(|()| {
            check(libc::posix_spawn(
                &mut pid,
                program.as_ptr(),
                actions,
                attr,
                argv.as_ptr(),
                environ,
            ))
        });
        libc::posix_spawnattr_destroy(attr);
        libc::posix_spawn_file_actions_destroy(actions);
        result
    };
    spawned?;
    let mut status = 0;
    loop {
        // SAFETY: waits for the child spawned above; writes only `status`.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Ok(ExitStatus::from_raw(status));
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// The `posix_spawn` family's way of failing: the error number returned.
fn check(rc: c_int) -> io::Result<()> {
    match rc {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

#[cfg(test)]
/// The running C library's `inet_ntop` for an IPv6 address: what our own
/// IPv6 text is tested against.
pub(crate) fn inet_ntop6(addr: Ipv6Addr) -> String {
    unsafe extern "C" {
        fn inet_ntop(
            af: c_int,
            src: *const std::ffi::c_void,
            dst: *mut c_char,
            size: libc::socklen_t,
        ) -> *const c_char;
    }
    let octets = addr.octets();
    let mut buf = [0u8; 64];
    // SAFETY: a 16-byte source, as AF_INET6 wants, and a destination
    // buffer of the length given; both outlive the call.
    let p = unsafe {
        inet_ntop(
            libc::AF_INET6,
            octets.as_ptr().cast(),
            buf.as_mut_ptr().cast(),
            buf.len() as libc::socklen_t,
        )
    };
    assert!(
        !p.is_null(),
        "inet_ntop: {}",
        std::io::Error::last_os_error()
    );
    let text = CStr::from_bytes_until_nul(&buf).expect("inet_ntop's text is NUL-terminated");
    text.to_str().unwrap().to_string()
}

/// glibc's version (`gnu_get_libc_version`); `None` with another C
/// library.
#[cfg(test)]
pub(crate) fn glibc_version() -> Option<String> {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(libc::gnu_get_libc_version()) };
        Some(version.to_string_lossy().into_owned())
    }
    #[cfg(not(target_env = "gnu"))]
    None
}

/// A sort key and where the item came from, for comparing C's `qsort`
/// with our merge sort.
#[cfg(test)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KeyId {
    pub key: u32,
    pub id: u32,
}

/// C's `qsort` of `items`, keys compared as libipvs compares fwmarks and
/// address words: by the sign of their wrapping 32-bit difference.
#[cfg(test)]
pub(crate) fn qsort_by_wrapping_key(items: &mut [KeyId]) {
    extern "C" fn compare(a: *const libc::c_void, b: *const libc::c_void) -> c_int {
        // SAFETY: qsort passes pointers to two elements of the array
        // being sorted, a `[KeyId]`.
        let (a, b) = unsafe { (&*(a as *const KeyId), &*(b as *const KeyId)) };
        a.key.wrapping_sub(b.key) as i32
    }
    // SAFETY: `items` is an array of `items.len()` elements of the size
    // given, borrowed mutably for the call, and the comparator reads them
    // as that type.
    unsafe {
        libc::qsort(
            items.as_mut_ptr().cast(),
            items.len(),
            mem::size_of::<KeyId>(),
            Some(compare),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_waits_and_returns_the_exit_status() {
        let status = run(
            c"/bin/sh",
            &["-c", "exit 3"],
            Output::Inherit,
            Output::Inherit,
        );
        assert_eq!(status.unwrap().code(), Some(3));
        let status = run(
            c"/bin/sh",
            &["-c", "kill -9 $$"],
            Output::Inherit,
            Output::Inherit,
        );
        assert_eq!(status.unwrap().signal(), Some(9));
    }

    #[test]
    fn run_starts_the_child_with_no_signal_blocked_and_output_discarded() {
        use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
        let mut blocked = SigSet::empty();
        blocked.add(Signal::SIGHUP);
        let mut before = SigSet::empty();
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&blocked), Some(&mut before)).unwrap();
        // grep itself, not a shell: dash unblocks every signal as it starts.
        let unblocked = run(
            c"/bin/grep",
            &["-q", "^SigBlk:[[:space:]]*0*$", "/proc/self/status"],
            Output::Inherit,
            Output::Inherit,
        );
        let script = "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] \
            && [ \"$(readlink /proc/$$/fd/2)\" = /dev/null ]";
        let discarded = run(
            c"/bin/sh",
            &["-c", script],
            Output::Discard,
            Output::Discard,
        );
        pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&before), None).unwrap();
        assert!(unblocked.unwrap().success());
        assert!(discarded.unwrap().success());
    }

    #[test]
    fn run_reports_a_program_that_cannot_start() {
        let err = run(
            c"/nonexistent/program",
            &[],
            Output::Inherit,
            Output::Inherit,
        )
        .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        let err = run(c"/bin/sh", &["a\0b"], Output::Inherit, Output::Inherit).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
    use super::*;

    #[test]
    fn nss_buffer_grows_on_erange_only_and_up_to_the_limit() {
        let mut sizes = Vec::new();
        let got = with_nss_buffer(|buf| {
            sizes.push(buf.len());
            if buf.len() < 16384 {
                Err(libc::ERANGE)
            } else {
                Ok(Some(buf.len()))
            }
        });
        assert_eq!(got, Some(16384));
        assert_eq!(sizes, [1024, 4096, 16384]);

        let mut calls = 0;
        let got: Option<()> = with_nss_buffer(|_| {
            calls += 1;
            Err(libc::ENOENT)
        });
        assert_eq!((got, calls), (None, 1));

        let mut last = 0;
        let got: Option<()> = with_nss_buffer(|buf| {
            last = buf.len();
            Err(libc::ERANGE)
        });
        assert_eq!((got, last), (None, MAX_BUFFER));
    }

    #[test]
    fn loopback_name_round_trips() {
        // /etc/hosts names 127.0.0.1 on every Debian system (base-files),
        // so both lookups are answered from the file, without DNS.
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let name = host_name(loopback).expect("/etc/hosts names 127.0.0.1");
        let name = std::ffi::CString::new(name).unwrap();
        assert_eq!(host_address(&name, false), Some(loopback));
    }
}
