//! Host and service name lookups through the C library, as ipvsadm makes
//! them: `gethostbyname` (first address of the family) and
//! `getservbyname`. The reentrant `_r` forms are used so tests and any
//! future threads cannot trample each other's static buffers; they consult
//! the same NSS sources (`/etc/hosts`, DNS, `/etc/services`).
//!
//! `getaddrinfo` is deliberately not used for hosts: it sorts the
//! addresses (RFC 6724), so with several A records it could pick another
//! address than ipvsadm's `h_addr_list[0]`.

use std::ffi::{CString, c_char, c_int};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ptr;

use ipvs::model::Protocol;

unsafe extern "C" {
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
}

const MAX_BUFFER: usize = 1 << 20;

#[cfg(any(test, feature = "fuzzing"))]
thread_local! {
    /// Tests and fuzz targets that feed random words set this so that no
    /// name but `localhost` reaches the resolver (no DNS traffic, no
    /// timeouts, the same answer on every machine).
    pub static OFFLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The first address `name` has in `family` (`gethostbyname2`). Names
/// are bytes, as the C library takes them (a name with a NUL has none).
pub fn host_address(name: &[u8], v6: bool) -> Option<IpAddr> {
    #[cfg(any(test, feature = "fuzzing"))]
    if OFFLINE.get() && name != b"localhost" {
        return None;
    }
    let cname = CString::new(name).ok()?;
    let af = if v6 { libc::AF_INET6 } else { libc::AF_INET };
    let want_len = if v6 { 16 } else { 4 };
    let mut size = 1024;
    loop {
        let mut buf = vec![0 as c_char; size];
        // SAFETY: all pointers are valid for the call; hostent is plain
        // data that the C library fills with pointers into `buf`.
        let mut host: libc::hostent = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::hostent = ptr::null_mut();
        let mut h_errno: c_int = 0;
        let rc = unsafe {
            gethostbyname2_r(
                cname.as_ptr(),
                af,
                &mut host,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
                &mut h_errno,
            )
        };
        if rc == libc::ERANGE && size < MAX_BUFFER {
            size *= 4;
            continue;
        }
        if rc != 0 || result.is_null() {
            return None;
        }
        if host.h_addrtype != af || host.h_length != want_len || host.h_addr_list.is_null() {
            return None;
        }
        // SAFETY: h_addr_list is a NULL-terminated array of pointers to
        // h_length bytes each, all inside `buf`, which is still alive.
        let first = unsafe { *host.h_addr_list };
        if first.is_null() {
            return None;
        }
        let bytes = unsafe { std::slice::from_raw_parts(first as *const u8, want_len as usize) };
        return Some(if v6 {
            let octets: [u8; 16] = bytes.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(octets))
        } else {
            let octets: [u8; 4] = bytes.try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(octets))
        });
    }
}

/// The port of service `name` for `protocol` (`getservbyname`); only TCP,
/// UDP and SCTP have names, as in ipvsadm.
pub fn service_port(name: &[u8], protocol: Protocol) -> Option<u16> {
    let proto: &[u8] = match protocol {
        Protocol::Tcp => b"tcp\0",
        Protocol::Udp => b"udp\0",
        Protocol::Sctp => b"sctp\0",
        Protocol::Other(_) => return None,
    };
    let cname = CString::new(name).ok()?;
    let mut size = 1024;
    loop {
        let mut buf = vec![0 as c_char; size];
        // SAFETY: as above; servent points into `buf`.
        let mut serv: libc::servent = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::servent = ptr::null_mut();
        let rc = unsafe {
            getservbyname_r(
                cname.as_ptr(),
                proto.as_ptr() as *const c_char,
                &mut serv,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && size < MAX_BUFFER {
            size *= 4;
            continue;
        }
        if rc != 0 || result.is_null() {
            return None;
        }
        // s_port is in network byte order in the low 16 bits.
        return Some(u16::from_be(serv.s_port as u16));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_services() {
        assert_eq!(
            host_address(b"localhost", false),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
        assert_eq!(service_port(b"http", Protocol::Tcp), Some(80));
        assert_eq!(service_port(b"domain", Protocol::Udp), Some(53));
        assert_eq!(service_port(b"no-such-service", Protocol::Tcp), None);
        assert_eq!(service_port(b"http", Protocol::Other(7)), None);
    }
}
