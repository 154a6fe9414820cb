//! Adds a TCP virtual service and one real server, then drains that
//! server: an edit to weight 0, after which the scheduler sends it no new
//! connection while the ones it has go on. What is already there is
//! reused, so running it twice is harmless.
//!
//! Needs the ip_vs module and CAP_NET_ADMIN (root):
//!
//! ```text
//! cargo run -p linux-ipvs --example drain -- [SERVICE:PORT [SERVER:PORT]]
//! ```
//!
//! The defaults are documentation addresses (192.0.2.10:80 and
//! 198.51.100.2:8080), so the service never carries real traffic unless
//! asked to.

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;

use ipvs::Ipvs;
use ipvs::model::{Destination, ForwardMethod, Protocol, Service, ServiceKey};

fn main() -> ExitCode {
    match drain() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("drain: {err}");
            ExitCode::FAILURE
        }
    }
}

fn drain() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let service_addr = address(args.next(), "192.0.2.10:80")?;
    let server_addr = address(args.next(), "198.51.100.2:8080")?;

    let key = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: service_addr.ip(),
        port: service_addr.port(),
    };
    let mut service = Service::new(key);
    service.scheduler = "wrr".to_string();
    let mut server = Destination::new(server_addr.ip(), server_addr.port());
    // NAT, because only it may send to another port than the service's
    // (direct routing and tunnels keep the packet's destination port).
    server.forward = ForwardMethod::Masquerade;
    server.weight = 10;

    let mut ipvs = Ipvs::connect()?;
    // EEXIST: the service or the server is there already.
    if added(ipvs.add_service(&service))? {
        println!("added service {service_addr} ({})", service.scheduler);
    }
    if added(ipvs.add_destination(&key, &server))? {
        println!(
            "added {server_addr} to {service_addr} with weight {}",
            server.weight
        );
    } else {
        println!("{server_addr} is in {service_addr} already");
    }

    // An edit replaces every setting of the server, so it carries them all.
    server.weight = 0;
    ipvs.edit_destination(&key, &server)?;

    for d in ipvs.destinations(&key)? {
        if (d.addr, d.port) == (server.addr, server.port) {
            println!(
                "drained {server_addr}: weight {}, {} active and {} inactive connections left",
                d.weight, d.active_conns, d.inactive_conns
            );
        }
    }
    Ok(())
}

/// `arg` as ADDRESS:PORT (IPv6 in brackets), or the default.
fn address(arg: Option<String>, default: &str) -> Result<SocketAddr, String> {
    let text = arg.as_deref().unwrap_or(default);
    text.parse()
        .map_err(|_| format!("{text:?} is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)"))
}

/// Whether an add made its object: false if it was there already.
fn added(result: ipvs::Result<()>) -> ipvs::Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(err) if err.errno() == Some(libc::EEXIST) => Ok(false),
        Err(err) => Err(err),
    }
}
