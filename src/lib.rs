//! Manage the Linux kernel's IP Virtual Server (IPVS) over generic netlink.
//!
//! `model` holds services, destinations and the rest as plain values;
//! `wire` turns them into IPVS netlink attributes and back; `client` is the
//! kernel connection (one socket, one family lookup) with one method per
//! IPVS command. The `ipvsadm` binary is a thin layer over these.

pub mod client;
pub mod model;
pub mod wire;
