//! Deciding what to change, from what is observed: pure functions, so the
//! whole of "read before write" is unit-tested without root or a kernel.
//!
//! `plan_setup` turns a `Needs` (what a VIP and method require) and an
//! `Observed` snapshot into steps plus the records to keep; what is already
//! in place becomes a record without a step. `plan_teardown` turns a record
//! back into steps, leaving alone what setup did not change, what another
//! subject still uses (its "previous value" is handed over, so the last
//! user restores it), and what someone changed after setup.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use super::state::{Record, State, Subject};
use super::sysctl::Sysctl;
use super::{Address, Error, Link, Method, Result};

/// What a subject needs on an interface: the VIP on it, and it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceNeeds {
    pub name: String,
    pub vip: IpAddr,
    pub prefix: u8,
    /// IPv6: add with IFA_F_NODAD (no duplicate-address detection).
    pub nodad: bool,
    /// The module whose fallback device this interface is, when it is
    /// the default one (`ipip` for `tunl0`): loaded when it is missing.
    pub module: Option<&'static str>,
}

/// Everything one setup requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    pub subject: Subject,
    pub method: Method,
    pub iface: Option<IfaceNeeds>,
    pub sysctls: Vec<Sysctl>,
}

/// A real server's needs for `vip` and `method` (DR or TUN), on
/// `iface` when given instead of the default device.
///
/// - DR: the VIP as /32 (/128) on `lo`; IPv4 also `arp_ignore=1` and
///   `arp_announce=2` on `all` and the interface (the kernel uses the
///   larger of `all` and the interface for both).
/// - TUN, IPv4: `ipip`'s `tunl0` up with the VIP, `rp_filter=0` on `all`
///   and `tunl0` (the kernel uses max(all, iface), so both must be 0), and
///   the ARP pair as for DR, because the VIP on `tunl0` is still answered
///   for by ARP on every other interface while `arp_ignore` is 0 (the
///   LVS HOWTO's "ARP problem" is the same for TUN on a shared segment).
/// - TUN, IPv6: `ip6_tunnel`'s fallback device `ip6tnl0` (it takes
///   ip6ip6 packets from any remote, as IPVS sends them) up with the VIP.
/// - IPv6 never gets ARP sysctls: neighbour discovery only answers for
///   addresses of the interface a solicitation came in on, so a VIP on
///   `lo` or `ip6tnl0` is never advertised; there is no `rp_filter`
///   either. The address is added with NODAD, so it is usable at once
///   and never marked "dadfailed" because the director owns it too.
pub fn realserver_needs(vip: IpAddr, method: Method, iface: Option<&str>) -> Needs {
    let v4 = vip.is_ipv4();
    let (default, module) = match (method, v4) {
        (Method::Tun, true) => ("tunl0", Some("ipip")),
        (Method::Tun, false) => ("ip6tnl0", Some("ip6_tunnel")),
        _ => ("lo", None),
    };
    let name = iface.unwrap_or(default).to_string();
    let module = module.filter(|_| name == default);
    let mut sysctls = Vec::new();
    if v4 {
        for leaf in ["arp_ignore", "arp_announce"] {
            sysctls.push(Sysctl::ipv4_conf("all", leaf));
            sysctls.push(Sysctl::ipv4_conf(&name, leaf));
        }
        if method == Method::Tun {
            sysctls.push(Sysctl::ipv4_conf("all", "rp_filter"));
            sysctls.push(Sysctl::ipv4_conf(&name, "rp_filter"));
        }
    }
    Needs {
        subject: Subject::Vip(vip),
        method,
        iface: Some(IfaceNeeds {
            name,
            vip,
            prefix: if v4 { 32 } else { 128 },
            nodad: !v4,
            module,
        }),
        sysctls,
    }
}

/// The director's needs for NAT: forwarding on (IPv4, and IPv6 if asked).
pub fn director_needs(ipv6: bool) -> Needs {
    let mut sysctls = vec![Sysctl::ip_forward()];
    if ipv6 {
        sysctls.push(Sysctl::ipv6_forwarding());
    }
    Needs {
        subject: Subject::Director,
        method: Method::Nat,
        iface: None,
        sysctls,
    }
}

/// A snapshot of the host: links, addresses, and the sysctls asked for
/// (`None`: the key does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub links: Vec<Link>,
    pub addrs: Vec<Address>,
    pub sysctls: BTreeMap<Sysctl, Option<String>>,
}

impl Observed {
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    pub fn link_name(&self, index: u32) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.index == index)
            .map(|l| l.name.as_str())
    }

    pub fn sysctl(&self, key: &Sysctl) -> Option<&str> {
        self.sysctls.get(key).and_then(|v| v.as_deref())
    }

    /// Where `addr` is configured: (interface name, prefix length).
    pub fn where_is(&self, addr: &IpAddr) -> Vec<(String, u8)> {
        self.addrs
            .iter()
            .filter(|a| a.addr == *addr)
            .map(|a| {
                let name = self
                    .link_name(a.ifindex)
                    .map_or_else(|| format!("#{}", a.ifindex), str::to_string);
                (name, a.prefix)
            })
            .collect()
    }
}

/// One change to the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `/sbin/modprobe -- NAME`; never undone.
    LoadModule(String),
    SetLink {
        iface: String,
        up: bool,
    },
    AddAddress {
        iface: String,
        addr: IpAddr,
        prefix: u8,
        nodad: bool,
    },
    DeleteAddress {
        iface: String,
        addr: IpAddr,
        prefix: u8,
    },
    /// `from` is `None` only in a dry run, for a key that appears once a
    /// module is loaded.
    SetSysctl {
        key: Sysctl,
        from: Option<String>,
        to: String,
    },
}

impl Step {
    /// The step that undoes this one (none for loading a module).
    pub fn inverse(&self) -> Option<Step> {
        Some(match self {
            Step::LoadModule(_) => return None,
            Step::SetLink { iface, up } => Step::SetLink {
                iface: iface.clone(),
                up: !up,
            },
            Step::AddAddress {
                iface,
                addr,
                prefix,
                ..
            } => Step::DeleteAddress {
                iface: iface.clone(),
                addr: *addr,
                prefix: *prefix,
            },
            Step::DeleteAddress {
                iface,
                addr,
                prefix,
            } => Step::AddAddress {
                iface: iface.clone(),
                addr: *addr,
                prefix: *prefix,
                nodad: addr.is_ipv6(),
            },
            Step::SetSysctl { key, from, to } => Step::SetSysctl {
                key: key.clone(),
                from: Some(to.clone()),
                to: from.clone()?,
            },
        })
    }

    /// "would ..." (dry run) or what was done.
    pub fn describe(&self, done: bool) -> String {
        let w = |would: &str, did: &str| {
            if done {
                did.to_string()
            } else {
                format!("would {would}")
            }
        };
        match self {
            Step::LoadModule(m) => {
                format!("{} module {m} (/sbin/modprobe -- {m})", w("load", "loaded"))
            }
            Step::SetLink { iface, up: true } => format!("{} {iface} up", w("bring", "brought")),
            Step::SetLink { iface, up: false } => {
                format!("{} {iface} down", w("set", "set"))
            }
            Step::AddAddress {
                iface,
                addr,
                prefix,
                nodad,
            } => format!(
                "{} {addr}/{prefix} to {iface}{}",
                w("add", "added"),
                if *nodad { " (nodad)" } else { "" }
            ),
            Step::DeleteAddress {
                iface,
                addr,
                prefix,
            } => format!("{} {addr}/{prefix} from {iface}", w("remove", "removed")),
            Step::SetSysctl { key, from, to } => format!(
                "{} {key} = {to} ({} {})",
                w("set", "set"),
                if done { "was" } else { "now" },
                from.as_deref()
                    .unwrap_or("unknown until the module is loaded")
            ),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(true))
    }
}

/// What setup will do and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupPlan {
    pub steps: Vec<Step>,
    /// The record to keep after the steps (merged with an earlier one).
    pub state: State,
    /// Things worth saying that are not changes.
    pub notes: Vec<String>,
}

/// Plans a setup. Errors are the checks done before anything changes:
/// the VIP on another interface, an interface that is missing (and no
/// module would create it), a subject already set up another way.
pub fn plan_setup(needs: &Needs, obs: &Observed, existing: Option<&State>) -> Result<SetupPlan> {
    if let Some(old) = existing.filter(|old| old.method != needs.method) {
        return Err(Error::MethodConflict {
            subject: needs.subject,
            recorded: old.method,
            wanted: needs.method,
        });
    }
    let mut steps = Vec::new();
    let mut records = Vec::new();
    let mut notes = Vec::new();
    // Keys of an interface that a module load will create are unknown now.
    let mut pending_iface = None;

    if let Some(want) = &needs.iface {
        let elsewhere: Vec<(String, u8)> = obs
            .where_is(&want.vip)
            .into_iter()
            .filter(|(name, _)| *name != want.name)
            .collect();
        if let Some((name, prefix)) = elsewhere.into_iter().next() {
            return Err(Error::VipElsewhere {
                vip: want.vip,
                iface: name,
                prefix,
                wanted: want.name.clone(),
            });
        }
        let link = obs.link(&want.name);
        match (link, want.module) {
            (Some(_), _) => {}
            (None, Some(module)) => {
                steps.push(Step::LoadModule(module.to_string()));
                pending_iface = Some(want.name.clone());
            }
            (None, None) => return Err(Error::NoInterface(want.name.clone())),
        }
        let up = link.is_some_and(|l| l.up);
        if !up {
            steps.push(Step::SetLink {
                iface: want.name.clone(),
                up: true,
            });
        }
        records.push(Record::Link {
            iface: want.name.clone(),
            brought_up: !up,
        });
        let here: Vec<u8> = obs
            .where_is(&want.vip)
            .into_iter()
            .filter(|(name, _)| *name == want.name)
            .map(|(_, p)| p)
            .collect();
        match here.first() {
            Some(&prefix) => {
                if prefix != want.prefix {
                    notes.push(format!(
                        "{}/{prefix} is already on {}, not as /{}; left as it is",
                        want.vip, want.name, want.prefix
                    ));
                }
                records.push(Record::Address {
                    iface: want.name.clone(),
                    addr: want.vip,
                    prefix,
                    added: false,
                });
            }
            None => {
                steps.push(Step::AddAddress {
                    iface: want.name.clone(),
                    addr: want.vip,
                    prefix: want.prefix,
                    nodad: want.nodad,
                });
                records.push(Record::Address {
                    iface: want.name.clone(),
                    addr: want.vip,
                    prefix: want.prefix,
                    added: true,
                });
            }
        }
    }

    for key in &needs.sysctls {
        let Some(want) = key.want() else { continue };
        let pending = pending_iface
            .as_ref()
            .is_some_and(|name| key.path().contains(&format!("/conf/{name}/")));
        match obs.sysctl(key) {
            Some(now) if want.satisfied_by(now) => records.push(Record::Sysctl {
                key: key.clone(),
                value: now.to_string(),
                previous: None,
            }),
            Some(now) => {
                steps.push(Step::SetSysctl {
                    key: key.clone(),
                    from: Some(now.to_string()),
                    to: want.set.to_string(),
                });
                records.push(Record::Sysctl {
                    key: key.clone(),
                    value: want.set.to_string(),
                    previous: Some(now.to_string()),
                });
            }
            None if pending => steps.push(Step::SetSysctl {
                key: key.clone(),
                from: None,
                to: want.set.to_string(),
            }),
            None => return Err(Error::NoSysctl(key.clone())),
        }
    }

    // A second setup keeps what the first one changed: its record says
    // who added the address or replaced the value.
    if let Some(old) = existing {
        for r in &mut records {
            if let Some(o) = old
                .records
                .iter()
                .find(|o| o.resource() == r.resource() && o.changed())
            {
                *r = o.clone();
            }
        }
        for o in &old.records {
            if !records.iter().any(|r| r.resource() == o.resource()) {
                records.push(o.clone());
            }
        }
    }
    Ok(SetupPlan {
        steps,
        state: State {
            subject: needs.subject,
            method: needs.method,
            records,
        },
        notes,
    })
}

/// What teardown will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeardownPlan {
    pub steps: Vec<Step>,
    /// Other subjects' records that take over a revert still owed.
    pub handoffs: Vec<State>,
    pub notes: Vec<String>,
}

/// Plans the teardown of `mine`; `others` are the other records of this
/// network namespace.
pub fn plan_teardown(mine: &State, others: &[State], obs: &Observed) -> TeardownPlan {
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut handoffs: Vec<State> = Vec::new();
    // Undo in the reverse order of setup: sysctls, address, link.
    for r in mine.records.iter().rev().filter(|r| r.changed()) {
        // Someone else relies on it: they inherit the revert.
        let heir = others.iter().find(|o| {
            o.records
                .iter()
                .any(|x| x.resource() == r.resource() && !matches!(r, Record::Address { .. }))
        });
        if let Some(heir) = heir {
            let pos = match handoffs.iter().position(|h| h.subject == heir.subject) {
                Some(pos) => pos,
                None => {
                    handoffs.push(heir.clone());
                    handoffs.len() - 1
                }
            };
            for x in &mut handoffs[pos].records {
                if x.resource() == r.resource() && !x.changed() {
                    *x = match (x.clone(), r) {
                        (Record::Sysctl { key, value, .. }, Record::Sysctl { previous, .. }) => {
                            Record::Sysctl {
                                key,
                                value,
                                previous: previous.clone(),
                            }
                        }
                        (_, other) => other.clone(),
                    };
                }
            }
            notes.push(format!(
                "left {} for {} (still uses it; it is reverted with that one)",
                describe_resource(r),
                heir.subject
            ));
            continue;
        }
        match r {
            Record::Sysctl {
                key,
                value,
                previous: Some(prev),
            } => match obs.sysctl(key) {
                Some(now) if now == value => steps.push(Step::SetSysctl {
                    key: key.clone(),
                    from: Some(now.to_string()),
                    to: prev.clone(),
                }),
                Some(now) if now == prev => {}
                Some(now) => notes.push(format!(
                    "{key} is {now}, not the {value} setup wrote: changed since, left as it is (it was {prev} before setup)"
                )),
                None => notes.push(format!("{key} no longer exists; nothing to restore")),
            },
            Record::Address {
                iface,
                addr,
                prefix,
                ..
            } => {
                if obs.where_is(addr).contains(&(iface.clone(), *prefix)) {
                    steps.push(Step::DeleteAddress {
                        iface: iface.clone(),
                        addr: *addr,
                        prefix: *prefix,
                    });
                } else {
                    notes.push(format!("{addr}/{prefix} is already gone from {iface}"));
                }
            }
            Record::Link { iface, .. } => match obs.link(iface) {
                Some(l) if l.up => steps.push(Step::SetLink {
                    iface: iface.clone(),
                    up: false,
                }),
                Some(_) => {}
                None => notes.push(format!("{iface} no longer exists")),
            },
            Record::Sysctl { previous: None, .. } => {}
        }
    }
    TeardownPlan {
        steps,
        handoffs,
        notes,
    }
}

fn describe_resource(r: &Record) -> String {
    match r {
        Record::Link { iface, .. } => format!("{iface} up"),
        Record::Address {
            iface,
            addr,
            prefix,
            ..
        } => format!("{addr}/{prefix} on {iface}"),
        Record::Sysctl { key, value, .. } => format!("{key} = {value}"),
    }
}

/// One line of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub ok: bool,
    pub text: String,
}

/// The sysctls `status` reads beyond the records: `arp_ignore` of every
/// link, to find interfaces that would answer ARP for the VIP.
pub fn status_keys(state: &State, links: &[Link]) -> Vec<Sysctl> {
    let mut keys: Vec<Sysctl> = state
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Sysctl { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    if matches!(state.subject, Subject::Vip(IpAddr::V4(_))) {
        keys.push(Sysctl::ipv4_conf("all", "arp_ignore"));
        for l in links {
            keys.push(Sysctl::ipv4_conf(&l.name, "arp_ignore"));
        }
    }
    keys
}

/// What is in place and what drifted, for one record.
pub fn status(state: &State, obs: &Observed) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |ok: bool, text: String| out.push(Finding { ok, text });
    let mut vip_iface = None;
    for r in &state.records {
        match r {
            Record::Link { iface, brought_up } => {
                let by = if *brought_up {
                    " (brought up by setup)"
                } else {
                    ""
                };
                match obs.link(iface) {
                    Some(l) if l.up => push(true, format!("{iface} is up{by}")),
                    Some(_) => push(false, format!("{iface} is down")),
                    None => push(false, format!("{iface} does not exist")),
                }
            }
            Record::Address {
                iface,
                addr,
                prefix,
                added,
            } => {
                vip_iface = Some(iface.clone());
                let by = if *added { " (added by setup)" } else { "" };
                let places = obs.where_is(addr);
                if places.contains(&(iface.clone(), *prefix)) {
                    push(true, format!("{addr}/{prefix} on {iface}{by}"));
                } else {
                    push(false, format!("{addr}/{prefix} is missing from {iface}"));
                }
                for (name, p) in places.iter().filter(|(n, _)| n != iface) {
                    push(false, format!("{addr}/{p} is also on {name}"));
                }
            }
            Record::Sysctl {
                key,
                value,
                previous,
            } => {
                let by = match previous {
                    Some(p) => format!(" (set by setup, was {p})"),
                    None => String::new(),
                };
                match (obs.sysctl(key), key.want()) {
                    (Some(now), Some(w)) if w.satisfied_by(now) => {
                        push(true, format!("{key} = {now}{by}"))
                    }
                    (Some(now), Some(w)) => {
                        push(false, format!("{key} = {now}, should be {}", w.set))
                    }
                    (Some(now), None) if now == value => push(true, format!("{key} = {now}{by}")),
                    (Some(now), None) => push(false, format!("{key} = {now}, recorded {value}")),
                    (None, _) => push(false, format!("{key} does not exist")),
                }
            }
        }
    }
    // The kernel answers ARP on an interface with max(all, iface) of
    // arp_ignore; 0 means it answers for any local address, the VIP too.
    if let (Subject::Vip(vip @ IpAddr::V4(_)), Some(vip_iface)) = (state.subject, vip_iface) {
        let all: u32 = obs
            .sysctl(&Sysctl::ipv4_conf("all", "arp_ignore"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for l in &obs.links {
            if l.name == "lo" || l.name == vip_iface || !l.up {
                continue;
            }
            let own: u32 = obs
                .sysctl(&Sysctl::ipv4_conf(&l.name, "arp_ignore"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if all.max(own) == 0 {
                push(
                    false,
                    format!(
                        "{} answers ARP requests for {vip} (arp_ignore: all {all}, {} {own}; the kernel uses the larger)",
                        l.name, l.name
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn v4() -> IpAddr {
        "10.0.0.100".parse().unwrap()
    }

    fn link(index: u32, name: &str, up: bool) -> Link {
        Link {
            index,
            name: name.into(),
            up,
            mtu: Some(1500),
        }
    }

    fn host() -> Observed {
        let mut o = Observed {
            links: vec![link(1, "lo", true), link(2, "eth0", true)],
            addrs: vec![Address {
                ifindex: 2,
                addr: "192.168.10.2".parse().unwrap(),
                prefix: 24,
            }],
            sysctls: BTreeMap::new(),
        };
        for iface in ["all", "lo", "eth0"] {
            for leaf in ["arp_ignore", "arp_announce", "rp_filter"] {
                o.sysctls
                    .insert(Sysctl::ipv4_conf(iface, leaf), Some("0".into()));
            }
        }
        o
    }

    /// What applying `steps` does to a snapshot (the fake host of these
    /// tests).
    fn apply(obs: &mut Observed, steps: &[Step]) {
        for s in steps {
            match s {
                Step::LoadModule(_) => {
                    obs.links.push(link(9, "tunl0", false));
                    for leaf in ["arp_ignore", "arp_announce", "rp_filter"] {
                        obs.sysctls
                            .insert(Sysctl::ipv4_conf("tunl0", leaf), Some("1".into()));
                    }
                }
                Step::SetLink { iface, up } => {
                    obs.links.iter_mut().find(|l| l.name == *iface).unwrap().up = *up
                }
                Step::AddAddress {
                    iface,
                    addr,
                    prefix,
                    ..
                } => {
                    let ifindex = obs.link(iface).unwrap().index;
                    obs.addrs.push(Address {
                        ifindex,
                        addr: *addr,
                        prefix: *prefix,
                    })
                }
                Step::DeleteAddress { addr, .. } => obs.addrs.retain(|a| a.addr != *addr),
                Step::SetSysctl { key, to, .. } => {
                    obs.sysctls.insert(key.clone(), Some(to.clone()));
                }
            }
        }
    }

    #[test]
    fn dr_setup_from_a_plain_host() {
        let needs = realserver_needs(v4(), Method::Dr, None);
        let plan = plan_setup(&needs, &host(), None).unwrap();
        let text: Vec<String> = plan.steps.iter().map(|s| s.describe(false)).collect();
        assert_eq!(
            text,
            vec![
                "would add 10.0.0.100/32 to lo",
                "would set net.ipv4.conf.all.arp_ignore = 1 (now 0)",
                "would set net.ipv4.conf.lo.arp_ignore = 1 (now 0)",
                "would set net.ipv4.conf.all.arp_announce = 2 (now 0)",
                "would set net.ipv4.conf.lo.arp_announce = 2 (now 0)",
            ]
        );
        assert_eq!(
            plan.state.render(),
            "# ipvsadm realserver state 1\nsubject 10.0.0.100\nmethod dr\n\
             link lo was-up\naddress lo 10.0.0.100/32 added\n\
             sysctl net/ipv4/conf/all/arp_ignore 1 was 0\n\
             sysctl net/ipv4/conf/lo/arp_ignore 1 was 0\n\
             sysctl net/ipv4/conf/all/arp_announce 2 was 0\n\
             sysctl net/ipv4/conf/lo/arp_announce 2 was 0\n"
        );
    }

    #[test]
    fn second_setup_changes_nothing_and_keeps_the_record() {
        let needs = realserver_needs(v4(), Method::Dr, None);
        let mut obs = host();
        let first = plan_setup(&needs, &obs, None).unwrap();
        apply(&mut obs, &first.steps);
        let second = plan_setup(&needs, &obs, Some(&first.state)).unwrap();
        assert_eq!(second.steps, vec![]);
        assert_eq!(second.state, first.state);
        // and teardown then restores exactly the first snapshot
        let down = plan_teardown(&second.state, &[], &obs);
        apply(&mut obs, &down.steps);
        assert_eq!(obs, host());
    }

    #[test]
    fn stricter_values_and_present_address_are_kept() {
        let mut obs = host();
        obs.sysctls
            .insert(Sysctl::ipv4_conf("all", "arp_ignore"), Some("2".into()));
        obs.addrs.push(Address {
            ifindex: 1,
            addr: v4(),
            prefix: 24,
        });
        let plan = plan_setup(&realserver_needs(v4(), Method::Dr, None), &obs, None).unwrap();
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::AddAddress { .. }))
        );
        assert_eq!(plan.steps.len(), 3);
        assert_eq!(
            plan.notes,
            vec!["10.0.0.100/24 is already on lo, not as /32; left as it is"]
        );
        let down = plan_teardown(&plan.state, &[], &obs);
        assert!(
            !down
                .steps
                .iter()
                .any(|s| matches!(s, Step::DeleteAddress { .. }))
        );
    }

    #[test]
    fn vip_on_another_interface_is_refused() {
        let mut obs = host();
        obs.addrs.push(Address {
            ifindex: 2,
            addr: v4(),
            prefix: 24,
        });
        let err = plan_setup(&realserver_needs(v4(), Method::Dr, None), &obs, None).unwrap_err();
        assert_eq!(err.to_string(), "10.0.0.100 is already on eth0 (as /24)");
    }

    #[test]
    fn missing_interface_and_method_conflict() {
        let needs = realserver_needs(v4(), Method::Dr, Some("dummy0"));
        let err = plan_setup(&needs, &host(), None).unwrap_err();
        assert_eq!(err.to_string(), "interface dummy0 does not exist");
        let dr = plan_setup(&realserver_needs(v4(), Method::Dr, None), &host(), None).unwrap();
        let err = plan_setup(
            &realserver_needs(v4(), Method::Tun, None),
            &host(),
            Some(&dr.state),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "10.0.0.100 is set up for dr; tear it down before setting it up for tun"
        );
    }

    #[test]
    fn tun_loads_ipip_and_plans_for_the_new_device() {
        let needs = realserver_needs(v4(), Method::Tun, None);
        let plan = plan_setup(&needs, &host(), None).unwrap();
        let text: Vec<String> = plan.steps.iter().map(|s| s.describe(false)).collect();
        assert_eq!(
            text,
            vec![
                "would load module ipip (/sbin/modprobe -- ipip)",
                "would bring tunl0 up",
                "would add 10.0.0.100/32 to tunl0",
                "would set net.ipv4.conf.all.arp_ignore = 1 (now 0)",
                "would set net.ipv4.conf.tunl0.arp_ignore = 1 (now unknown until the module is loaded)",
                "would set net.ipv4.conf.all.arp_announce = 2 (now 0)",
                "would set net.ipv4.conf.tunl0.arp_announce = 2 (now unknown until the module is loaded)",
                "would set net.ipv4.conf.all.rp_filter = 0 (now 0)",
                "would set net.ipv4.conf.tunl0.rp_filter = 0 (now unknown until the module is loaded)",
            ]
            .into_iter()
            .filter(|l| !l.contains("rp_filter = 0 (now 0)"))
            .collect::<Vec<_>>()
        );
        // after the load, the plan is made again from what is there
        let mut obs = host();
        apply(&mut obs, &plan.steps[..1]);
        let again = plan_setup(&needs, &obs, None).unwrap();
        assert!(!again.steps.contains(&Step::LoadModule("ipip".into())));
        assert!(again.steps.iter().all(|s| match s {
            Step::SetSysctl { from, .. } => from.is_some(),
            _ => true,
        }));
    }

    #[test]
    fn ipv6_dr_has_no_arp_sysctls_and_uses_nodad() {
        let vip: IpAddr = "2001:db8::100".parse().unwrap();
        let plan = plan_setup(&realserver_needs(vip, Method::Dr, None), &host(), None).unwrap();
        assert_eq!(
            plan.steps,
            vec![Step::AddAddress {
                iface: "lo".into(),
                addr: vip,
                prefix: 128,
                nodad: true
            }]
        );
        let tun = realserver_needs(vip, Method::Tun, None);
        assert_eq!(tun.iface.as_ref().unwrap().name, "ip6tnl0");
        assert_eq!(tun.iface.unwrap().module, Some("ip6_tunnel"));
        assert!(tun.sysctls.is_empty());
    }

    #[test]
    fn shared_sysctls_are_restored_by_the_last_user() {
        let a = v4();
        let b: IpAddr = "10.0.0.101".parse().unwrap();
        let mut obs = host();
        let pa = plan_setup(&realserver_needs(a, Method::Dr, None), &obs, None).unwrap();
        apply(&mut obs, &pa.steps);
        let pb = plan_setup(&realserver_needs(b, Method::Dr, None), &obs, None).unwrap();
        assert_eq!(pb.steps.len(), 1, "only b's address: {:?}", pb.steps);
        apply(&mut obs, &pb.steps);

        // a goes first: only its address; b inherits the previous values
        let da = plan_teardown(&pa.state, std::slice::from_ref(&pb.state), &obs);
        assert_eq!(
            da.steps,
            vec![Step::DeleteAddress {
                iface: "lo".into(),
                addr: a,
                prefix: 32
            }]
        );
        assert_eq!(da.handoffs.len(), 1);
        let b_state = da.handoffs[0].clone();
        assert!(b_state.render().contains("arp_ignore 1 was 0"));
        apply(&mut obs, &da.steps);

        let db = plan_teardown(&b_state, &[], &obs);
        apply(&mut obs, &db.steps);
        assert_eq!(obs, host());
    }

    #[test]
    fn values_changed_after_setup_are_left_alone() {
        let needs = realserver_needs(v4(), Method::Dr, None);
        let mut obs = host();
        let plan = plan_setup(&needs, &obs, None).unwrap();
        apply(&mut obs, &plan.steps);
        obs.sysctls
            .insert(Sysctl::ipv4_conf("lo", "arp_announce"), Some("1".into()));
        obs.addrs.retain(|a| a.addr != v4());
        let down = plan_teardown(&plan.state, &[], &obs);
        assert_eq!(down.steps.len(), 3);
        assert_eq!(
            down.notes,
            vec![
                "net.ipv4.conf.lo.arp_announce is 1, not the 2 setup wrote: changed since, left as it is (it was 0 before setup)",
                "10.0.0.100/32 is already gone from lo",
            ]
        );
    }

    #[test]
    fn status_reports_drift_and_arp_answering_interfaces() {
        let needs = realserver_needs(v4(), Method::Dr, None);
        let mut obs = host();
        let plan = plan_setup(&needs, &obs, None).unwrap();
        apply(&mut obs, &plan.steps);
        let all_ok = status(&plan.state, &obs);
        assert!(all_ok.iter().all(|f| f.ok), "{all_ok:?}");
        obs.sysctls
            .insert(Sysctl::ipv4_conf("all", "arp_ignore"), Some("0".into()));
        let bad: Vec<String> = status(&plan.state, &obs)
            .into_iter()
            .filter(|f| !f.ok)
            .map(|f| f.text)
            .collect();
        assert_eq!(
            bad,
            vec![
                "net.ipv4.conf.all.arp_ignore = 0, should be 1",
                "eth0 answers ARP requests for 10.0.0.100 (arp_ignore: all 0, eth0 0; the kernel uses the larger)",
            ]
        );
    }

    #[test]
    fn inverse_steps() {
        let s = Step::SetSysctl {
            key: Sysctl::ip_forward(),
            from: Some("0".into()),
            to: "1".into(),
        };
        assert_eq!(
            s.inverse(),
            Some(Step::SetSysctl {
                key: Sysctl::ip_forward(),
                from: Some("1".into()),
                to: "0".into()
            })
        );
        assert_eq!(Step::LoadModule("ipip".into()).inverse(), None);
    }
}
