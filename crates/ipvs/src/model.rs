//! The IPVS objects as plain Rust values.
//!
//! Everything here is host order and free of netlink layout: ports are `u16`,
//! addresses are `IpAddr`, and the few kernel numbers that scripts see
//! (flags, forwarding method codes) are named. The codec in `wire` is the
//! only place that knows how these travel to and from the kernel.
//!
//! The structs the kernel may grow (a newer kernel's attribute becomes a
//! new field) are `#[non_exhaustive]`: build them with their constructors
//! or `Default`, then set the public fields. Codes a newer kernel may send
//! that have no name here are kept, not refused (`Other(n)`, and flag bits
//! without a name are retained by the bit sets), so that what is read can
//! be written back unchanged. With the `serde` feature every type here
//! derives `Serialize` and `Deserialize`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `#[derive]`s for serde, when the feature is on.
macro_rules! serde_derive {
    ($($item:item)*) => {
        $(
            #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
            $item
        )*
    };
}

/// Address family of a service or destination (`AF_INET` / `AF_INET6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Family {
    /// IPv4 (`AF_INET`).
    Inet,
    /// IPv6 (`AF_INET6`).
    Inet6,
}

impl Family {
    /// The kernel's number for the family.
    pub fn raw(self) -> u16 {
        match self {
            Family::Inet => libc::AF_INET as u16,
            Family::Inet6 => libc::AF_INET6 as u16,
        }
    }

    /// The family of the kernel's number; `None` for anything but
    /// `AF_INET` and `AF_INET6`, the only families IPVS serves.
    pub fn from_raw(af: u16) -> Option<Family> {
        match i32::from(af) {
            libc::AF_INET => Some(Family::Inet),
            libc::AF_INET6 => Some(Family::Inet6),
            _ => None,
        }
    }

    /// The family an address belongs to.
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }

    /// The all-zero address of this family.
    pub fn unspecified(self) -> IpAddr {
        match self {
            Family::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

/// Transport protocol of an address-based virtual service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Protocol {
    /// TCP (IP protocol 6).
    Tcp,
    /// UDP (IP protocol 17).
    Udp,
    /// SCTP (IP protocol 132).
    Sctp,
    /// A protocol number the kernel reported that ipvsadm has no name for.
    Other(u16),
}

impl Protocol {
    /// The IP protocol number, as the kernel stores it.
    pub fn raw(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
            Protocol::Other(n) => n,
        }
    }

    /// The protocol of an IP protocol number; numbers without a name are
    /// kept as `Other`.
    pub fn from_raw(n: u16) -> Protocol {
        match n {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            132 => Protocol::Sctp,
            n => Protocol::Other(n),
        }
    }
}

/// What identifies a virtual service to the kernel: no two services in a
/// table have the same key, and every request about a service names it
/// by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ServiceKey {
    /// `-t`, `-u`, `--sctp-service`: protocol, address and port.
    Addr {
        /// The transport protocol the service answers.
        protocol: Protocol,
        /// The virtual address clients connect to; its family is the
        /// service's.
        addr: IpAddr,
        /// The virtual port, host order. 0 catches every port of `addr`
        /// that no other service has (ipvsadm allows it only with
        /// persistence).
        port: u16,
    },
    /// `-f`: a firewall mark, with the family it applies to (`-6`).
    Fwmark {
        /// The packet mark (set by netfilter rules) that selects the
        /// service; never 0.
        mark: u32,
        /// Which family's packets the mark applies to.
        family: Family,
    },
}

impl ServiceKey {
    /// The address family of the service.
    pub fn family(&self) -> Family {
        match self {
            ServiceKey::Addr { addr, .. } => Family::of(addr),
            ServiceKey::Fwmark { family, .. } => *family,
        }
    }

    /// The virtual port; 0 for a firewall-mark service, which has none.
    pub fn port(&self) -> u16 {
        match self {
            ServiceKey::Addr { port, .. } => *port,
            ServiceKey::Fwmark { .. } => 0,
        }
    }
}

bitflags::bitflags! {
    /// Service flag bits (`IP_VS_SVC_F_*`). Bits without a name here are
    /// kept as they are. The kernel's own bookkeeping bit HASHED (0x2, "in
    /// the service table") is not part of a service's settings: it is
    /// removed from what the kernel reports and never sent.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    #[cfg_attr(feature = "serde", serde(transparent))]
    pub struct ServiceFlags: u32 {
        /// `-p`: connections of one client go to one real server.
        const PERSISTENT = 0x0001;
        /// `-o`: one-packet scheduling (UDP).
        const ONEPACKET = 0x0004;
        /// First scheduler flag (`-b flag-1`; `sh-fallback`, `mh-fallback`).
        const SCHED1 = 0x0008;
        /// Second scheduler flag (`-b flag-2`; `sh-port`, `mh-port`).
        const SCHED2 = 0x0010;
        /// Third scheduler flag (`-b flag-3`).
        const SCHED3 = 0x0020;
        // Every other bit is kept, whatever it means.
        const _ = !0;
    }
}

impl ServiceFlags {
    /// The three scheduler-specific bits (`-b`).
    pub const SCHED_MASK: ServiceFlags = ServiceFlags::SCHED1
        .union(ServiceFlags::SCHED2)
        .union(ServiceFlags::SCHED3);
    /// `IP_VS_SVC_F_HASHED`: set by the kernel on every service in its
    /// table; removed on read, never sent.
    pub const KERNEL_HASHED: u32 = 0x0002;
}

serde_derive! {
/// Traffic counters and rate estimates, always 64-bit here (the kernel's
/// STATS64 when it offers them; the 32-bit STATS widened otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Connections scheduled since the counters were last zeroed.
    pub conns: u64,
    /// Packets from clients (towards the real servers).
    pub inpkts: u64,
    /// Packets from the real servers (back towards clients); only NAT
    /// sees them, so they stay 0 with direct routing and tunnels.
    pub outpkts: u64,
    /// Bytes from clients.
    pub inbytes: u64,
    /// Bytes from the real servers (NAT only, as `outpkts`).
    pub outbytes: u64,
    /// Connections per second, as the kernel's rate estimator last
    /// computed it (an average over a few seconds).
    pub cps: u64,
    /// Incoming packets per second (estimated, as `cps`).
    pub inpps: u64,
    /// Outgoing packets per second (estimated).
    pub outpps: u64,
    /// Incoming bytes (not bits) per second (estimated).
    pub inbps: u64,
    /// Outgoing bytes per second (estimated).
    pub outbps: u64,
}
}

serde_derive! {
/// A virtual service: its identity plus everything `-A`/`-E` can set.
/// Replies from the kernel also fill `stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Service {
    /// What the kernel finds the service by; an edit cannot change it.
    pub key: ServiceKey,
    /// Kernel scheduler name (`wlc`, `rr`, ..., or `none`). The kernel
    /// loads the `ip_vs_NAME` module on first use and refuses a name it
    /// has no module for.
    pub scheduler: String,
    /// Persistence, one-packet scheduling and the scheduler's own flags.
    pub flags: ServiceFlags,
    /// Persistence timeout in seconds (meaningful with `ServiceFlags::PERSISTENT`):
    /// how long after a client's last connection ends its next one still
    /// goes to the same real server.
    pub timeout: u32,
    /// Persistence granularity (meaningful with `PERSISTENT`).
    pub netmask: Netmask,
    /// Persistence engine (`sip`), if any.
    pub pe_name: Option<String>,
    /// The service's counters, filled by reads; ignored in requests.
    pub stats: Stats,
}
}

impl Service {
    /// A service with ipvsadm's defaults: scheduler wlc, no persistence,
    /// a full-length netmask.
    pub fn new(key: ServiceKey) -> Service {
        Service {
            key,
            scheduler: "wlc".to_string(),
            flags: ServiceFlags::default(),
            timeout: 0,
            netmask: Netmask::full(key.family()),
            pe_name: None,
            stats: Stats::default(),
        }
    }

    /// Whether [`ServiceFlags::PERSISTENT`] is set.
    pub fn is_persistent(&self) -> bool {
        self.flags.contains(ServiceFlags::PERSISTENT)
    }
}

/// The persistence granularity of a service: which client addresses
/// count as one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Netmask {
    /// IPv4: any 32-bit mask, contiguous or not (the kernel ANDs the
    /// client address with it, and ipvsadm accepts any dotted quad).
    V4(Ipv4Addr),
    /// IPv6: a prefix length.
    V6(Ipv6Prefix),
}

impl Netmask {
    /// The whole address (/32, /128): every client on its own, the
    /// default.
    pub fn full(family: Family) -> Netmask {
        match family {
            Family::Inet => Netmask::V4(Ipv4Addr::BROADCAST),
            Family::Inet6 => Netmask::V6(Ipv6Prefix::FULL),
        }
    }

    /// The kernel's number: the IPv4 mask as a host-order integer
    /// (255.255.255.0 = 0xffff_ff00), or the IPv6 prefix length.
    pub fn raw(self) -> u32 {
        match self {
            Netmask::V4(mask) => u32::from(mask),
            Netmask::V6(prefix) => u32::from(prefix.bits()),
        }
    }

    /// The netmask of a `family` service from the kernel's number; `None`
    /// for an IPv6 prefix outside 1..=128.
    pub fn from_raw(family: Family, raw: u32) -> Option<Netmask> {
        match family {
            Family::Inet => Some(Netmask::V4(Ipv4Addr::from(raw))),
            Family::Inet6 => u8::try_from(raw)
                .ok()
                .and_then(Ipv6Prefix::new)
                .map(Netmask::V6),
        }
    }
}

/// An IPv6 prefix length, 1 to 128 (what the kernel accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u8", into = "u8"))]
pub struct Ipv6Prefix(u8);

impl Ipv6Prefix {
    /// /128.
    pub const FULL: Ipv6Prefix = Ipv6Prefix(128);

    /// `len` if it is 1..=128.
    pub fn new(len: u8) -> Option<Ipv6Prefix> {
        (1..=128).contains(&len).then_some(Ipv6Prefix(len))
    }

    /// The prefix length, 1..=128.
    pub fn bits(self) -> u8 {
        self.0
    }
}

impl From<Ipv6Prefix> for u8 {
    fn from(prefix: Ipv6Prefix) -> u8 {
        prefix.0
    }
}

impl TryFrom<u8> for Ipv6Prefix {
    type Error = String;

    fn try_from(len: u8) -> Result<Ipv6Prefix, String> {
        Ipv6Prefix::new(len).ok_or_else(|| format!("IPv6 prefix length {len} is not 1..=128"))
    }
}

/// How packets reach a real server (`IP_VS_CONN_F_FWD_MASK` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ForwardMethod {
    /// `-m`, NAT.
    Masquerade,
    /// The director itself (the kernel picks it for local addresses).
    Local,
    /// `-i`, IP-in-IP or another tunnel.
    Tunnel,
    /// `-g`, direct routing (the default).
    Route,
    /// A code the kernel reported that has no name.
    Other(u32),
}

impl ForwardMethod {
    /// The kernel's code (`IP_VS_CONN_F_MASQ` = 0 to `IP_VS_CONN_F_DROUTE` = 3).
    pub fn raw(self) -> u32 {
        match self {
            ForwardMethod::Masquerade => 0,
            ForwardMethod::Local => 1,
            ForwardMethod::Tunnel => 2,
            ForwardMethod::Route => 3,
            ForwardMethod::Other(n) => n,
        }
    }

    /// The method of a kernel code. Only the low three bits (the kernel's
    /// forwarding mask) count; the kernel reports other connection flags
    /// beside them.
    pub fn from_raw(n: u32) -> ForwardMethod {
        match n & 0x7 {
            0 => ForwardMethod::Masquerade,
            1 => ForwardMethod::Local,
            2 => ForwardMethod::Tunnel,
            3 => ForwardMethod::Route,
            other => ForwardMethod::Other(other),
        }
    }
}

/// Encapsulation used by a tunnel (`-i`) destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TunnelType {
    /// IP in IP, the default and the only one older kernels know.
    #[default]
    Ipip,
    /// Generic UDP Encapsulation: IP in UDP, to [`Tunnel::port`].
    Gue,
    /// Generic Routing Encapsulation.
    Gre,
    /// A type number the kernel reported that has no name here.
    Other(u8),
}

impl TunnelType {
    /// The kernel's number (`IP_VS_CONN_F_TUNNEL_TYPE_*`).
    pub fn raw(self) -> u8 {
        match self {
            TunnelType::Ipip => 0,
            TunnelType::Gue => 1,
            TunnelType::Gre => 2,
            TunnelType::Other(n) => n,
        }
    }

    /// The type of a kernel number; unnamed ones are kept as `Other`.
    pub fn from_raw(n: u8) -> TunnelType {
        match n {
            0 => TunnelType::Ipip,
            1 => TunnelType::Gue,
            2 => TunnelType::Gre,
            n => TunnelType::Other(n),
        }
    }
}

bitflags::bitflags! {
    /// Tunnel encapsulation flags (`IP_VS_TUNNEL_ENCAP_FLAG_*`): none is
    /// "no checksum". Bits without a name here are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    #[cfg_attr(feature = "serde", serde(transparent))]
    pub struct TunnelFlags: u16 {
        /// `--tun-csum`: the outer UDP/GRE header carries a checksum.
        const CSUM = 0x1;
        /// `--tun-remcsum`: remote checksum offload.
        const REMCSUM = 0x2;
        // Every other bit is kept, whatever it means.
        const _ = !0;
    }
}

serde_derive! {
/// Tunnel parameters of a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Tunnel {
    /// The encapsulation.
    pub kind: TunnelType,
    /// UDP port for GUE (0 otherwise).
    pub port: u16,
    /// Checksum options of GUE and GRE.
    pub flags: TunnelFlags,
}
}

impl Tunnel {
    /// Tunnel parameters from their parts.
    pub fn new(kind: TunnelType, port: u16, flags: TunnelFlags) -> Tunnel {
        Tunnel { kind, port, flags }
    }
}

serde_derive! {
/// A real server of a virtual service. Replies also fill the connection
/// counts and stats.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Destination {
    /// The real server's address. Its family may differ from the
    /// service's only with tunnel forwarding.
    pub addr: IpAddr,
    /// The real server's port, host order. Together with `addr` it is
    /// what the kernel finds the server by within its service. With
    /// direct routing and tunnels packets keep their destination port,
    /// so ipvsadm gives these the service's port.
    pub port: u16,
    /// How packets reach the server.
    pub forward: ForwardMethod,
    /// The server's share of new connections relative to the others in
    /// weighted schedulers. 0 quiesces it: the scheduler picks it for no
    /// new connection, existing connections go on, and by default a
    /// client that persistence already ties to it still reaches it.
    /// The kernel keeps a signed int; ipvsadm accepts 0..=i32::MAX.
    pub weight: u32,
    /// Upper connection threshold, 0 = none: once the server's active
    /// plus inactive connections reach it, the kernel marks it
    /// overloaded and schedules no new connection to it.
    pub u_threshold: u32,
    /// Lower connection threshold, 0 = none: an overloaded server is
    /// scheduled again once its connections drop below it (without one,
    /// below three quarters of `u_threshold`).
    pub l_threshold: u32,
    /// Encapsulation settings, used when `forward` is
    /// [`ForwardMethod::Tunnel`].
    pub tunnel: Tunnel,
    /// Connections in an established state (for TCP: ESTABLISHED);
    /// filled by reads, ignored in requests.
    pub active_conns: u32,
    /// Every other connection, such as TCP in closing states and UDP;
    /// filled by reads.
    pub inactive_conns: u32,
    /// Persistence templates (remembered clients) that point at this
    /// server; filled by reads.
    pub persist_conns: u32,
    /// The server's counters, filled by reads; ignored in requests.
    pub stats: Stats,
}
}

impl Destination {
    /// A destination with ipvsadm's defaults: direct routing, weight 1.
    pub fn new(addr: IpAddr, port: u16) -> Destination {
        Destination {
            addr,
            port,
            forward: ForwardMethod::Route,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
            tunnel: Tunnel::default(),
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }

    /// The family of the server's address.
    pub fn family(&self) -> Family {
        Family::of(&self.addr)
    }
}

serde_derive! {
/// Connection timeouts in seconds (`--set`, `--timeout`); 0 in a request
/// means "leave unchanged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Timeouts {
    /// Idle time of an established TCP connection.
    pub tcp: u32,
    /// Timeout of a TCP connection in its closing (FIN_WAIT) state.
    pub tcp_fin: u32,
    /// Idle time of a UDP flow.
    pub udp: u32,
}
}

impl Timeouts {
    /// Timeouts from their parts, in seconds.
    pub fn new(tcp: u32, tcp_fin: u32, udp: u32) -> Timeouts {
        Timeouts { tcp, tcp_fin, udp }
    }
}

/// Role of a connection-synchronisation daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DaemonState {
    /// Sends this director's connection table to the backups.
    Master,
    /// Receives a master's connections and adds them to this director's
    /// table, so that they survive a failover.
    Backup,
}

impl DaemonState {
    /// The kernel's number (`IP_VS_STATE_MASTER` = 1, `_BACKUP` = 2).
    pub fn raw(self) -> u32 {
        match self {
            DaemonState::Master => 1,
            DaemonState::Backup => 2,
        }
    }

    /// The role of a kernel number; `None` for any other number.
    pub fn from_raw(n: u32) -> Option<DaemonState> {
        match n {
            1 => Some(DaemonState::Master),
            2 => Some(DaemonState::Backup),
            _ => None,
        }
    }

    /// `master` or `backup`, as ipvsadm prints them.
    pub fn name(self) -> &'static str {
        match self {
            DaemonState::Master => "master",
            DaemonState::Backup => "backup",
        }
    }
}

serde_derive! {
/// A sync daemon as started (`--start-daemon`) or reported (`--daemon`).
/// Zero / `None` fields mean "kernel default" in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Daemon {
    /// Whether it sends (master) or receives (backup).
    pub state: DaemonState,
    /// The interface the sync messages are sent or received on.
    pub mcast_ifn: String,
    /// The sync id, 0..=255: a master tags its messages with it, and a
    /// backup accepts only messages with its own id (any, with 0).
    pub syncid: u32,
    /// Largest sync message in bytes; 0 lets the kernel size it from
    /// the interface's MTU.
    pub sync_maxlen: u16,
    /// Multicast group of the sync messages (the kernel's default is
    /// 224.0.0.81).
    pub mcast_group: Option<IpAddr>,
    /// UDP port of the sync messages (the kernel's default is 8848).
    pub mcast_port: u16,
    /// Multicast TTL of the sent messages (the kernel's default is 1).
    pub mcast_ttl: u8,
}
}

impl Daemon {
    /// A daemon of `state` on interface `mcast_ifn`, everything else left
    /// to the kernel's defaults.
    pub fn new(state: DaemonState, mcast_ifn: impl Into<String>) -> Daemon {
        Daemon {
            state,
            mcast_ifn: mcast_ifn.into(),
            syncid: 0,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        }
    }
}

serde_derive! {
/// What GET_INFO reports: the IPVS version and connection table size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Info {
    /// Encoded as 0x00MMmmpp (1.2.1 = 0x010201).
    pub version: u32,
    /// Number of buckets in the kernel's connection hash table (set by
    /// the module parameter `conn_tab_bits`; not a connection limit).
    pub conn_tab_size: u32,
}
}

impl Info {
    /// Info from its parts.
    pub const fn new(version: u32, conn_tab_size: u32) -> Info {
        Info {
            version,
            conn_tab_size,
        }
    }

    /// The version as `major.minor.patch`.
    pub fn version_triplet(&self) -> (u32, u32, u32) {
        (
            (self.version >> 16) & 0xff,
            (self.version >> 8) & 0xff,
            self.version & 0xff,
        )
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn services_and_servers_round_trip() {
        let mut svc = Service::new(ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        });
        svc.flags = ServiceFlags::PERSISTENT | ServiceFlags::from_bits_retain(0x100);
        svc.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        svc.pe_name = Some("sip".into());
        let text = serde_json::to_string(&svc).unwrap();
        assert_eq!(serde_json::from_str::<Service>(&text).unwrap(), svc);

        let mut d = Destination::new("10.0.0.2".parse().unwrap(), 80);
        d.forward = ForwardMethod::Tunnel;
        d.tunnel = Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::CSUM);
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Destination>(&text).unwrap(), d);
    }

    #[test]
    fn an_ipv6_prefix_outside_1_to_128_does_not_deserialize() {
        assert!(serde_json::from_str::<Ipv6Prefix>("64").is_ok());
        assert!(serde_json::from_str::<Ipv6Prefix>("0").is_err());
        assert!(serde_json::from_str::<Ipv6Prefix>("129").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmasks_from_the_kernels_numbers() {
        assert_eq!(
            Netmask::from_raw(Family::Inet, 0xff00_ff00),
            Some(Netmask::V4(Ipv4Addr::new(255, 0, 255, 0)))
        );
        assert_eq!(Netmask::from_raw(Family::Inet6, 0), None);
        assert_eq!(Netmask::from_raw(Family::Inet6, 129), None);
        assert_eq!(Netmask::from_raw(Family::Inet6, 1).unwrap().raw(), 1);
        assert_eq!(Netmask::full(Family::Inet).raw(), u32::MAX);
        assert_eq!(Netmask::full(Family::Inet6).raw(), 128);
    }

    #[test]
    fn unknown_flag_bits_are_kept() {
        let f = ServiceFlags::from_bits_retain(0x8001);
        assert!(f.contains(ServiceFlags::PERSISTENT));
        assert_eq!(f.bits(), 0x8001);
        assert_eq!(TunnelFlags::from_bits_retain(0x10).bits(), 0x10);
    }
}
