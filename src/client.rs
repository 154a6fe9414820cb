//! The kernel connection: one generic-netlink socket and one `IPVS` family
//! lookup per `Ipvs` value, with one method per IPVS command.
//! (Skeleton: the signatures are the contract; bodies come with the codec.)

use crate::model::{Daemon, Destination, Info, Service, ServiceKey, Timeouts};

/// Why a kernel operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `IPVS` generic-netlink family is not registered (no ip_vs module).
    #[error("IPVS generic netlink family not found")]
    FamilyNotFound,
    /// The kernel answered with an error; the value is the positive errno.
    #[error("kernel error {0}")]
    Kernel(i32),
    /// A socket-level failure.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// A reply we could not decode.
    #[error("malformed reply: {0}")]
    Malformed(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A connection to the kernel's IPVS.
pub struct Ipvs {
    _private: (),
}

impl Ipvs {
    pub fn connect() -> Result<Ipvs> {
        todo!()
    }
    pub fn info(&mut self) -> Result<Info> {
        todo!()
    }
    pub fn add_service(&mut self, _svc: &Service) -> Result<()> {
        todo!()
    }
    pub fn edit_service(&mut self, _svc: &Service) -> Result<()> {
        todo!()
    }
    pub fn delete_service(&mut self, _key: &ServiceKey) -> Result<()> {
        todo!()
    }
    pub fn flush(&mut self) -> Result<()> {
        todo!()
    }
    pub fn services(&mut self) -> Result<Vec<Service>> {
        todo!()
    }
    pub fn service(&mut self, _key: &ServiceKey) -> Result<Service> {
        todo!()
    }
    pub fn destinations(&mut self, _key: &ServiceKey) -> Result<Vec<Destination>> {
        todo!()
    }
    pub fn add_destination(&mut self, _svc: &ServiceKey, _dest: &Destination) -> Result<()> {
        todo!()
    }
    pub fn edit_destination(&mut self, _svc: &ServiceKey, _dest: &Destination) -> Result<()> {
        todo!()
    }
    pub fn delete_destination(&mut self, _svc: &ServiceKey, _dest: &Destination) -> Result<()> {
        todo!()
    }
    pub fn zero(&mut self, _key: Option<&ServiceKey>) -> Result<()> {
        todo!()
    }
    pub fn timeouts(&mut self) -> Result<Timeouts> {
        todo!()
    }
    pub fn set_timeouts(&mut self, _t: &Timeouts) -> Result<()> {
        todo!()
    }
    pub fn daemons(&mut self) -> Result<Vec<Daemon>> {
        todo!()
    }
    pub fn start_daemon(&mut self, _d: &Daemon) -> Result<()> {
        todo!()
    }
    pub fn stop_daemon(&mut self, _d: &Daemon) -> Result<()> {
        todo!()
    }
}
