//! The real host: rtnetlink for links and addresses, `/proc/sys` for
//! sysctls, `/sbin/modprobe` for modules.

use std::net::IpAddr;
use std::path::PathBuf;

use super::rtnl::{RouteInfo, Rtnl};
use super::sysctl::{self, Sysctl};
use super::{Address, Error, Host, Link, Result};
use crate::sys::Output;

/// `CAP_NET_ADMIN`'s bit in `/proc/self/status`'s `CapEff`.
const CAP_NET_ADMIN: u32 = 12;

/// The machine this process runs on (its network namespace).
pub struct SystemHost {
    rtnl: Option<Rtnl>,
    proc_sys: PathBuf,
}

impl Default for SystemHost {
    fn default() -> Self {
        SystemHost::new()
    }
}

impl SystemHost {
    pub fn new() -> SystemHost {
        SystemHost {
            rtnl: None,
            proc_sys: PathBuf::from(sysctl::PROC_SYS),
        }
    }

    /// The rtnetlink socket, opened on first use.
    pub fn rtnl(&mut self) -> Result<&mut Rtnl> {
        if self.rtnl.is_none() {
            self.rtnl = Some(Rtnl::connect()?);
        }
        // Just set above when it was missing.
        self.rtnl
            .as_mut()
            .ok_or_else(|| Error::Malformed("no rtnetlink socket".into()))
    }

    pub fn route_get(&mut self, dst: &IpAddr) -> Result<RouteInfo> {
        self.rtnl()?.route_get(dst)
    }
}

/// Whether the effective capabilities include CAP_NET_ADMIN.
fn has_net_admin() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_NET_ADMIN) != 0)
}

impl Host for SystemHost {
    fn links(&mut self) -> Result<Vec<Link>> {
        self.rtnl()?.links()
    }

    fn addresses(&mut self) -> Result<Vec<Address>> {
        self.rtnl()?.addresses()
    }

    fn read_sysctl(&mut self, key: &Sysctl) -> Result<Option<String>> {
        sysctl::read(&self.proc_sys, key)
    }

    fn write_sysctl(&mut self, key: &Sysctl, value: &str) -> Result<()> {
        sysctl::write(&self.proc_sys, key, value)
    }

    fn add_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8, nodad: bool) -> Result<()> {
        self.rtnl()?.add_address(ifindex, addr, prefix, nodad)
    }

    fn delete_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8) -> Result<()> {
        self.rtnl()?.delete_address(ifindex, addr, prefix)
    }

    fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<()> {
        self.rtnl()?.set_link_up(ifindex, up)
    }

    /// `/sbin/modprobe -- NAME`, as ipvsadm runs it for `ip_vs` (its
    /// messages pass through on stderr).
    fn load_module(&mut self, name: &str) -> Result<()> {
        let status = crate::sys::modprobe(&["--", name], Output::Discard, Output::Inherit)
            .map_err(|e| Error::Module {
                module: name.to_string(),
                detail: format!("/sbin/modprobe: {e}"),
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::Module {
                module: name.to_string(),
                detail: format!("/sbin/modprobe -- {name} failed ({status})"),
            })
        }
    }

    fn check_may_change(&mut self) -> Result<()> {
        if nix::unistd::geteuid().is_root() && has_net_admin() {
            Ok(())
        } else {
            Err(Error::NotPermitted)
        }
    }
}
