//! Prints the kernel's IPVS table as a small numeric table: each virtual
//! service with its scheduler, then its real servers with forwarding
//! method, weight and connection counts.
//!
//! Needs the ip_vs module and CAP_NET_ADMIN (root):
//!
//! ```text
//! cargo run -p linux-ipvs --example list
//! ```

use std::error::Error;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use ipvs::Ipvs;
use ipvs::model::{Family, ForwardMethod, Protocol, Service, ServiceKey};

fn main() -> ExitCode {
    match list() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("list: {err}");
            ExitCode::FAILURE
        }
    }
}

fn list() -> Result<(), Box<dyn Error>> {
    let mut ipvs = Ipvs::connect()?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<5} {:<30} {:<16} {:>6} {:>7} {:>8}",
        "Prot", "Service / -> Server", "Sched / Forward", "Weight", "Active", "Inactive"
    )?;
    // One buffer for every service's servers. The counters are not shown,
    // so they are not read either.
    let mut servers = Vec::new();
    for service in ipvs.services()? {
        writeln!(
            out,
            "{:<5} {:<30} {}",
            protocol(&service.key),
            service_address(&service.key),
            scheduling(&service)
        )?;
        ipvs.destinations_without_stats_into(&service.key, &mut servers)?;
        for server in &servers {
            writeln!(
                out,
                "{:<5} {:<30} {:<16} {:>6} {:>7} {:>8}",
                "",
                format!("-> {}", SocketAddr::new(server.addr, server.port)),
                forwarding(server.forward),
                server.weight,
                server.active_conns,
                server.inactive_conns
            )?;
        }
    }
    Ok(())
}

fn protocol(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { protocol, .. } => match protocol {
            Protocol::Tcp => "TCP".to_string(),
            Protocol::Udp => "UDP".to_string(),
            Protocol::Sctp => "SCTP".to_string(),
            Protocol::Other(n) => n.to_string(),
        },
        ServiceKey::Fwmark { .. } => "FWM".to_string(),
    }
}

fn service_address(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr { addr, port, .. } => SocketAddr::new(*addr, *port).to_string(),
        ServiceKey::Fwmark { mark, family } => match family {
            Family::Inet => format!("mark {mark}"),
            Family::Inet6 => format!("mark {mark} (IPv6)"),
        },
    }
}

/// The scheduler, and the persistence timeout when there is one.
fn scheduling(service: &Service) -> String {
    if service.is_persistent() {
        format!("{} persistent {}s", service.scheduler, service.timeout)
    } else {
        service.scheduler.clone()
    }
}

fn forwarding(method: ForwardMethod) -> String {
    match method {
        ForwardMethod::Masquerade => "masquerade".to_string(),
        ForwardMethod::Local => "local".to_string(),
        ForwardMethod::Tunnel => "tunnel".to_string(),
        ForwardMethod::Route => "route".to_string(),
        ForwardMethod::Other(n) => format!("method {n}"),
    }
}
