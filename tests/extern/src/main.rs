//! A program outside the project's workspace that uses the `ipvs` library
//! the way another crate would (see Cargo.toml beside this directory).
//!
//! Run as root in the test VM by tests/extern/check.sh: it hands the
//! kernel connection to a thread, so it does not compile unless `Ipvs` is
//! `Send`; there it adds a service and a real server as one list of
//! changes, reads the table back, and prints it in `ipvsadm -S -n` form,
//! which check.sh compares with what the reference ipvsadm prints. Exits 1
//! if any change fails or what it reads back is not what it added.

use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::thread;

use ipvs::model::{Destination, ForwardMethod, Protocol, Service, ServiceKey};
use ipvs::{Change, Ipvs};

fn main() -> ExitCode {
    let ipvs = match Ipvs::connect() {
        Ok(ipvs) => ipvs,
        Err(err) => {
            eprintln!("ipvs-extern: connect: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Moving the handle into another thread is the `Send` check.
    let worker = thread::spawn(move || run(ipvs));
    match worker.join() {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(msg)) => {
            eprintln!("ipvs-extern: {msg}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("ipvs-extern: the worker thread panicked");
            ExitCode::FAILURE
        }
    }
}

fn run(mut ipvs: Ipvs) -> Result<(), String> {
    let key = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 77)),
        port: 8077,
    };
    let mut service = Service::new(key);
    service.scheduler = "rr".to_string();
    let mut destination = Destination::new(IpAddr::V4(Ipv4Addr::new(192, 168, 10, 1)), 8080);
    destination.forward = ForwardMethod::Masquerade;
    destination.weight = 2;

    let plan = [
        Change::AddService(service.clone()),
        Change::AddDestination {
            service: key,
            destination: destination.clone(),
        },
    ];
    for result in ipvs.execute(&plan) {
        result.map_err(|err| err.to_string())?;
    }

    let mut services = ipvs
        .services()
        .map_err(|err| format!("listing services: {err}"))?;
    let found = services
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| format!("the service added is not listed: {services:?}"))?;
    // Read back equal to what was added: the kernel's own HASHED bit is
    // not part of the model.
    if *found != service {
        return Err(format!("added {service:?}, listed {found:?}"));
    }
    let listed = ipvs
        .destinations(&key)
        .map_err(|err| format!("listing real servers: {err}"))?;
    if listed != [destination.clone()] {
        return Err(format!("added {destination:?}, listed {listed:?}"));
    }

    // Every service, as `ipvsadm -S -n` prints the small tables check.sh
    // makes (IPv4 TCP services, sorted by address and port as ipvsadm
    // sorts them).
    services.sort_by_key(|s| match s.key {
        ServiceKey::Addr { addr, port, .. } => (Some(addr), port),
        ServiceKey::Fwmark { .. } => (None, 0),
    });
    for s in &services {
        println!("-A {} -s {}", name(&s.key), s.scheduler);
        let dests = ipvs
            .destinations(&s.key)
            .map_err(|err| format!("listing real servers of {:?}: {err}", s.key))?;
        for d in dests {
            let forward = match d.forward {
                ForwardMethod::Masquerade => "-m",
                ForwardMethod::Tunnel => "-i",
                _ => "-g",
            };
            println!(
                "-a {} -r {}:{} {forward} -w {}",
                name(&s.key),
                d.addr,
                d.port,
                d.weight
            );
        }
    }
    Ok(())
}

/// A service as ipvsadm's rules name it (`-t 10.0.0.77:8077`).
fn name(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let option = match protocol {
                Protocol::Udp => "-u",
                Protocol::Sctp => "--sctp-service",
                _ => "-t",
            };
            match addr {
                IpAddr::V4(a) => format!("{option} {a}:{port}"),
                IpAddr::V6(a) => format!("{option} [{a}]:{port}"),
            }
        }
        ServiceKey::Fwmark { mark, .. } => format!("-f {mark}"),
    }
}
