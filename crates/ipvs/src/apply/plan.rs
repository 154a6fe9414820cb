//! Planning: from the table the kernel has and the table wanted, the
//! changes that turn one into the other, as a pure function.
//!
//! Objects are matched by what the kernel itself uses to find them (a
//! service by family, protocol, address and port, or family and mark; a
//! real server by address and port inside its service), so every object
//! whose key stays is edited in place and keeps its counters, connections
//! and place in the kernel's lists. What the kernel stores but never acts
//! on is not compared: the timeout and netmask of a service without
//! persistence, the tunnel settings of a server that is not tunnelled,
//! the kernel's own HASHED flag, counters. An edit replaces the whole
//! object, so it carries the wanted values and, for those ignored
//! fields, the kernel's own: an edit then changes nothing it need not.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use crate::change::Change;
use crate::model::{
    Destination, ForwardMethod, Protocol, Service, ServiceFlags, ServiceKey, Stats,
};

/// A service with its real servers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The service, with its key and settings.
    pub service: Service,
    /// In the kernel's order when read (newest first), in the order to add
    /// them when wanted.
    pub destinations: Vec<Destination>,
}

impl Entry {
    /// A service with its real servers.
    pub fn new(service: Service, destinations: Vec<Destination>) -> Entry {
        Entry {
            service,
            destinations,
        }
    }
}

/// A whole IPVS table: services and their real servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Table {
    /// At most one entry per service key, and one real server per
    /// address and port within an entry (the planner keeps the last of
    /// repeated keys).
    pub entries: Vec<Entry>,
}

impl Table {
    /// A table of these entries.
    pub fn new(entries: Vec<Entry>) -> Table {
        Table { entries }
    }
}

/// How [`plan`] treats what the wanted table leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Services absent from the wanted table stay as they are (another
    /// program owns them); the wanted ones still get exactly their servers.
    pub keep_unlisted: bool,
    /// Servers that leave are first set to weight 0 (the drain phase), so
    /// that the caller can wait for their connections to end before the
    /// delete phase.
    pub drain: bool,
}

impl PlanOptions {
    /// Options from their parts; `Default` is both false.
    pub fn new(keep_unlisted: bool, drain: bool) -> PlanOptions {
        PlanOptions {
            keep_unlisted,
            drain,
        }
    }
}

/// A server that leaves the table, for a drain to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Leaving {
    /// The service the server leaves.
    pub service: ServiceKey,
    /// The server as it is in the current table.
    pub destination: Destination,
}

/// The changes, in three phases to send in order. No delete comes before
/// every add and edit: the kernel sees the new objects before the old ones
/// go (the first service of a family also switches IPVS's packet hooks on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// Adds and edits: new services then their servers, in the wanted
    /// table's order, edits where they stand.
    pub make: Vec<Change>,
    /// With [`PlanOptions::drain`]: weight-0 edits of the leaving servers
    /// (those not at weight 0 already).
    pub drain: Vec<Change>,
    /// Deletes: real servers of kept services, then whole services.
    pub delete: Vec<Change>,
    /// With [`PlanOptions::drain`]: every server that leaves, with its
    /// service or alone, whether or not it needed a weight-0 edit.
    pub leaving: Vec<Leaving>,
}

impl Plan {
    /// True when the tables already match.
    pub fn is_empty(&self) -> bool {
        self.make.is_empty() && self.drain.is_empty() && self.delete.is_empty()
    }

    /// Every change in the order it is sent.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.make.iter().chain(&self.drain).chain(&self.delete)
    }

    /// How many services the delete phase removes.
    pub fn deleted_services(&self) -> usize {
        self.delete
            .iter()
            .filter(|c| matches!(c, Change::DeleteService(_)))
            .count()
    }
}

/// The changes that turn `current` into `wanted`: nothing for an object
/// already right, an edit carrying the whole object for one whose key
/// stays and that differs, an add or a delete for a key that appears or
/// goes. A real server that changes forwarding between NAT and DR/TUN
/// usually changes key too (user space sets a DR/TUN server's port to
/// the service's), and is then an add and a delete.
pub fn plan(current: &Table, wanted: &Table, options: PlanOptions) -> Plan {
    let live: HashMap<ServiceKey, &Entry> =
        current.entries.iter().map(|e| (e.service.key, e)).collect();
    let mut plan = Plan::default();
    let mut dest_deletes = Vec::new();
    let leave = |plan: &mut Plan, dest_deletes: &mut Vec<Change>, key, d: &Destination| {
        if options.drain {
            if d.weight != 0 {
                let mut zero = clean_destination(d);
                zero.weight = 0;
                plan.drain.push(Change::EditDestination {
                    service: key,
                    destination: zero,
                });
            }
            plan.leaving.push(Leaving {
                service: key,
                destination: d.clone(),
            });
        }
        dest_deletes.push(Change::DeleteDestination {
            service: key,
            destination: clean_destination(d),
        });
    };

    for want in &wanted.entries {
        let key = want.service.key;
        let Some(cur) = live.get(&key) else {
            plan.make
                .push(Change::AddService(clean_service(&want.service)));
            plan.make
                .extend(want.destinations.iter().map(|d| Change::AddDestination {
                    service: key,
                    destination: clean_destination(d),
                }));
            continue;
        };
        if !same_service(&cur.service, &want.service) {
            plan.make.push(Change::EditService(edited_service(
                &cur.service,
                &want.service,
            )));
        }
        let dests: HashMap<(IpAddr, u16), &Destination> = cur
            .destinations
            .iter()
            .map(|d| ((d.addr, d.port), d))
            .collect();
        for d in &want.destinations {
            match dests.get(&(d.addr, d.port)) {
                None => plan.make.push(Change::AddDestination {
                    service: key,
                    destination: clean_destination(d),
                }),
                Some(c) if !same_destination(c, d) => plan.make.push(Change::EditDestination {
                    service: key,
                    destination: edited_destination(c, d),
                }),
                Some(_) => {}
            }
        }
        let kept: HashSet<(IpAddr, u16)> =
            want.destinations.iter().map(|d| (d.addr, d.port)).collect();
        for c in &cur.destinations {
            if !kept.contains(&(c.addr, c.port)) {
                leave(&mut plan, &mut dest_deletes, key, c);
            }
        }
    }

    let mut service_deletes = Vec::new();
    if !options.keep_unlisted {
        let listed: HashSet<ServiceKey> = wanted.entries.iter().map(|e| e.service.key).collect();
        let mut gone = HashSet::new();
        for cur in &current.entries {
            let key = cur.service.key;
            if listed.contains(&key) || !gone.insert(key) {
                continue;
            }
            for d in &cur.destinations {
                leave(&mut plan, &mut Vec::new(), key, d);
            }
            service_deletes.push(Change::DeleteService(key));
        }
    }
    plan.delete = dest_deletes;
    plan.delete.extend(service_deletes);
    plan
}

/// The kernel's HASHED bit is bookkeeping, not a setting.
fn settings_flags(flags: ServiceFlags) -> ServiceFlags {
    ServiceFlags::from_bits_retain(flags.bits() & !ServiceFlags::KERNEL_HASHED)
}

/// The engine name, with an empty one read as none (both mean "no
/// engine" to the kernel).
fn engine(svc: &Service) -> Option<&str> {
    svc.pe_name.as_deref().filter(|pe| !pe.is_empty())
}

/// Whether `cur` already behaves as `want`: timeout and netmask count
/// only with persistence, which alone uses them.
pub(crate) fn same_service(cur: &Service, want: &Service) -> bool {
    cur.scheduler == want.scheduler
        && settings_flags(cur.flags) == settings_flags(want.flags)
        && engine(cur) == engine(want)
        && (!want.is_persistent() || (cur.timeout == want.timeout && cur.netmask == want.netmask))
}

/// Whether `cur` already behaves as `want`: tunnel settings count only
/// for a tunnelled server.
pub(crate) fn same_destination(cur: &Destination, want: &Destination) -> bool {
    cur.forward == want.forward
        && cur.weight == want.weight
        && cur.u_threshold == want.u_threshold
        && cur.l_threshold == want.l_threshold
        && (want.forward != ForwardMethod::Tunnel || cur.tunnel == want.tunnel)
}

/// `svc` as a request carries it: no counters, no HASHED bit.
fn clean_service(svc: &Service) -> Service {
    let mut s = svc.clone();
    s.flags = settings_flags(s.flags);
    s.pe_name = engine(svc).map(str::to_string);
    s.stats = Stats::default();
    s
}

fn clean_destination(d: &Destination) -> Destination {
    let mut c = d.clone();
    c.active_conns = 0;
    c.inactive_conns = 0;
    c.persist_conns = 0;
    c.stats = Stats::default();
    c
}

/// The whole service an edit sends: `want`, with the kernel's timeout and
/// netmask where persistence is off (the edit must carry some value, and
/// the kernel's own changes nothing).
fn edited_service(cur: &Service, want: &Service) -> Service {
    let mut s = clean_service(want);
    if !want.is_persistent() {
        s.timeout = cur.timeout;
        s.netmask = cur.netmask;
    }
    s
}

/// The whole server an edit sends: `want`, with the kernel's tunnel
/// settings when it is not tunnelled.
fn edited_destination(cur: &Destination, want: &Destination) -> Destination {
    let mut d = clean_destination(want);
    if want.forward != ForwardMethod::Tunnel {
        d.tunnel = cur.tunnel;
    }
    d
}

/// Whether a drained server of `service` is empty by the kernel's counts:
/// no active connection and no persistence template; for UDP, whose
/// flows are never "active", no connection at all.
pub fn drained(service: &ServiceKey, d: &Destination) -> bool {
    let udp = matches!(
        service,
        ServiceKey::Addr {
            protocol: Protocol::Udp,
            ..
        }
    );
    d.active_conns == 0 && d.persist_conns == 0 && (!udp || d.inactive_conns == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Family, Netmask, TunnelType};
    use pretty_assertions::assert_eq;
    use std::net::Ipv4Addr;

    fn tcp(addr: &str, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: addr.parse().unwrap(),
            port,
        }
    }

    fn svc(key: ServiceKey, sched: &str) -> Service {
        let mut s = Service::new(key);
        s.scheduler = sched.into();
        s
    }

    fn dest(addr: &str, port: u16, forward: ForwardMethod, weight: u32) -> Destination {
        let mut d = Destination::new(addr.parse().unwrap(), port);
        d.forward = forward;
        d.weight = weight;
        d
    }

    fn table(entries: Vec<(Service, Vec<Destination>)>) -> Table {
        Table::new(entries.into_iter().map(|(s, d)| Entry::new(s, d)).collect())
    }

    fn sample() -> Table {
        let vip = tcp("10.0.0.1", 80);
        let mut fw = svc(
            ServiceKey::Fwmark {
                mark: 7,
                family: Family::Inet6,
            },
            "sh",
        );
        fw.flags = ServiceFlags::PERSISTENT | ServiceFlags::SCHED1;
        fw.timeout = 300;
        fw.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        fw.pe_name = Some("sip".into());
        let mut gue = dest("2001:db8::5", 0, ForwardMethod::Tunnel, 2);
        gue.tunnel.kind = TunnelType::Gue;
        gue.tunnel.port = 6080;
        table(vec![
            (
                svc(vip, "rr"),
                vec![
                    dest("192.168.1.1", 8080, ForwardMethod::Masquerade, 1),
                    dest("192.168.1.2", 80, ForwardMethod::Route, 3),
                ],
            ),
            (fw, vec![gue]),
        ])
    }

    fn opts() -> PlanOptions {
        PlanOptions::default()
    }

    #[test]
    fn equal_tables_plan_nothing() {
        let t = sample();
        let p = plan(&t, &t, opts());
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(p.changes().count(), 0);
    }

    #[test]
    fn what_the_kernel_ignores_is_no_difference() {
        let wanted = sample();
        let mut live = sample();
        // The kernel's bookkeeping and counters.
        let s = &mut live.entries[0].service;
        s.flags = ServiceFlags::from_bits_retain(ServiceFlags::KERNEL_HASHED);
        s.stats.conns = 5;
        // Timeout and netmask of a service without persistence.
        s.timeout = 99;
        s.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 0, 0));
        // Tunnel settings of a NAT server, connection counts.
        let d = &mut live.entries[0].destinations[0];
        d.tunnel.kind = TunnelType::Gre;
        d.active_conns = 3;
        d.stats.inbytes = 1000;
        // An empty engine name is no engine.
        live.entries[0].service.pe_name = Some(String::new());
        assert!(plan(&live, &wanted, opts()).is_empty());
    }

    #[test]
    fn an_edit_carries_the_whole_object_and_the_kernels_ignored_values() {
        let mut live = sample();
        live.entries[0].service.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 0, 0));
        live.entries[0].service.timeout = 42;
        live.entries[0].destinations[0].tunnel.kind = TunnelType::Gre;
        let mut wanted = sample();
        wanted.entries[0].service.scheduler = "wlc".into();
        wanted.entries[0].destinations[0].weight = 5;
        wanted.entries[0].destinations[0].u_threshold = 10;
        let p = plan(&live, &wanted, opts());
        let mut edited_svc = wanted.entries[0].service.clone();
        edited_svc.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 0, 0));
        edited_svc.timeout = 42;
        let mut edited_dest = wanted.entries[0].destinations[0].clone();
        edited_dest.tunnel.kind = TunnelType::Gre;
        assert_eq!(
            p.make,
            vec![
                Change::EditService(edited_svc),
                Change::EditDestination {
                    service: tcp("10.0.0.1", 80),
                    destination: edited_dest,
                },
            ]
        );
        assert!(p.drain.is_empty() && p.delete.is_empty());
    }

    #[test]
    fn persistence_settings_and_engine_count_when_persistent() {
        let live = sample();
        for change in [
            |s: &mut Service| s.timeout = 301,
            |s: &mut Service| s.netmask = Netmask::from_raw(Family::Inet6, 48).unwrap(),
            |s: &mut Service| s.pe_name = None,
            |s: &mut Service| s.flags.remove(ServiceFlags::SCHED1),
        ] {
            let mut wanted = sample();
            change(&mut wanted.entries[1].service);
            let p = plan(&live, &wanted, opts());
            assert_eq!(
                p.make,
                vec![Change::EditService(wanted.entries[1].service.clone())]
            );
        }
        // Tunnel settings count for a tunnelled server.
        let mut wanted = sample();
        wanted.entries[1].destinations[0].tunnel.port = 6081;
        let p = plan(&live, &wanted, opts());
        assert_eq!(p.make.len(), 1);
        assert!(matches!(p.make[0], Change::EditDestination { .. }));
    }

    #[test]
    fn new_and_gone_keys_are_adds_then_deletes() {
        let live = sample();
        let mut wanted = sample();
        wanted.entries.remove(1);
        let vip = tcp("10.0.0.1", 80);
        // 192.168.1.2 moves from DR on port 80 to NAT on 8080: a new key.
        wanted.entries[0].destinations[1] = dest("192.168.1.2", 8080, ForwardMethod::Masquerade, 3);
        wanted.entries[0]
            .destinations
            .push(dest("192.168.1.3", 80, ForwardMethod::Route, 1));
        let new_vip = tcp("10.0.0.2", 443);
        wanted.entries.push(Entry::new(
            svc(new_vip, "wrr"),
            vec![
                dest("192.168.2.1", 443, ForwardMethod::Route, 1),
                dest("192.168.2.2", 443, ForwardMethod::Route, 1),
            ],
        ));
        let p = plan(&live, &wanted, opts());
        assert_eq!(
            p.make,
            vec![
                Change::AddDestination {
                    service: vip,
                    destination: dest("192.168.1.2", 8080, ForwardMethod::Masquerade, 3),
                },
                Change::AddDestination {
                    service: vip,
                    destination: dest("192.168.1.3", 80, ForwardMethod::Route, 1),
                },
                Change::AddService(svc(new_vip, "wrr")),
                Change::AddDestination {
                    service: new_vip,
                    destination: dest("192.168.2.1", 443, ForwardMethod::Route, 1),
                },
                Change::AddDestination {
                    service: new_vip,
                    destination: dest("192.168.2.2", 443, ForwardMethod::Route, 1),
                },
            ]
        );
        assert!(p.drain.is_empty() && p.leaving.is_empty());
        assert_eq!(
            p.delete,
            vec![
                Change::DeleteDestination {
                    service: vip,
                    destination: dest("192.168.1.2", 80, ForwardMethod::Route, 3),
                },
                Change::DeleteService(live.entries[1].service.key),
            ]
        );
        assert_eq!(p.deleted_services(), 1);

        let keep = plan(&live, &wanted, PlanOptions::new(true, false));
        assert_eq!(keep.make, p.make);
        assert_eq!(keep.delete, p.delete[..1]);
    }

    #[test]
    fn a_server_at_weight_zero_gets_its_weight_back_by_an_edit() {
        let mut live = sample();
        live.entries[0].destinations[1].weight = 0;
        let p = plan(&live, &sample(), PlanOptions::new(false, true));
        assert_eq!(
            p.make,
            vec![Change::EditDestination {
                service: tcp("10.0.0.1", 80),
                destination: sample().entries[0].destinations[1].clone(),
            }]
        );
        assert!(p.drain.is_empty() && p.delete.is_empty() && p.leaving.is_empty());
    }

    #[test]
    fn a_drain_zeroes_the_leaving_servers_first() {
        let mut live = sample();
        live.entries[0].destinations[0].weight = 0;
        live.entries[0].destinations[0].active_conns = 4;
        let wanted = table(vec![]);
        let p = plan(&live, &wanted, PlanOptions::new(false, true));
        assert!(p.make.is_empty());
        let mut zero = live.entries[0].destinations[1].clone();
        zero.weight = 0;
        let mut gue = live.entries[1].destinations[0].clone();
        gue.weight = 0;
        assert_eq!(
            p.drain,
            vec![
                Change::EditDestination {
                    service: tcp("10.0.0.1", 80),
                    destination: zero,
                },
                Change::EditDestination {
                    service: live.entries[1].service.key,
                    destination: gue,
                },
            ]
        );
        assert_eq!(p.leaving.len(), 3);
        assert_eq!(p.leaving[0].destination.active_conns, 4);
        assert_eq!(
            p.delete,
            vec![
                Change::DeleteService(tcp("10.0.0.1", 80)),
                Change::DeleteService(live.entries[1].service.key),
            ]
        );
        assert_eq!(p.deleted_services(), 2);
    }

    #[test]
    fn drained_counts() {
        let udp = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "10.0.0.1".parse().unwrap(),
            port: 53,
        };
        let mut d = dest("192.168.1.1", 53, ForwardMethod::Route, 0);
        assert!(drained(&udp, &d) && drained(&tcp("10.0.0.1", 53), &d));
        d.inactive_conns = 1;
        assert!(!drained(&udp, &d) && drained(&tcp("10.0.0.1", 53), &d));
        d.inactive_conns = 0;
        d.persist_conns = 1;
        assert!(!drained(&tcp("10.0.0.1", 53), &d));
    }
}
