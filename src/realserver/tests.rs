//! setup / teardown / status through a fake host and a temporary state
//! directory: the record is written, rollback leaves nothing behind.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::plan::{director_needs, realserver_needs};
use super::*;

/// A host in memory; `fail_on` makes the n-th change fail with EPERM.
struct Fake {
    links: Vec<Link>,
    addrs: Vec<Address>,
    sysctls: BTreeMap<Sysctl, String>,
    changes: usize,
    fail_on: Option<usize>,
    may_change: bool,
    modules: Vec<String>,
}

impl Fake {
    fn new() -> Fake {
        let mut sysctls = BTreeMap::new();
        for iface in ["all", "lo", "eth0"] {
            for leaf in ["arp_ignore", "arp_announce", "rp_filter"] {
                sysctls.insert(Sysctl::ipv4_conf(iface, leaf), "0".to_string());
            }
        }
        sysctls.insert(Sysctl::ipv4_conf("all", "rp_filter"), "2".to_string());
        sysctls.insert(Sysctl::ip_forward(), "0".to_string());
        Fake {
            links: vec![
                Link {
                    index: 1,
                    name: "lo".into(),
                    up: true,
                    mtu: Some(65536),
                },
                Link {
                    index: 2,
                    name: "eth0".into(),
                    up: true,
                    mtu: Some(1500),
                },
            ],
            addrs: vec![],
            sysctls,
            changes: 0,
            fail_on: None,
            may_change: true,
            modules: vec![],
        }
    }

    fn change(&mut self) -> Result<()> {
        self.changes += 1;
        if self.fail_on == Some(self.changes) {
            return Err(Error::Netlink {
                what: "fake".into(),
                errno: libc::EPERM,
            });
        }
        Ok(())
    }

    fn snapshot(&self) -> (Vec<Link>, Vec<Address>, BTreeMap<Sysctl, String>) {
        (self.links.clone(), self.addrs.clone(), self.sysctls.clone())
    }
}

impl Host for Fake {
    fn links(&mut self) -> Result<Vec<Link>> {
        Ok(self.links.clone())
    }
    fn addresses(&mut self) -> Result<Vec<Address>> {
        Ok(self.addrs.clone())
    }
    fn read_sysctl(&mut self, key: &Sysctl) -> Result<Option<String>> {
        Ok(self.sysctls.get(key).cloned())
    }
    fn write_sysctl(&mut self, key: &Sysctl, value: &str) -> Result<()> {
        self.change()?;
        self.sysctls.insert(key.clone(), value.to_string());
        Ok(())
    }
    fn add_address(&mut self, ifindex: u32, addr: &IpAddr, prefix: u8, _: bool) -> Result<()> {
        self.change()?;
        self.addrs.push(Address {
            ifindex,
            addr: *addr,
            prefix,
        });
        Ok(())
    }
    fn delete_address(&mut self, ifindex: u32, addr: &IpAddr, _: u8) -> Result<()> {
        self.change()?;
        self.addrs
            .retain(|a| !(a.ifindex == ifindex && a.addr == *addr));
        Ok(())
    }
    fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<()> {
        self.change()?;
        for l in &mut self.links {
            if l.index == ifindex {
                l.up = up;
            }
        }
        Ok(())
    }
    fn load_module(&mut self, name: &str) -> Result<()> {
        self.modules.push(name.to_string());
        if name == "ipip" && !self.links.iter().any(|l| l.name == "tunl0") {
            self.links.push(Link {
                index: 7,
                name: "tunl0".into(),
                up: false,
                mtu: Some(1480),
            });
            for leaf in ["arp_ignore", "arp_announce", "rp_filter"] {
                self.sysctls
                    .insert(Sysctl::ipv4_conf("tunl0", leaf), "1".to_string());
            }
        }
        Ok(())
    }
    fn check_may_change(&mut self) -> Result<()> {
        if self.may_change {
            Ok(())
        } else {
            Err(Error::NotPermitted)
        }
    }
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "ipvsadm-rs-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
    fn dir(&self) -> StateDir {
        StateDir::new(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn vip() -> IpAddr {
    "10.0.0.100".parse().unwrap()
}

fn nothing(_: &Step) {}

#[test]
fn tun_setup_twice_then_teardown_restores_everything() {
    let t = TempDir::new("tun");
    let mut host = Fake::new();
    let before = host.snapshot();
    let needs = realserver_needs(vip(), Method::Tun, None);
    let mut seen = Vec::new();
    let r = setup(&mut host, &t.dir(), &needs, false, &mut |s| {
        seen.push(s.describe(true))
    })
    .unwrap();
    assert_eq!(r.steps.len(), seen.len());
    assert_eq!(
        seen,
        vec![
            "loaded module ipip (/sbin/modprobe -- ipip)",
            "brought tunl0 up",
            "added 10.0.0.100/32 to tunl0",
            "set net.ipv4.conf.all.arp_ignore = 1 (was 0)",
            "set net.ipv4.conf.all.arp_announce = 2 (was 0)",
            "set net.ipv4.conf.tunl0.arp_announce = 2 (was 1)",
            "set net.ipv4.conf.all.rp_filter = 0 (was 2)",
            "set net.ipv4.conf.tunl0.rp_filter = 0 (was 1)",
        ]
    );
    let again = setup(&mut host, &t.dir(), &needs, false, &mut nothing).unwrap();
    assert_eq!(again.steps, vec![]);
    let st = status(&mut host, &t.dir()).unwrap();
    assert_eq!(st.len(), 1);
    assert!(st[0].1.iter().all(|f| f.ok), "{:?}", st[0].1);

    teardown(
        &mut host,
        &t.dir(),
        &Subject::Vip(vip()),
        false,
        &mut nothing,
    )
    .unwrap();
    // The module stays loaded (and tunl0 with it), down again, as found
    // after loading.
    let (links, addrs, mut sysctls) = host.snapshot();
    assert_eq!(addrs, before.1);
    assert_eq!(
        links.iter().find(|l| l.name == "tunl0").map(|l| l.up),
        Some(false)
    );
    sysctls.retain(|k, _| !k.path().contains("/tunl0/"));
    assert_eq!(sysctls, before.2);
    assert!(t.dir().all().unwrap().is_empty());
    // A second teardown has nothing to do.
    let r = teardown(
        &mut host,
        &t.dir(),
        &Subject::Vip(vip()),
        false,
        &mut nothing,
    )
    .unwrap();
    assert_eq!(
        r.notes,
        vec!["nothing recorded for 10.0.0.100; nothing to undo"]
    );
}

#[test]
fn failure_half_way_rolls_back_and_leaves_no_record() {
    let t = TempDir::new("rollback");
    let mut host = Fake::new();
    let before = host.snapshot();
    host.fail_on = Some(3);
    let needs = realserver_needs(vip(), Method::Dr, None);
    let err = setup(&mut host, &t.dir(), &needs, false, &mut nothing).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fake: Operation not permitted; undone: set net.ipv4.conf.all.arp_ignore = 0 (was 1), removed 10.0.0.100/32 from lo"
    );
    assert_eq!(host.snapshot(), before);
    assert!(t.dir().all().unwrap().is_empty());
}

#[test]
fn dry_run_and_not_permitted_change_nothing() {
    let t = TempDir::new("dry");
    let mut host = Fake::new();
    let before = host.snapshot();
    let needs = realserver_needs(vip(), Method::Dr, None);
    let r = setup(&mut host, &t.dir(), &needs, true, &mut nothing).unwrap();
    assert_eq!(r.steps.len(), 5);
    host.may_change = false;
    let err = setup(&mut host, &t.dir(), &needs, false, &mut nothing).unwrap_err();
    assert!(matches!(err, Error::NotPermitted));
    assert_eq!(host.snapshot(), before);
    assert_eq!(host.changes, 0);
    assert!(!t.0.join("10.0.0.100.state").exists());
}

#[test]
fn director_nat_and_a_shared_record() {
    let t = TempDir::new("director");
    let mut host = Fake::new();
    let r = setup(
        &mut host,
        &t.dir(),
        &director_needs(false),
        false,
        &mut nothing,
    )
    .unwrap();
    assert_eq!(
        r.steps.iter().map(|s| s.describe(true)).collect::<Vec<_>>(),
        vec!["set net.ipv4.ip_forward = 1 (was 0)"]
    );
    // Two DR VIPs share the ARP sysctls; the last one restores them.
    let b: IpAddr = "10.0.0.101".parse().unwrap();
    let before = host.snapshot();
    setup(
        &mut host,
        &t.dir(),
        &realserver_needs(vip(), Method::Dr, None),
        false,
        &mut nothing,
    )
    .unwrap();
    setup(
        &mut host,
        &t.dir(),
        &realserver_needs(b, Method::Dr, None),
        false,
        &mut nothing,
    )
    .unwrap();
    teardown(
        &mut host,
        &t.dir(),
        &Subject::Vip(vip()),
        false,
        &mut nothing,
    )
    .unwrap();
    assert_eq!(host.sysctls[&Sysctl::ipv4_conf("all", "arp_ignore")], "1");
    teardown(&mut host, &t.dir(), &Subject::Vip(b), false, &mut nothing).unwrap();
    assert_eq!(host.snapshot(), before);
    teardown(&mut host, &t.dir(), &Subject::Director, false, &mut nothing).unwrap();
    assert_eq!(host.sysctls[&Sysctl::ip_forward()], "0");
}
