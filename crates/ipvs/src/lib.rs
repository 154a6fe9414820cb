//! Manage the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! `model` holds services, destinations and the rest as plain values;
//! `client` is the kernel connection (one socket, one family lookup) with
//! one method per IPVS command; `netns` reaches the IPVS table of a named
//! network namespace; `apply` plans and makes the changes that turn the
//! live table into a wanted one. The netlink codec (`wire`) is private: it
//! is public only with the `internals` feature, for this project's own
//! kernel tests and fuzz targets, and not covered by semver.

pub mod apply;
mod change;
pub mod client;
pub mod model;
pub mod netns;
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
