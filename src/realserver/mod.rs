//! Preparing hosts for LVS: a real server for a VIP (DR or TUN), and the
//! director's own switches (NAT forwarding), done idempotently and undone
//! exactly.
//!
//! The shape follows "read, plan, record, apply": `Host` reads links,
//! addresses and sysctls; `plan` decides from that snapshot what to change
//! (pure, unit-tested); `state` records what was changed, one file per
//! VIP, before it is applied; `apply` carries the steps out and, when one
//! fails, undoes the ones already done, so a failure leaves nothing
//! half-done. "Already there" is never an error: it becomes a record that
//! teardown leaves alone. Links and addresses go through rtnetlink
//! (`rtnl`), sysctls through `/proc/sys` (`sysctl`); nothing shells out
//! except `/sbin/modprobe`, as ipvsadm itself does for `ip_vs`.

pub mod director;
pub mod plan;
pub mod rtnl;
pub mod state;
pub mod sysctl;
mod system;

use std::fmt;
use std::net::IpAddr;

pub use plan::{Finding, Needs, Observed, Step};
use state::Lock;
pub use state::{State, StateDir, Subject};
pub use sysctl::Sysctl;
pub use system::SystemHost;

/// How the director reaches the real servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Direct routing (`-g`): the VIP on `lo`, ARP for it suppressed.
    Dr,
    /// IP-in-IP tunnelling (`-i`): the VIP on the tunnel device.
    Tun,
    /// Masquerading (`-m`): nothing on the real server but its gateway;
    /// the director forwards.
    Nat,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Dr => "dr",
            Method::Tun => "tun",
            Method::Nat => "nat",
        })
    }
}

impl std::str::FromStr for Method {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Method, ()> {
        match s {
            "dr" => Ok(Method::Dr),
            "tun" => Ok(Method::Tun),
            "nat" => Ok(Method::Nat),
            _ => Err(()),
        }
    }
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    pub up: bool,
    pub mtu: Option<u32>,
}

/// An address on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix: u8,
}

fn errno_text(errno: i32) -> &'static str {
    nix::errno::Errno::from_raw(errno).desc()
}

/// Why preparation failed. The messages state what is wrong and name no
/// command-line option: a caller adds its own way out (ours does in
/// `cli::realserver`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what}: {}", errno_text(*errno))]
    Netlink { what: String, errno: i32 },
    #[error("malformed netlink message: {0}")]
    Malformed(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Changes need root with CAP_NET_ADMIN, and the caller lacks them.
    #[error("permission denied: changing addresses, links and sysctls needs root (CAP_NET_ADMIN)")]
    NotPermitted,
    /// The VIP is already on `iface`, not on `wanted`, the interface
    /// setup would put it on.
    #[error("{vip} is already on {iface} (as /{prefix})")]
    VipElsewhere {
        vip: IpAddr,
        iface: String,
        prefix: u8,
        wanted: String,
    },
    #[error("interface {0} does not exist")]
    NoInterface(String),
    #[error("sysctl {0} does not exist (is the interface or the protocol missing?)")]
    NoSysctl(Sysctl),
    #[error("cannot load module {module}: {detail}")]
    Module { module: String, detail: String },
    #[error("{subject} is set up for {recorded}; tear it down before setting it up for {wanted}")]
    MethodConflict {
        subject: Subject,
        recorded: Method,
        wanted: Method,
    },
    #[error("{path}:{line}: {msg}")]
    State {
        path: String,
        line: usize,
        msg: String,
    },
    #[error("{0}")]
    Unsupported(String),
    /// A step failed after others were applied; those were undone.
    #[error("{failed}{}", rollback_text(undone, undo_failed))]
    Applied {
        failed: Box<Error>,
        undone: Vec<String>,
        undo_failed: Vec<String>,
    },
}

fn rollback_text(undone: &[String], undo_failed: &[String]) -> String {
    let mut s = String::new();
    if !undone.is_empty() {
        s.push_str("; undone: ");
        s.push_str(&undone.join(", "));
    }
    if !undo_failed.is_empty() {
        s.push_str("; COULD NOT UNDO: ");
        s.push_str(&undo_failed.join(", "));
    }
    s
}

pub type Result<T> = std::result::Result<T, Error>;

/// What the preparation reads and changes; `SystemHost` is the real one,
/// tests use a fake.
pub trait Host {
    fn links(&mut self) -> Result<Vec<Link>>;
    fn addresses(&mut self) -> Result<Vec<Address>>;
    /// `None` when the key does not exist.
    fn read_sysctl(&mut self, key: &Sysctl) -> Result<Option<String>>;
    fn write_sysctl(&mut self, key: &Sysctl, value: &str) -> Result<()>;
    fn add_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8, nodad: bool) -> Result<()>;
    fn delete_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8) -> Result<()>;
    fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<()>;
    fn load_module(&mut self, name: &str) -> Result<()>;
    /// Fails with `NotPermitted` when changes cannot be made.
    fn check_may_change(&mut self) -> Result<()>;
}

/// Reads links, addresses and the given sysctls.
pub fn observe(host: &mut dyn Host, keys: &[Sysctl]) -> Result<Observed> {
    let links = host.links()?;
    let addrs = host.addresses()?;
    let mut sysctls = std::collections::BTreeMap::new();
    for k in keys {
        sysctls.insert(k.clone(), host.read_sysctl(k)?);
    }
    Ok(Observed {
        links,
        addrs,
        sysctls,
    })
}

fn ifindex(host: &mut dyn Host, iface: &str) -> Result<u32> {
    host.links()?
        .into_iter()
        .find(|l| l.name == iface)
        .map(|l| l.index)
        .ok_or_else(|| Error::NoInterface(iface.to_string()))
}

fn run_step(host: &mut dyn Host, step: &Step) -> Result<()> {
    match step {
        Step::LoadModule(m) => host.load_module(m),
        Step::SetLink { iface, up } => {
            let i = ifindex(host, iface)?;
            host.set_link_up(i, *up)
        }
        Step::AddAddress {
            iface,
            addr,
            prefix,
            nodad,
        } => {
            let i = ifindex(host, iface)?;
            match host.add_address(i, addr, *prefix, *nodad) {
                // Appeared since we looked: it is there, which is the goal.
                Err(Error::Netlink { errno, .. }) if errno == libc::EEXIST => Ok(()),
                other => other,
            }
        }
        Step::DeleteAddress {
            iface,
            addr,
            prefix,
        } => {
            let i = ifindex(host, iface)?;
            match host.delete_address(i, addr, *prefix) {
                // Already gone: the goal again.
                Err(Error::Netlink { errno, .. }) if errno == libc::EADDRNOTAVAIL => Ok(()),
                other => other,
            }
        }
        Step::SetSysctl { key, to, .. } => host.write_sysctl(key, to),
    }
}

/// Applies `steps` in order, calling `done` after each. When one fails,
/// the ones done are undone in reverse order and the error says so.
pub fn apply(host: &mut dyn Host, steps: &[Step], done: &mut dyn FnMut(&Step)) -> Result<()> {
    for (i, step) in steps.iter().enumerate() {
        if let Err(e) = run_step(host, step) {
            let mut undone = Vec::new();
            let mut undo_failed = Vec::new();
            for prev in steps[..i].iter().rev() {
                if let Some(inv) = prev.inverse() {
                    match run_step(host, &inv) {
                        Ok(()) => undone.push(inv.describe(true)),
                        Err(e) => undo_failed.push(format!("{}: {e}", inv.describe(false))),
                    }
                }
            }
            return Err(Error::Applied {
                failed: Box::new(e),
                undone,
                undo_failed,
            });
        }
        done(step);
    }
    Ok(())
}

/// What a setup or teardown did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub steps: Vec<Step>,
    pub notes: Vec<String>,
}

/// The start of a setup or teardown that will change the host: privileges
/// first (without them even the record cannot be written), then the lock
/// on the records. A dry run needs neither.
fn begin_change(host: &mut dyn Host, dir: &StateDir, dry_run: bool) -> Result<Option<Lock>> {
    if dry_run {
        return Ok(None);
    }
    host.check_may_change()?;
    Ok(Some(dir.lock()?))
}

/// Sets `needs` up. In a dry run nothing is written, not even the record.
/// `progress` hears about each step as it is done.
pub fn setup(
    host: &mut dyn Host,
    dir: &StateDir,
    needs: &Needs,
    dry_run: bool,
    progress: &mut dyn FnMut(&Step),
) -> Result<Report> {
    let _lock = begin_change(host, dir, dry_run)?;
    let existing = dir.load(&needs.subject)?;
    let mut plan = plan::plan_setup(needs, &observe(host, &needs.sysctls)?, existing.as_ref())?;
    if dry_run {
        return Ok(Report {
            steps: plan.steps,
            notes: plan.notes,
        });
    }
    let mut done = Vec::new();
    if let Some(Step::LoadModule(m)) = plan.steps.first().cloned() {
        host.load_module(&m)?;
        progress(&Step::LoadModule(m.clone()));
        done.push(Step::LoadModule(m.clone()));
        plan = plan::plan_setup(needs, &observe(host, &needs.sysctls)?, existing.as_ref())?;
        if plan.steps.iter().any(|s| matches!(s, Step::LoadModule(_))) {
            let dev = needs.iface.as_ref().map_or("", |i| i.name.as_str());
            return Err(Error::Module {
                module: m,
                detail: format!("loaded, but {dev} did not appear"),
            });
        }
    }
    if existing.as_ref() != Some(&plan.state) {
        dir.save(&plan.state)?;
    }
    let mut record = |s: &Step| {
        progress(s);
        done.push(s.clone());
    };
    if let Err(e) = apply(host, &plan.steps, &mut record) {
        // Put the record back as it was; the steps are already undone.
        let restored = match &existing {
            Some(old) => dir.save(old),
            None => dir.remove(&needs.subject),
        };
        return Err(match restored {
            Ok(()) => e,
            Err(r) => Error::Unsupported(format!("{e}; and restoring the record failed: {r}")),
        });
    }
    Ok(Report {
        steps: done,
        notes: plan.notes,
    })
}

/// Undoes what was recorded for `subject`. Nothing recorded is not an
/// error: it is reported as a note ("nothing to do").
pub fn teardown(
    host: &mut dyn Host,
    dir: &StateDir,
    subject: &Subject,
    dry_run: bool,
    progress: &mut dyn FnMut(&Step),
) -> Result<Report> {
    let _lock = begin_change(host, dir, dry_run)?;
    let Some(mine) = dir.load(subject)? else {
        return Ok(Report {
            steps: Vec::new(),
            notes: vec![format!("nothing recorded for {subject}; nothing to undo")],
        });
    };
    let others: Vec<State> = dir
        .all()?
        .into_iter()
        .filter(|s| s.subject != *subject)
        .collect();
    let keys: Vec<Sysctl> = mine
        .records
        .iter()
        .filter_map(|r| match r {
            state::Record::Sysctl { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    let plan = plan::plan_teardown(&mine, &others, &observe(host, &keys)?);
    if dry_run {
        return Ok(Report {
            steps: plan.steps,
            notes: plan.notes,
        });
    }
    let mut done = Vec::new();
    apply(host, &plan.steps, &mut |s| {
        progress(s);
        done.push(s.clone());
    })?;
    for heir in &plan.handoffs {
        dir.save(heir)?;
    }
    dir.remove(subject)?;
    Ok(Report {
        steps: done,
        notes: plan.notes,
    })
}

/// Every record of this namespace with what is in place and what drifted.
pub fn status(host: &mut dyn Host, dir: &StateDir) -> Result<Vec<(State, Vec<Finding>)>> {
    let mut out = Vec::new();
    let links = host.links()?;
    for st in dir.all()? {
        let keys = plan::status_keys(&st, &links);
        let obs = observe(host, &keys)?;
        let findings = plan::status(&st, &obs);
        out.push((st, findings));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
