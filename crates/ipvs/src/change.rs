//! Changes to the kernel's table as values.
//!
//! A [`Change`] is one IPVS command that alters state, carrying exactly
//! what ipvsadm 1.31 sends for it, so a list of changes can be built and
//! compared without a kernel, printed, pipelined by
//! [`Ipvs::execute`](crate::Ipvs::execute), or sent one at a time by
//! [`Ipvs::change`](crate::Ipvs::change). The single-operation methods of
//! `Ipvs` (`add_service` and the rest) use the same encoding.

use crate::client::Operation;
use crate::model::{Daemon, DaemonState, Destination, Service, ServiceKey, Timeouts};
use crate::wire::Request;

/// One change to the kernel's IPVS state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// NEW_SERVICE: a service with its scheduler, flags, persistence and
    /// persistence engine.
    AddService(Service),
    /// SET_SERVICE: replaces everything but the key (what is left at its
    /// default goes back to the default).
    EditService(Service),
    /// DEL_SERVICE, with its real servers.
    DeleteService(ServiceKey),
    /// FLUSH: every service and real server.
    Flush,
    /// NEW_DEST: a real server of `service`.
    AddDestination {
        /// The service the real server belongs to.
        service: ServiceKey,
        /// The real server.
        destination: Destination,
    },
    /// SET_DEST: replaces forwarding method, weight, thresholds and tunnel.
    EditDestination {
        /// The service the real server belongs to.
        service: ServiceKey,
        /// The real server.
        destination: Destination,
    },
    /// DEL_DEST: the kernel finds the real server by address and port;
    /// the rest is sent as given, as ipvsadm does.
    DeleteDestination {
        /// The service the real server belongs to.
        service: ServiceKey,
        /// The real server.
        destination: Destination,
    },
    /// ZERO: one service's counters, or every counter with `None`.
    Zero(Option<ServiceKey>),
    /// SET_CONFIG: a 0 timeout leaves that one unchanged.
    SetTimeouts(Timeouts),
    /// NEW_DAEMON: a connection-synchronisation daemon.
    StartDaemon(Daemon),
    /// DEL_DAEMON: the daemon of that role (`syncid` is sent as ipvsadm
    /// sends it; the kernel does not look at it).
    StopDaemon {
        /// The role of the daemon to stop.
        state: DaemonState,
        /// Sent along; the kernel ignores it.
        syncid: u32,
    },
}

impl Change {
    /// The operation that names this change in an [`Error`](crate::Error).
    pub fn operation(&self) -> Operation {
        match self {
            Change::AddService(_) => Operation::AddService,
            Change::EditService(_) => Operation::EditService,
            Change::DeleteService(_) => Operation::DeleteService,
            Change::Flush => Operation::Flush,
            Change::AddDestination { .. } => Operation::AddDestination,
            Change::EditDestination { .. } => Operation::EditDestination,
            Change::DeleteDestination { .. } => Operation::DeleteDestination,
            Change::Zero(_) => Operation::Zero,
            Change::SetTimeouts(_) => Operation::SetTimeouts,
            Change::StartDaemon(_) => Operation::StartDaemon,
            Change::StopDaemon { .. } => Operation::StopDaemon,
        }
    }

    /// The request that makes this change.
    pub(crate) fn request(&self) -> Request {
        match self {
            Change::AddService(svc) => Request::new_service(svc),
            Change::EditService(svc) => Request::set_service(svc),
            Change::DeleteService(key) => Request::del_service(key),
            Change::Flush => Request::flush(),
            Change::AddDestination {
                service,
                destination,
            } => Request::new_dest(service, destination),
            Change::EditDestination {
                service,
                destination,
            } => Request::set_dest(service, destination),
            Change::DeleteDestination {
                service,
                destination,
            } => Request::del_dest(service, destination),
            Change::Zero(key) => Request::zero(key.as_ref()),
            Change::SetTimeouts(t) => Request::set_config(t),
            Change::StartDaemon(d) => Request::new_daemon(d),
            Change::StopDaemon { state, syncid } => Request::del_daemon(*state, *syncid),
        }
    }
}
