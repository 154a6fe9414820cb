//! Manage the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! `model` holds services, destinations and the rest as plain values;
//! `wire` turns them into IPVS netlink attributes and back; `client` is the
//! kernel connection (one socket, one family lookup) with one method per
//! IPVS command. The `ipvsadm` binary is a thin layer over these.
//! `realserver` prepares real servers and the director for a forwarding
//! method (addresses, links, sysctls) and undoes it. `netns` moves the
//! process into a named network namespace (`ip -n NAME`), whose IPVS
//! table it then manages.

pub mod client;
pub mod model;
pub mod netns;
pub mod realserver;
pub mod wire;
