//! Manage the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! `model` holds services, destinations and the rest as plain values;
//! `wire` turns them into IPVS netlink attributes and back; `client` is the
//! kernel connection (one socket, one family lookup) with one method per
//! IPVS command. The `ipvsadm` binary is a thin layer over these.
//! `realserver` prepares real servers and the director for a forwarding
//! method (addresses, links, sysctls) and undoes it.

pub mod client;
pub mod model;
pub mod realserver;
pub mod wire;
