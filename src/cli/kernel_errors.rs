//! ipvsadm's wording for kernel errors.
//!
//! libipvs turns an errno into text with a table keyed by the operation
//! that failed, then falls back to operation-independent entries and last
//! to `strerror`. Scripts match on these strings, so they are kept exactly,
//! typos and double spaces included.

use ipvs::{Error, Failure, Operation};

/// The IPVS operation a kernel error belongs to; it selects the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Init,
    AddService,
    EditService,
    DeleteService,
    Flush,
    AddDest,
    EditDest,
    DeleteDest,
    Zero,
    SetTimeouts,
    StartDaemon,
    StopDaemon,
    /// Service dump, destination dump, single service lookup (`-L`, `-S`).
    List,
}

/// The positive errno a failure stands for. Failures that are not kernel
/// error replies count as EINVAL, as in libipvs; a missing `IPVS` family is
/// what the legacy fallback would meet: no protocol, or no raw socket for a
/// non-root user.
pub fn errno_of(err: &Error) -> i32 {
    match err.failure() {
        Failure::FamilyNotFound => {
            if nix::unistd::geteuid().is_root() {
                libc::ENOPROTOOPT
            } else {
                libc::EPERM
            }
        }
        other => other.errno().unwrap_or(libc::EINVAL),
    }
}

/// The wording key of a library operation.
fn op_of(operation: Operation) -> Op {
    match operation {
        Operation::AddService => Op::AddService,
        Operation::EditService => Op::EditService,
        Operation::DeleteService => Op::DeleteService,
        Operation::Flush => Op::Flush,
        Operation::AddDestination => Op::AddDest,
        Operation::EditDestination => Op::EditDest,
        Operation::DeleteDestination => Op::DeleteDest,
        Operation::Zero => Op::Zero,
        Operation::SetTimeouts => Op::SetTimeouts,
        Operation::StartDaemon => Op::StartDaemon,
        Operation::StopDaemon => Op::StopDaemon,
        Operation::Connect | Operation::GetInfo => Op::Init,
        _ => Op::List,
    }
}

/// The message ipvsadm prints for a failed change or read, worded by the
/// operation the error carries.
pub fn kernel_message(err: &Error) -> String {
    message(op_of(err.operation()), errno_of(err))
}

/// The message ipvsadm prints for `errno` after `op` failed.
pub fn message(op: Op, errno: i32) -> String {
    use Op::*;
    let specific = match (op, errno) {
        (AddService, libc::EEXIST) => Some("Service already exists"),
        (AddService | EditService, libc::ENOENT) => {
            Some("Scheduler or persistence engine not found")
        }
        (EditService | DeleteService | Zero, libc::ESRCH) => Some("No such service"),
        (AddDest | EditDest | DeleteDest, libc::ESRCH) => Some("Service not defined"),
        (AddDest, libc::EEXIST) => Some("Destination already exists"),
        (EditDest | DeleteDest, libc::ENOENT) => Some("No such destination"),
        (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        (List, libc::ESRCH) => Some("No such service"),
        (_, libc::EPERM) => Some("Permission denied (you must be root)"),
        (_, libc::EINVAL) => {
            Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
        }
        (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
        (_, libc::ENOMEM) => Some("Memory allocation problem"),
        (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, libc::EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, libc::EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    match specific {
        Some(text) => text.to_string(),
        None => strerror(errno),
    }
}

/// The C library's own text for an errno (what C's `strerror` prints).
pub(crate) use crate::sys::strerror;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_specific_text_wins() {
        assert_eq!(
            message(Op::AddService, libc::EEXIST),
            "Service already exists"
        );
        assert_eq!(
            message(Op::AddDest, libc::EEXIST),
            "Destination already exists"
        );
        assert_eq!(message(Op::DeleteDest, libc::ESRCH), "Service not defined");
        assert_eq!(message(Op::DeleteService, libc::ESRCH), "No such service");
        assert_eq!(message(Op::StopDaemon, libc::ESRCH), "No daemon is running");
    }

    #[test]
    fn generic_entries_and_strerror_fallback() {
        assert_eq!(
            message(Op::Flush, libc::EPERM),
            "Permission denied (you must be root)"
        );
        assert_eq!(
            message(Op::AddDest, libc::EINVAL),
            "Invalid operation.  Possibly wrong module version, address not unicast, ..."
        );
        // EEXIST has no generic entry: strerror's text.
        assert_eq!(message(Op::EditService, libc::EEXIST), "File exists");
        assert_eq!(
            message(Op::AddDest, libc::ERANGE),
            "Numerical result out of range"
        );
        assert_eq!(message(Op::StartDaemon, libc::ENODEV), "No such device");
    }
}
