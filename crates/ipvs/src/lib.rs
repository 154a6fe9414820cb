//! Manage the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! IPVS is the transport-layer load balancer inside the Linux kernel:
//! connections that arrive for a *virtual service* (an address, protocol
//! and port, or a firewall mark) are spread over its *real servers* by a
//! scheduler such as round robin or weighted least-connection. This crate
//! reads and changes the kernel's table of services and real servers, its
//! connection timeouts and its connection-synchronisation daemons, as
//! `ipvsadm` does, by speaking the kernel's `IPVS` generic-netlink family
//! itself: no C library, no background thread.
//!
//! # What it needs
//!
//! - The `ip_vs` kernel module. Connecting asks the kernel for the family,
//!   which loads the module where autoloading works (`modprobe ip_vs`
//!   otherwise); without it [`Ipvs::connect`] fails with
//!   [`Failure::FamilyNotFound`]. Schedulers are modules too (`ip_vs_rr`,
//!   ...), which the kernel loads when a service first names one.
//! - `CAP_NET_ADMIN` (in practice: root) for every IPVS command, reads
//!   included. Connecting works without it, but each call then fails with
//!   `EPERM`.
//!
//! # Connecting and listing
//!
//! An [`Ipvs`] is a netlink connection, opened once and reused by every
//! call; it is `Send`, so it can be handed to another thread.
//!
//! ```no_run
//! use std::net::SocketAddr;
//!
//! let mut ipvs = ipvs::Ipvs::connect()?;
//! for service in ipvs.services()? {
//!     println!("{:?} {}", service.key, service.scheduler);
//!     for server in ipvs.destinations(&service.key)? {
//!         let addr = SocketAddr::new(server.addr, server.port);
//!         println!("  -> {addr} weight {}", server.weight);
//!     }
//! }
//! # Ok::<(), ipvs::Error>(())
//! ```
//!
//! The crate's `examples/list.rs` prints the same as a table.
//!
//! # Adding a service and a real server
//!
//! The types of [`model`] are plain values: host-order ports, `IpAddr`,
//! enums and bit sets, comparable with `==`. Their constructors give
//! ipvsadm's defaults (scheduler `wlc`, no persistence; direct routing,
//! weight 1); set the public fields after that.
//!
//! ```no_run
//! use ipvs::model::{Destination, ForwardMethod, Protocol, Service, ServiceKey};
//!
//! let key = ServiceKey::Addr {
//!     protocol: Protocol::Tcp,
//!     addr: "192.0.2.10".parse().unwrap(),
//!     port: 80,
//! };
//! let mut service = Service::new(key);
//! service.scheduler = "rr".into();
//! let mut server = Destination::new("198.51.100.2".parse().unwrap(), 8080);
//! server.forward = ForwardMethod::Masquerade;
//! server.weight = 3;
//!
//! let mut ipvs = ipvs::Ipvs::connect()?;
//! ipvs.add_service(&service)?;
//! ipvs.add_destination(&key, &server)?;
//!
//! // An edit replaces every setting of the server; weight 0 drains it:
//! // no new connections, while the existing ones go on.
//! server.weight = 0;
//! ipvs.edit_destination(&key, &server)?;
//! # Ok::<(), ipvs::Error>(())
//! ```
//!
//! The crate's `examples/drain.rs` does this with addresses from its
//! arguments.
//!
//! # Many changes at once
//!
//! A [`Change`] is one change to the table as a value, so a list of them
//! can be built, compared and printed without a kernel.
//! [`Ipvs::execute`] sends a whole list pipelined, many requests per
//! system call. The kernel still runs them one after the other in list
//! order, exactly as if each had been sent alone: a later change sees
//! what an earlier one made, and a refused change does not stop the ones
//! after it. There is one result per change, in order. IPVS has no
//! transactions, so nothing is rolled back; [`apply`] plans the changes
//! from the live table to a wanted one, and can undo what it sent.
//!
//! ```no_run
//! use ipvs::Change;
//! use ipvs::model::{Destination, Family, Service, ServiceKey};
//!
//! let key = ServiceKey::Fwmark { mark: 7, family: Family::Inet };
//! let changes = vec![
//!     Change::AddService(Service::new(key)),
//!     Change::AddDestination {
//!         service: key,
//!         destination: Destination::new("198.51.100.2".parse().unwrap(), 0),
//!     },
//!     Change::AddDestination {
//!         service: key,
//!         destination: Destination::new("198.51.100.3".parse().unwrap(), 0),
//!     },
//! ];
//! let mut ipvs = ipvs::Ipvs::connect()?;
//! for (change, result) in changes.iter().zip(ipvs.execute(&changes)) {
//!     if let Err(err) = result {
//!         eprintln!("{change:?}: {err}");
//!     }
//! }
//! # Ok::<(), ipvs::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Result`]. An [`Error`] says which [`Operation`]
//! failed and why ([`Failure`]): most often the kernel's refusal,
//! [`Failure::Kernel`] with a positive errno, which [`Error::errno`]
//! also gives. The kernel's usual answers: `EEXIST` when adding what is
//! there, `ESRCH` for a service that is not, `ENOENT` for a real server
//! that is not or a scheduler without a module, `EPERM` without
//! `CAP_NET_ADMIN`, `EINVAL` for settings it does not accept.
//!
//! ```no_run
//! # use ipvs::model::{Protocol, Service, ServiceKey};
//! # let mut ipvs = ipvs::Ipvs::connect()?;
//! # let service = Service::new(ServiceKey::Addr {
//! #     protocol: Protocol::Udp,
//! #     addr: "192.0.2.10".parse().unwrap(),
//! #     port: 53,
//! # });
//! match ipvs.add_service(&service) {
//!     Err(err) if err.errno() == Some(libc::EEXIST) => {} // already there
//!     other => other?,
//! }
//! # Ok::<(), ipvs::Error>(())
//! ```
//!
//! # Network namespaces
//!
//! Each network namespace has its own IPVS table, and a socket talks to
//! the table of the namespace it was opened in. [`Ipvs::connect_in`]
//! opens one in a namespace named by `ip netns add`, leaving the calling
//! thread where it is; [`netns::enter`] moves the calling thread itself.
//! Entering a namespace takes `CAP_SYS_ADMIN` besides.
//!
//! # Features
//!
//! - `serde`: `Serialize` and `Deserialize` on the [`model`] types.
//! - `internals`: makes public the netlink codec (`wire`), the
//!   `Transport` trait under [`Ipvs`] with its real implementation
//!   (`NetlinkTransport`), and `Ipvs::with_transport`, for this project's
//!   own kernel tests, fakes and fuzz targets. Not covered by semver: it
//!   changes whenever the codec does.
//!
//! # Modules
//!
//! [`model`] holds services, real servers (destinations) and the rest as
//! plain values; [`client`] is the kernel connection, with one method per
//! IPVS command; [`netns`] reaches the IPVS table of a named network
//! namespace; [`apply`] plans and makes the changes that turn the live
//! table into a wanted one.

#![warn(missing_docs)]

pub mod apply;
mod change;
pub mod client;
pub mod model;
pub mod netns;
// The crate's system calls; `unsafe` is denied everywhere else (Cargo.toml).
#[allow(unsafe_code)]
mod sys;
#[cfg(feature = "internals")]
pub mod wire;
#[cfg(not(feature = "internals"))]
#[allow(dead_code, unused_imports)]
mod wire;

pub use change::Change;
pub use client::{Error, Failure, Ipvs, Operation, Result};
#[cfg(feature = "internals")]
pub use client::{NetlinkTransport, Raw, Transport};
pub use wire::DecodeError;
