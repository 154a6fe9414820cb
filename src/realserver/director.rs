//! The director-side check: what can be seen from the director about the
//! usual LVS mistakes, from the IPVS table and this host's own routing.
//!
//! It sees: whether each virtual address is local here (IPVS only gets
//! packets addressed to this host), forwarding for NAT, how each real
//! server is reached (directly connected or via a gateway), and the MTU of
//! the way to a TUN real server. It cannot see the real servers
//! themselves — their default gateway (NAT), whether they answer ARP for
//! the VIP (DR), their tunnel device and rp_filter (TUN) — so it says so;
//! `status` (this module's real-server side) run on each of them covers
//! those.
//!
//! `check` is pure (the facts are gathered by the caller), so every
//! message is unit-tested.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipvs::model::{Destination, ForwardMethod, Service, ServiceKey, TunnelType};

/// How serious a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Note,
    Warning,
}

/// One thing the check found. `text` states it; `remedy`, when there is
/// one, names what would fix or show more, for the caller to word (the
/// command line names its own subcommands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub text: String,
    pub remedy: Option<Remedy>,
}

/// What the preparation offers for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Preparing each DR real server (the VIP on `lo`, ARP for it
    /// suppressed), on that server.
    RealserverSetupDr,
    /// Turning forwarding on here for NAT: IPv4, or IPv6 too.
    DirectorSetupNat { ipv6: bool },
    /// Checking each real server on the server itself.
    RealserverStatus,
}

/// How this host reaches one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// Why the lookup failed (no route), if it did.
    pub error: Option<String>,
    pub gateway: Option<IpAddr>,
    pub dev: Option<String>,
    pub mtu: Option<u32>,
    /// The address is this host's own.
    pub local: bool,
    /// This host's addresses on `dev`, the gateway a NAT real server on
    /// that network must use.
    pub dev_addrs: Vec<IpAddr>,
}

/// What the check needs to know about this host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub local_addrs: Vec<IpAddr>,
    /// `net.ipv4.ip_forward` and `net.ipv6.conf.all.forwarding`.
    pub ip_forward: Option<String>,
    pub ipv6_forwarding: Option<String>,
    /// Per real-server address.
    pub routes: BTreeMap<IpAddr, Route>,
}

fn addr_port(addr: &IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// `TCP 10.0.0.1:80` / `FWM 5`, as in the listing.
pub fn service_name(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            let p = match protocol {
                ipvs::model::Protocol::Tcp => "TCP".to_string(),
                ipvs::model::Protocol::Udp => "UDP".to_string(),
                ipvs::model::Protocol::Sctp => "SCTP".to_string(),
                ipvs::model::Protocol::Other(n) => format!("proto {n}"),
            };
            format!("{p} {}", addr_port(addr, *port))
        }
        ServiceKey::Fwmark { mark, .. } => format!("FWM {mark}"),
    }
}

/// Encapsulation bytes added in front of each tunnelled packet.
fn tunnel_overhead(d: &Destination) -> u32 {
    let ip = if d.addr.is_ipv4() { 20 } else { 40 };
    match d.tunnel.kind {
        TunnelType::Gue => ip + 8 + 4,
        TunnelType::Gre => ip + 4 + if !d.tunnel.flags.is_empty() { 4 } else { 0 },
        _ => ip,
    }
}

/// The addresses the check needs routes for.
pub fn destinations_to_route(table: &[(Service, Vec<Destination>)]) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = table
        .iter()
        .flat_map(|(_, ds)| ds.iter().map(|d| d.addr))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Everything worth saying about `table` on a host described by `facts`.
pub fn check(table: &[(Service, Vec<Destination>)], facts: &Facts) -> Vec<Check> {
    let mut out = Vec::new();
    let mut say = |level: Level, text: String, remedy: Option<Remedy>| {
        out.push(Check {
            level,
            text,
            remedy,
        })
    };
    if table.is_empty() {
        say(
            Level::Note,
            "no virtual services are configured".into(),
            None,
        );
    }
    let vips: Vec<IpAddr> = table
        .iter()
        .filter_map(|(svc, _)| match svc.key {
            ServiceKey::Addr { addr, .. } => Some(addr),
            ServiceKey::Fwmark { .. } => None,
        })
        .collect();
    let mut nat_v4 = false;
    let mut nat_v6 = false;
    for (svc, dests) in table {
        let name = service_name(&svc.key);
        if let ServiceKey::Addr { addr, .. } = &svc.key {
            if addr.is_unspecified() || facts.local_addrs.contains(addr) {
                say(
                    Level::Ok,
                    format!("{name}: the virtual address is local here"),
                    None,
                );
            } else {
                say(
                    Level::Warning,
                    format!(
                        "{name}: {addr} is not an address of this host; IPVS only sees packets addressed to this host (add the VIP to an interface, e.g. `ip addr add {addr}/{} dev eth0`)",
                        if addr.is_ipv4() { 32 } else { 128 }
                    ),
                    None,
                );
            }
        }
        if dests.is_empty() {
            say(Level::Warning, format!("{name}: no real servers"), None);
        }
        for d in dests {
            let rs = format!("{name} -> {}", addr_port(&d.addr, d.port));
            let route = facts.routes.get(&d.addr).cloned().unwrap_or_default();
            if let Some(err) = &route.error {
                say(
                    Level::Warning,
                    format!("{rs}: no route to the real server ({err})"),
                    None,
                );
                continue;
            }
            let via = match (&route.gateway, &route.dev) {
                (Some(gw), Some(dev)) => format!("via {gw} dev {dev}"),
                (Some(gw), None) => format!("via {gw}"),
                (None, Some(dev)) => format!("directly connected on {dev}"),
                (None, None) => "reachable".to_string(),
            };
            match d.forward {
                ForwardMethod::Masquerade => {
                    if d.addr.is_ipv4() {
                        nat_v4 = true;
                    } else {
                        nat_v6 = true;
                    }
                    if route.local {
                        say(
                            Level::Note,
                            format!("{rs}: NAT to an address of this host"),
                            None,
                        );
                    } else if let Some(gw) = route.gateway {
                        say(
                            Level::Warning,
                            format!(
                                "{rs}: NAT real server reached via gateway {gw}: its replies must come back through this director, so it (or {gw}) must route the clients' addresses to this director"
                            ),
                            None,
                        );
                    } else {
                        // The VIPs are on the director too, but are no gateway.
                        let gw: Vec<String> = route
                            .dev_addrs
                            .iter()
                            .filter(|a| !vips.contains(a))
                            .map(|a| a.to_string())
                            .collect();
                        say(
                            Level::Ok,
                            format!(
                                "{rs}: NAT, {via}; the real server's default gateway must be {} (not visible from here)",
                                if gw.is_empty() {
                                    "this director".to_string()
                                } else {
                                    gw.join(" or ")
                                }
                            ),
                            None,
                        );
                    }
                }
                ForwardMethod::Route => {
                    if let Some(gw) = route.gateway {
                        say(
                            Level::Warning,
                            format!(
                                "{rs}: DR needs the real server on a directly connected network (the director only rewrites the MAC address), but it is reached via {gw}"
                            ),
                            None,
                        );
                    } else {
                        say(
                            Level::Ok,
                            format!(
                                "{rs}: DR, {via}; the real server must have the VIP on lo and not answer ARP for it"
                            ),
                            Some(Remedy::RealserverSetupDr),
                        );
                    }
                }
                ForwardMethod::Tunnel => {
                    let overhead = tunnel_overhead(d);
                    let text = match route.mtu {
                        Some(mtu) => format!(
                            "{rs}: TUN {via}, MTU {mtu}: encapsulation adds {overhead} bytes, so client packets over {} bytes need fragmentation or working path-MTU discovery; lower the real server's MTU or TCP MSS to match (the real server itself is not visible from here)",
                            mtu.saturating_sub(overhead)
                        ),
                        None => format!(
                            "{rs}: TUN {via}: encapsulation adds {overhead} bytes per packet; mind the MTU"
                        ),
                    };
                    say(Level::Note, text, None);
                }
                ForwardMethod::Local => say(Level::Ok, format!("{rs}: local"), None),
                ForwardMethod::Other(n) => say(
                    Level::Warning,
                    format!("{rs}: unknown forwarding method {n}"),
                    None,
                ),
            }
        }
    }
    let off = |v: &Option<String>| v.as_deref() != Some("1");
    if nat_v4 && off(&facts.ip_forward) {
        say(
            Level::Warning,
            format!(
                "NAT real servers, but net.ipv4.ip_forward is {}: their replies are not forwarded back to the clients",
                facts.ip_forward.as_deref().unwrap_or("missing")
            ),
            Some(Remedy::DirectorSetupNat { ipv6: false }),
        );
    }
    if nat_v6 && off(&facts.ipv6_forwarding) {
        say(
            Level::Warning,
            format!(
                "IPv6 NAT real servers, but net.ipv6.conf.all.forwarding is {}: their replies are not forwarded back",
                facts.ipv6_forwarding.as_deref().unwrap_or("missing")
            ),
            Some(Remedy::DirectorSetupNat { ipv6: true }),
        );
    }
    if !table.is_empty() {
        say(
            Level::Note,
            "not visible from the director: the real servers' default gateways (NAT), whether they answer ARP for the VIP (DR), their tunnel device and rp_filter (TUN)".into(),
            Some(Remedy::RealserverStatus)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipvs::model::Protocol;
    use pretty_assertions::assert_eq;

    fn svc(vip: &str) -> Service {
        Service::new(ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: vip.parse().unwrap(),
            port: 80,
        })
    }

    fn dest(addr: &str, forward: ForwardMethod) -> Destination {
        let mut d = Destination::new(addr.parse().unwrap(), 80);
        d.forward = forward;
        d
    }

    fn lines(checks: &[Check]) -> Vec<String> {
        checks
            .iter()
            .map(|c| match c.remedy {
                Some(r) => format!("{:?}: {} [{r:?}]", c.level, c.text),
                None => format!("{:?}: {}", c.level, c.text),
            })
            .collect()
    }

    #[test]
    fn nat_without_forwarding_and_remote_vip() {
        let table = vec![(
            svc("10.0.0.100"),
            vec![
                dest("192.168.10.2", ForwardMethod::Masquerade),
                dest("172.16.0.9", ForwardMethod::Masquerade),
            ],
        )];
        let mut facts = Facts {
            ip_forward: Some("0".into()),
            ..Facts::default()
        };
        facts.routes.insert(
            "192.168.10.2".parse().unwrap(),
            Route {
                dev: Some("br0".into()),
                dev_addrs: vec![
                    "192.168.10.1".parse().unwrap(),
                    "10.0.0.100".parse().unwrap(),
                ],
                ..Route::default()
            },
        );
        facts.routes.insert(
            "172.16.0.9".parse().unwrap(),
            Route {
                gateway: Some("192.168.10.254".parse().unwrap()),
                dev: Some("br0".into()),
                ..Route::default()
            },
        );
        let got = lines(&check(&table, &facts));
        assert_eq!(
            got,
            vec![
                "Warning: TCP 10.0.0.100:80: 10.0.0.100 is not an address of this host; IPVS only sees packets addressed to this host (add the VIP to an interface, e.g. `ip addr add 10.0.0.100/32 dev eth0`)",
                "Ok: TCP 10.0.0.100:80 -> 192.168.10.2:80: NAT, directly connected on br0; the real server's default gateway must be 192.168.10.1 (not visible from here)",
                "Warning: TCP 10.0.0.100:80 -> 172.16.0.9:80: NAT real server reached via gateway 192.168.10.254: its replies must come back through this director, so it (or 192.168.10.254) must route the clients' addresses to this director",
                "Warning: NAT real servers, but net.ipv4.ip_forward is 0: their replies are not forwarded back to the clients [DirectorSetupNat { ipv6: false }]",
                "Note: not visible from the director: the real servers' default gateways (NAT), whether they answer ARP for the VIP (DR), their tunnel device and rp_filter (TUN) [RealserverStatus]",
            ]
        );
    }

    #[test]
    fn dr_via_gateway_tun_mtu_and_no_route() {
        let table = vec![(
            svc("10.0.0.100"),
            vec![
                dest("172.16.0.9", ForwardMethod::Route),
                dest("192.168.10.3", ForwardMethod::Tunnel),
                dest("192.168.99.9", ForwardMethod::Route),
            ],
        )];
        let mut facts = Facts {
            local_addrs: vec!["10.0.0.100".parse().unwrap()],
            ..Facts::default()
        };
        facts.routes.insert(
            "172.16.0.9".parse().unwrap(),
            Route {
                gateway: Some("192.168.10.254".parse().unwrap()),
                ..Route::default()
            },
        );
        facts.routes.insert(
            "192.168.10.3".parse().unwrap(),
            Route {
                dev: Some("eth0".into()),
                mtu: Some(1500),
                ..Route::default()
            },
        );
        facts.routes.insert(
            "192.168.99.9".parse().unwrap(),
            Route {
                error: Some("Network is unreachable".into()),
                ..Route::default()
            },
        );
        let got = lines(&check(&table, &facts));
        assert_eq!(
            got[0],
            "Ok: TCP 10.0.0.100:80: the virtual address is local here"
        );
        assert_eq!(
            got[1],
            "Warning: TCP 10.0.0.100:80 -> 172.16.0.9:80: DR needs the real server on a directly connected network (the director only rewrites the MAC address), but it is reached via 192.168.10.254"
        );
        assert!(got[2].starts_with(
            "Note: TCP 10.0.0.100:80 -> 192.168.10.3:80: TUN directly connected on eth0, MTU 1500: encapsulation adds 20 bytes, so client packets over 1480 bytes"
        ));
        assert_eq!(
            got[3],
            "Warning: TCP 10.0.0.100:80 -> 192.168.99.9:80: no route to the real server (Network is unreachable)"
        );
    }

    #[test]
    fn empty_table() {
        assert_eq!(
            lines(&check(&[], &Facts::default())),
            vec!["Note: no virtual services are configured"]
        );
    }
}
