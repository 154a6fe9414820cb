//! The record of what setup changed, one small text file per VIP (and one
//! for the director), so that teardown undoes exactly that and status can
//! tell what drifted.
//!
//! Plain text, one fact a line, so an operator can read it with `cat`:
//!
//! ```text
//! # ipvsadm realserver state 1
//! subject 10.0.0.1
//! method dr
//! link lo was-up
//! address lo 10.0.0.1/32 added
//! sysctl net/ipv4/conf/all/arp_ignore 1 was 0
//! sysctl net/ipv4/conf/lo/arp_ignore 1 kept
//! ```
//!
//! `added`/`brought-up`/`was V` mark what setup changed (teardown reverts
//! those); `was-there`/`was-up`/`kept` mark what was already in place and
//! is only used. The files live in a directory per network namespace
//! (`/run/ipvsadm-realserver/net-INODE/`), because `ip netns exec` shares
//! `/run` between namespaces while each has its own addresses and sysctls.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::sysctl::Sysctl;
use super::{Error, Method, Result};

/// The base directory of all state.
pub const RUN_DIR: &str = "/run/ipvsadm-realserver";

const HEADER: &str = "# ipvsadm realserver state 1";

/// Whose record a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A real server's VIP.
    Vip(IpAddr),
    /// The director's own settings (`ipvsadm director setup`).
    Director,
}

impl Subject {
    fn file_name(&self) -> String {
        match self {
            Subject::Vip(ip) => format!("{ip}.state"),
            Subject::Director => "director.state".to_string(),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Vip(ip) => write!(f, "{ip}"),
            Subject::Director => f.write_str("director"),
        }
    }
}

/// One thing a setup relies on, and whether setup made it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The interface is up; `brought_up` when setup set it up.
    Link { iface: String, brought_up: bool },
    /// The VIP on the interface; `added` when setup added it.
    Address {
        iface: String,
        addr: IpAddr,
        prefix: u8,
        added: bool,
    },
    /// The sysctl had `value` after setup; `previous` is what setup found
    /// and replaced (`None`: it was already fine and left alone).
    Sysctl {
        key: Sysctl,
        value: String,
        previous: Option<String>,
    },
}

/// What two records are about, regardless of who changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    Link(&'a str),
    Address(&'a str, IpAddr, u8),
    Sysctl(&'a Sysctl),
}

impl Record {
    pub fn resource(&self) -> Resource<'_> {
        match self {
            Record::Link { iface, .. } => Resource::Link(iface),
            Record::Address {
                iface,
                addr,
                prefix,
                ..
            } => Resource::Address(iface, *addr, *prefix),
            Record::Sysctl { key, .. } => Resource::Sysctl(key),
        }
    }

    /// Did setup change this (so teardown owes a revert)?
    pub fn changed(&self) -> bool {
        match self {
            Record::Link { brought_up, .. } => *brought_up,
            Record::Address { added, .. } => *added,
            Record::Sysctl { previous, .. } => previous.is_some(),
        }
    }
}

/// Everything recorded for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub subject: Subject,
    pub method: Method,
    pub records: Vec<Record>,
}

fn word_ok(w: &str) -> bool {
    !w.is_empty() && !w.chars().any(char::is_whitespace)
}

impl State {
    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = format!(
            "{HEADER}\nsubject {}\nmethod {}\n",
            self.subject, self.method
        );
        for r in &self.records {
            // Writing to a String cannot fail.
            let _ = match r {
                Record::Link { iface, brought_up } => writeln!(
                    s,
                    "link {iface} {}",
                    if *brought_up { "brought-up" } else { "was-up" }
                ),
                Record::Address {
                    iface,
                    addr,
                    prefix,
                    added,
                } => writeln!(
                    s,
                    "address {iface} {addr}/{prefix} {}",
                    if *added { "added" } else { "was-there" }
                ),
                Record::Sysctl {
                    key,
                    value,
                    previous: Some(p),
                } => writeln!(s, "sysctl {} {value} was {p}", key.path()),
                Record::Sysctl { key, value, .. } => {
                    writeln!(s, "sysctl {} {value} kept", key.path())
                }
            };
        }
        s
    }

    /// Whether every word can be written and read back (interface names
    /// and sysctl values without blanks).
    pub fn check_renderable(&self) -> Result<()> {
        for r in &self.records {
            let words: Vec<&str> = match r {
                Record::Link { iface, .. } | Record::Address { iface, .. } => vec![iface],
                Record::Sysctl {
                    value, previous, ..
                } => std::iter::once(value.as_str())
                    .chain(previous.as_deref())
                    .collect(),
            };
            if let Some(bad) = words.iter().find(|w| !word_ok(w)) {
                return Err(Error::Unsupported(format!(
                    "cannot record {bad:?} (empty or contains blanks)"
                )));
            }
        }
        Ok(())
    }

    /// Reads a file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<State> {
        let bad = |line: usize, msg: &str| Error::State {
            path: origin.to_string(),
            line,
            msg: msg.to_string(),
        };
        let mut subject = None;
        let mut method = None;
        let mut records = Vec::new();
        let mut saw_header = false;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim() == HEADER {
                saw_header = true;
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let w: Vec<&str> = line.split_whitespace().collect();
            match w.as_slice() {
                ["subject", "director"] => subject = Some(Subject::Director),
                ["subject", ip] => {
                    subject = Some(Subject::Vip(
                        ip.parse().map_err(|_| bad(n, "bad subject address"))?,
                    ))
                }
                ["method", m] => method = Some(m.parse().map_err(|_| bad(n, "bad method"))?),
                ["link", iface, how] => records.push(Record::Link {
                    iface: iface.to_string(),
                    brought_up: match *how {
                        "brought-up" => true,
                        "was-up" => false,
                        _ => return Err(bad(n, "link: expected brought-up or was-up")),
                    },
                }),
                ["address", iface, cidr, how] => {
                    let (addr, prefix) = cidr
                        .split_once('/')
                        .ok_or_else(|| bad(n, "address: expected ADDR/PREFIX"))?;
                    let addr: IpAddr = addr.parse().map_err(|_| bad(n, "address: bad address"))?;
                    let prefix: u8 = prefix.parse().map_err(|_| bad(n, "address: bad prefix"))?;
                    if prefix > if addr.is_ipv4() { 32 } else { 128 } {
                        return Err(bad(n, "address: prefix too long"));
                    }
                    records.push(Record::Address {
                        iface: iface.to_string(),
                        addr,
                        prefix,
                        added: match *how {
                            "added" => true,
                            "was-there" => false,
                            _ => return Err(bad(n, "address: expected added or was-there")),
                        },
                    });
                }
                ["sysctl", key, value, rest @ ..] => {
                    let key = Sysctl::new(key).ok_or_else(|| bad(n, "sysctl: bad key"))?;
                    let previous = match rest {
                        ["kept"] => None,
                        ["was", p] => Some(p.to_string()),
                        _ => return Err(bad(n, "sysctl: expected `kept` or `was VALUE`")),
                    };
                    records.push(Record::Sysctl {
                        key,
                        value: value.to_string(),
                        previous,
                    });
                }
                _ => return Err(bad(n, "unknown line")),
            }
        }
        if !saw_header {
            return Err(bad(1, "not an ipvsadm realserver state file"));
        }
        Ok(State {
            subject: subject.ok_or_else(|| bad(0, "no subject line"))?,
            method: method.ok_or_else(|| bad(0, "no method line"))?,
            records,
        })
    }
}

/// The state directory of one network namespace.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

/// Holds the directory's lock (`flock` on `.lock`) until dropped, so two
/// setups in one namespace do not interleave their read-modify-write.
pub struct Lock {
    _lock: nix::fcntl::Flock<fs::File>,
}

fn io_err(path: &Path, e: io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source: e,
    }
}

impl StateDir {
    pub fn new(dir: impl Into<PathBuf>) -> StateDir {
        StateDir { dir: dir.into() }
    }

    /// `/run/ipvsadm-realserver/net-INODE` for the calling process's
    /// network namespace.
    pub fn for_current_netns() -> Result<StateDir> {
        let ns = Path::new("/proc/self/ns/net");
        let ino = fs::metadata(ns).map_err(|e| io_err(ns, e))?.ino();
        Ok(StateDir::new(Path::new(RUN_DIR).join(format!("net-{ino}"))))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn file(&self, subject: &Subject) -> PathBuf {
        self.dir.join(subject.file_name())
    }

    /// Creates the directory if needed and takes the lock.
    pub fn lock(&self) -> Result<Lock> {
        fs::create_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        let path = self.dir.join(".lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let lock = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| io_err(&path, io::Error::from_raw_os_error(errno as i32)))?;
        Ok(Lock { _lock: lock })
    }

    /// The record of `subject`, if any.
    pub fn load(&self, subject: &Subject) -> Result<Option<State>> {
        let path = self.file(subject);
        match fs::read_to_string(&path) {
            Ok(text) => State::parse(&text, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path, e)),
        }
    }

    /// Every record in the directory, ordered by subject.
    pub fn all(&self) -> Result<Vec<State>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir, e)),
        };
        let mut states = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io_err(&self.dir, e))?.path();
            if path.extension().is_some_and(|e| e == "state") {
                let text = fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
                states.push(State::parse(&text, &path.display().to_string())?);
            }
        }
        states.sort_by_key(|s| s.subject);
        Ok(states)
    }

    /// Writes the record atomically (temporary file, then rename).
    pub fn save(&self, state: &State) -> Result<()> {
        state.check_renderable()?;
        fs::create_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        let path = self.file(&state.subject);
        let tmp = self.dir.join(format!(".{}.tmp", state.subject.file_name()));
        fs::write(&tmp, state.render()).map_err(|e| io_err(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))
    }

    /// Removes the record; a missing one is fine.
    pub fn remove(&self, subject: &Subject) -> Result<()> {
        let path = self.file(subject);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(&path, e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        State {
            subject: Subject::Vip("2001:db8::1".parse().unwrap()),
            method: Method::Tun,
            records: vec![
                Record::Link {
                    iface: "ip6tnl0".into(),
                    brought_up: true,
                },
                Record::Address {
                    iface: "ip6tnl0".into(),
                    addr: "2001:db8::1".parse().unwrap(),
                    prefix: 128,
                    added: true,
                },
                Record::Sysctl {
                    key: Sysctl::ipv4_conf("all", "rp_filter"),
                    value: "0".into(),
                    previous: Some("2".into()),
                },
                Record::Sysctl {
                    key: Sysctl::ipv4_conf("tunl0", "rp_filter"),
                    value: "0".into(),
                    previous: None,
                },
            ],
        }
    }

    #[test]
    fn text_round_trip() {
        let s = sample();
        let text = s.render();
        assert_eq!(
            text,
            "# ipvsadm realserver state 1\nsubject 2001:db8::1\nmethod tun\n\
             link ip6tnl0 brought-up\naddress ip6tnl0 2001:db8::1/128 added\n\
             sysctl net/ipv4/conf/all/rp_filter 0 was 2\n\
             sysctl net/ipv4/conf/tunl0/rp_filter 0 kept\n"
        );
        assert_eq!(State::parse(&text, "t").unwrap(), s);
        let d = State {
            subject: Subject::Director,
            method: Method::Nat,
            records: vec![],
        };
        assert_eq!(State::parse(&d.render(), "t").unwrap(), d);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        for text in [
            "",
            "subject 10.0.0.1\nmethod dr\n",
            "# ipvsadm realserver state 1\nmethod dr\n",
            "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod xx\n",
            "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\naddress lo 10.0.0.1/33 added\n",
            "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\nsysctl ../x 1 kept\n",
            "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\nsysctl a/b 1 was\n",
            "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\nlink lo sideways\n",
        ] {
            assert!(State::parse(text, "t").is_err(), "{text:?}");
        }
    }

    #[test]
    fn blank_values_are_refused() {
        let mut s = sample();
        s.records.push(Record::Sysctl {
            key: Sysctl::ip_forward(),
            value: "1 2".into(),
            previous: None,
        });
        assert!(s.check_renderable().is_err());
    }

    #[test]
    fn directory_save_load_all_remove() {
        let dir = std::env::temp_dir().join(format!("ipvsadm-state-{}", std::process::id()));
        let sd = StateDir::new(&dir);
        assert!(sd.all().unwrap().is_empty());
        let _lock = sd.lock().unwrap();
        let s = sample();
        sd.save(&s).unwrap();
        assert_eq!(sd.load(&s.subject).unwrap(), Some(s.clone()));
        assert_eq!(sd.all().unwrap(), vec![s.clone()]);
        sd.remove(&s.subject).unwrap();
        sd.remove(&s.subject).unwrap();
        assert_eq!(sd.load(&s.subject).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
