//! Sysctls as files under `/proc/sys`, and which values each one we touch
//! must have.
//!
//! A key is kept as its path below `/proc/sys` (`net/ipv4/conf/lo/arp_ignore`)
//! rather than sysctl(8)'s dotted name, because interface names may contain
//! dots (`eth0.100`); the dotted form is only for display. Reading a key that
//! does not exist is not an error (`None`): an interface can be missing, or
//! IPv6 disabled, and the planner decides what that means.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::{Error, Result};

/// Where sysctls live.
pub const PROC_SYS: &str = "/proc/sys";

/// A sysctl, by its path below `/proc/sys`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sysctl(String);

impl Sysctl {
    /// A key from its path below `/proc/sys`; `None` for anything that could
    /// leave that directory or is not a plain name.
    pub fn new(path: &str) -> Option<Sysctl> {
        let ok = !path.is_empty()
            && path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..")
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_.:-@".contains(&b));
        ok.then(|| Sysctl(path.to_string()))
    }

    /// `net/ipv4/conf/IFACE/LEAF`.
    pub fn ipv4_conf(iface: &str, leaf: &str) -> Sysctl {
        Sysctl(format!("net/ipv4/conf/{iface}/{leaf}"))
    }

    /// `net/ipv4/ip_forward`.
    pub fn ip_forward() -> Sysctl {
        Sysctl("net/ipv4/ip_forward".to_string())
    }

    /// `net/ipv6/conf/all/forwarding`.
    pub fn ipv6_forwarding() -> Sysctl {
        Sysctl("net/ipv6/conf/all/forwarding".to_string())
    }

    /// The path below `/proc/sys`.
    pub fn path(&self) -> &str {
        &self.0
    }

    /// The last component (`arp_ignore`).
    pub fn leaf(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The file under `root` (normally `/proc/sys`).
    pub fn file(&self, root: &Path) -> PathBuf {
        root.join(&self.0)
    }

    /// What this project wants the key to be, for the keys it touches.
    pub fn want(&self) -> Option<Want> {
        match self.leaf() {
            // 1: answer only for addresses of the receiving interface; 2, 3
            // and 8 are stricter still, so they are left alone.
            "arp_ignore" => Some(Want {
                set: "1",
                accept: &["1", "2", "3", "8"],
            }),
            // 2: always use the best local address of the outgoing
            // interface as ARP source, never the VIP.
            "arp_announce" => Some(Want {
                set: "2",
                accept: &["2"],
            }),
            "rp_filter" => Some(Want {
                set: "0",
                accept: &["0"],
            }),
            "ip_forward" | "forwarding" => Some(Want {
                set: "1",
                accept: &["1"],
            }),
            _ => None,
        }
    }
}

/// sysctl(8)'s dotted name: dots inside a component become slashes.
impl fmt::Display for Sysctl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dotted: Vec<String> = self.0.split('/').map(|c| c.replace('.', "/")).collect();
        f.write_str(&dotted.join("."))
    }
}

/// The value a key must have: what we write, and what already counts as
/// done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub set: &'static str,
    pub accept: &'static [&'static str],
}

impl Want {
    pub fn satisfied_by(&self, value: &str) -> bool {
        self.accept.contains(&value)
    }
}

/// The current value (trimmed), or `None` when the key does not exist.
pub fn read(root: &Path, key: &Sysctl) -> Result<Option<String>> {
    let file = key.file(root);
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io {
            path: file.display().to_string(),
            source: e,
        }),
    }
}

/// Writes `value` (with a newline, as `echo` does).
pub fn write(root: &Path, key: &Sysctl, value: &str) -> Result<()> {
    let file = key.file(root);
    std::fs::write(&file, format!("{value}\n")).map_err(|e| Error::Io {
        path: file.display().to_string(),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_below_proc_sys() {
        assert!(Sysctl::new("net/ipv4/conf/eth0.100/rp_filter").is_some());
        for bad in [
            "",
            "/etc/passwd",
            "net/../../etc",
            "net//x",
            "net/ipv4 x",
            "net/./x",
        ] {
            assert_eq!(Sysctl::new(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn display_is_sysctl_dotted_name() {
        let k = Sysctl::ipv4_conf("eth0.100", "rp_filter");
        assert_eq!(k.to_string(), "net.ipv4.conf.eth0/100.rp_filter");
        assert_eq!(k.leaf(), "rp_filter");
        assert_eq!(Sysctl::ip_forward().to_string(), "net.ipv4.ip_forward");
    }

    #[test]
    fn stricter_arp_ignore_counts_as_done() {
        let w = Sysctl::ipv4_conf("all", "arp_ignore").want().unwrap();
        assert!(w.satisfied_by("1") && w.satisfied_by("8"));
        assert!(!w.satisfied_by("0") && !w.satisfied_by("4"));
    }

    #[test]
    fn read_and_write_a_file_tree() {
        let dir = std::env::temp_dir().join(format!("ipvsadm-sysctl-{}", std::process::id()));
        let key = Sysctl::ipv4_conf("lo", "arp_ignore");
        std::fs::create_dir_all(key.file(&dir).parent().unwrap()).unwrap();
        assert_eq!(read(&dir, &key).unwrap(), None);
        write(&dir, &key, "1").unwrap();
        assert_eq!(read(&dir, &key).unwrap().as_deref(), Some("1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
