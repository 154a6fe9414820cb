//! Small model values and a text capture for the views' golden tests.

use std::io;

use ipvs::model::{Destination, Family, Protocol, Service, ServiceKey};

/// A service on `addr:port` (`addr` in text) for `protocol`.
pub fn service(protocol: Protocol, addr: &str, port: u16) -> Service {
    Service::new(ServiceKey::Addr {
        protocol,
        addr: addr.parse().unwrap(),
        port,
    })
}

pub fn tcp(addr: &str, port: u16) -> Service {
    service(Protocol::Tcp, addr, port)
}

pub fn fwm(mark: u32, family: Family) -> Service {
    Service::new(ServiceKey::Fwmark { mark, family })
}

/// A destination with ipvsadm's defaults.
pub fn dest(addr: &str, port: u16) -> Destination {
    Destination::new(addr.parse().unwrap(), port)
}

/// What a writer wrote, as text.
pub fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut v = Vec::new();
    f(&mut v).unwrap();
    String::from_utf8(v).unwrap()
}
