//! One writer at a time per IPVS table.
//!
//! IPVS has one table per network namespace and no way to group changes,
//! so two programs applying plans to the same table would interleave
//! their changes and undo each other's. An exclusive `flock` on a file
//! named after the namespace serialises them: the second waits. The
//! namespace is named by the inode of its `/proc` handle, which is the
//! same for every process inside it, and the lock goes with the process
//! (a killed holder releases it).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Where the lock files live by default.
pub const LOCK_DIR: &str = "/run/ipvsadm";

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// Waits for the lock of the calling thread's network namespace, in
    /// `dir` (created, mode 0700, if missing).
    pub fn acquire_in(dir: &Path) -> io::Result<Lock> {
        let netns = fs::metadata("/proc/thread-self/ns/net")?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let path = dir.join(format!("apply-netns-{}-{}.lock", netns.dev(), netns.ino()));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok(Lock { _file: file, path })
    }

    /// [`Lock::acquire_in`] the default directory, [`LOCK_DIR`].
    pub fn acquire() -> io::Result<Lock> {
        Lock::acquire_in(Path::new(LOCK_DIR))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_in_the_namespace_waits() {
        let dir = std::env::temp_dir().join(format!("ipvs-lock-test-{}", std::process::id()));
        let first = Lock::acquire_in(&dir).unwrap();
        // Another open file description of the same file cannot lock it.
        let other = File::options().write(true).open(first.path()).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(first);
        assert!(other.try_lock().is_ok());
        drop(other);
        let _ = fs::remove_dir_all(&dir);
    }
}
