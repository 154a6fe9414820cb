//! Acting inside a named network namespace, as `ip -n NAME` does.
//!
//! `ip netns add NAME` keeps a namespace alive by bind-mounting it on
//! `/run/netns/NAME`; entering it is `open` + `setns(CLONE_NEWNET)`. IPVS
//! tables are per network namespace, and everything this crate touches
//! follows the namespace of the thread that opens it: netlink sockets
//! (IPVS, rtnetlink), `/proc/net/ip_vs*` (`/proc/self/net`) and
//! `/proc/sys/net`. So entering once, before anything is opened, moves the
//! whole process.
//!
//! Only the network namespace changes. `ip netns exec` also makes a mount
//! namespace to remount `/sys` and bind `/etc/netns/NAME/*` over `/etc`;
//! nothing here reads `/sys`, and name lookups keep the host's `/etc`
//! files (a difference only if `/etc/netns/NAME/hosts` exists).
//!
//! `setns` moves the calling thread only: call [`enter`] before any thread
//! is started (a resolver's, say) to move a whole program, as `ipvsadm
//! --netns` does first thing; [`Ipvs::connect_in`](crate::Ipvs::connect_in)
//! reaches one namespace's table without moving the caller.

use std::fs::File;
use std::path::PathBuf;

use nix::errno::Errno;
use nix::sched::{CloneFlags, setns};

/// Where `ip netns` keeps named network namespaces.
pub const RUN_DIR: &str = "/run/netns";

/// Why a namespace could not be entered; the texts are iproute2's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Empty, `.`, `..`, or containing `/` or NUL: not a name `ip netns
    /// add` makes, and would name another file than `/run/netns/NAME`.
    #[error("Invalid netns name \"{0}\"")]
    InvalidName(String),
    /// `/run/netns/NAME` could not be opened (no such namespace, or no
    /// permission to read it).
    #[error("Cannot open network namespace \"{name}\": {}", errno.desc())]
    Open {
        /// The namespace name as given.
        name: String,
        /// Why `open` failed.
        errno: Errno,
    },
    /// `setns` refused: not privileged (`EPERM`), or the file is not a
    /// network namespace (`EINVAL`).
    #[error("setting the network namespace \"{name}\" failed: {}", errno.desc())]
    Enter {
        /// The namespace name as given.
        name: String,
        /// Why `setns` failed.
        errno: Errno,
    },
}

impl Error {
    /// The errno of a failed open or `setns`.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::InvalidName(_) => None,
            Error::Open { errno, .. } | Error::Enter { errno, .. } => Some(*errno as i32),
        }
    }
}

/// Whether `name` is a namespace name as `ip netns add` accepts it.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

/// `/run/netns/NAME`, for a valid name.
pub fn path(name: &str) -> Result<PathBuf, Error> {
    if !valid_name(name) {
        return Err(Error::InvalidName(name.to_string()));
    }
    Ok(PathBuf::from(RUN_DIR).join(name))
}

/// Moves the calling thread into the network namespace `name` (see the
/// module docs: do it before starting threads or opening sockets). On
/// error nothing has changed.
pub fn enter(name: &str) -> Result<(), Error> {
    let file = File::open(path(name)?).map_err(|err| Error::Open {
        name: name.to_string(),
        errno: Errno::from_raw(err.raw_os_error().unwrap_or(libc::EINVAL)),
    })?;
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|errno| Error::Enter {
        name: name.to_string(),
        errno,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_ip_netns_add_takes_them() {
        for ok in ["a", "blue-1", "ns.x", "...", "é"] {
            assert!(valid_name(ok), "{ok}");
            assert_eq!(path(ok).unwrap(), PathBuf::from(format!("/run/netns/{ok}")));
        }
        for bad in ["", ".", "..", "a/b", "/a", "../a", "a\0b"] {
            assert!(!valid_name(bad), "{bad:?}");
            assert_eq!(enter(bad), Err(Error::InvalidName(bad.to_string())));
        }
    }

    #[test]
    fn messages_are_iproute2s() {
        assert_eq!(
            Error::InvalidName("a/b".into()).to_string(),
            "Invalid netns name \"a/b\""
        );
        let open = Error::Open {
            name: "x".into(),
            errno: Errno::ENOENT,
        };
        assert_eq!(
            open.to_string(),
            "Cannot open network namespace \"x\": No such file or directory"
        );
        let enter = Error::Enter {
            name: "x".into(),
            errno: Errno::EPERM,
        };
        assert_eq!(
            enter.to_string(),
            "setting the network namespace \"x\" failed: Operation not permitted"
        );
    }

    #[test]
    fn a_missing_namespace_is_an_open_error() {
        // No test creates this name; nothing changes on failure.
        let name = "ipvsadm-rs-test-no-such-namespace";
        assert_eq!(
            enter(name),
            Err(Error::Open {
                name: name.into(),
                errno: Errno::ENOENT
            })
        );
    }
}
