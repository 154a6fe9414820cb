//! Host and service name lookups through the C library, as ipvsadm makes
//! them: `gethostbyname` (first address of the family) and
//! `getservbyname`. The reentrant `_r` forms are used so tests and any
//! future threads cannot trample each other's static buffers; they consult
//! the same NSS sources (`/etc/hosts`, DNS, `/etc/services`).
//!
//! `getaddrinfo` is deliberately not used for hosts: it sorts the
//! addresses (RFC 6724), so with several A records it could pick another
//! address than ipvsadm's `h_addr_list[0]`.

use std::ffi::{CStr, CString};
use std::net::IpAddr;

use ipvs::model::Protocol;

use crate::sys;

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
    sys::host_address(&cname, v6)
}

/// The port of service `name` for `protocol` (`getservbyname`); only TCP,
/// UDP and SCTP have names, as in ipvsadm.
pub fn service_port(name: &[u8], protocol: Protocol) -> Option<u16> {
    let proto: &CStr = match protocol {
        Protocol::Tcp => c"tcp",
        Protocol::Udp => c"udp",
        Protocol::Sctp => c"sctp",
        Protocol::Other(_) => return None,
    };
    let cname = CString::new(name).ok()?;
    sys::service_port(&cname, proto)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

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
