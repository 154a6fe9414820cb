//! Words shared by the listing and the save format: scheduler flag names,
//! persistence masks, forwarding methods, tunnel descriptions.

use std::net::Ipv4Addr;

use ipvs::model::{
    Destination, Family, ForwardMethod, Netmask, Service, ServiceFlags, TunnelFlags, TunnelType,
};

/// The persistence mask of `svc` as both views print it (dotted for IPv4,
/// a prefix length for IPv6), or `None` when it is the default /32 or /128.
pub fn netmask_text(svc: &Service) -> Option<String> {
    let family = svc.key.family();
    if svc.netmask == Netmask::full(family) {
        return None;
    }
    let raw = svc.netmask.raw();
    Some(match family {
        Family::Inet => Ipv4Addr::from(raw).to_string(),
        // 1.31 prints the prefix with %d.
        Family::Inet6 => (raw as i32).to_string(),
    })
}

/// Names of the scheduler flag bits set on `svc`, in bit order (0x08,
/// 0x10, 0x20). `sh` and `mh` name the first two after themselves; the
/// third is always `flag-3` (1.31 left it unnamed there: `sh ()` and an
/// empty `-b`, D4, fixed).
pub fn sched_flag_names(svc: &Service) -> Vec<&'static str> {
    let names: [&str; 3] = match svc.scheduler.as_str() {
        "sh" => ["sh-fallback", "sh-port", "flag-3"],
        "mh" => ["mh-fallback", "mh-port", "flag-3"],
        _ => ["flag-1", "flag-2", "flag-3"],
    };
    [
        ServiceFlags::SCHED1,
        ServiceFlags::SCHED2,
        ServiceFlags::SCHED3,
    ]
    .iter()
    .zip(names)
    .filter(|(bit, _)| svc.flags.contains(**bit))
    .map(|(_, name)| name)
    .collect()
}

/// The `Forward` column. C prints a NULL string as `(null)`.
pub fn forward_name(fwd: ForwardMethod) -> &'static str {
    match fwd {
        ForwardMethod::Masquerade => "Masq",
        ForwardMethod::Local => "Local",
        ForwardMethod::Tunnel => "Tunnel",
        ForwardMethod::Route => "Route",
        ForwardMethod::Other(_) => "(null)",
    }
}

/// The save switch for a forwarding method (local dests restore as `-g`).
pub fn forward_switch(fwd: ForwardMethod) -> &'static str {
    match fwd {
        ForwardMethod::Masquerade => "-m",
        ForwardMethod::Tunnel => "-i",
        ForwardMethod::Local | ForwardMethod::Route => "-g",
        ForwardMethod::Other(_) => "(null)",
    }
}

/// Which checksum mode the tunnel flags select: 0 none, 1 csum, 2 remcsum.
/// (Other values are not produced by the kernel; the remote-checksum bit
/// wins, then the checksum bit.)
pub fn csum_mode(flags: TunnelFlags) -> usize {
    if flags.contains(TunnelFlags::REMCSUM) {
        2
    } else if flags.contains(TunnelFlags::CSUM) {
        1
    } else {
        0
    }
}

/// The `TunnelInfo` column: `n/a` unless a tunnel of a known type.
pub fn tunnel_info(dest: &Destination) -> String {
    if dest.forward != ForwardMethod::Tunnel {
        return "n/a".to_string();
    }
    let c = ["-c", "+c", "r+c"][csum_mode(dest.tunnel.flags)];
    match dest.tunnel.kind {
        TunnelType::Ipip => "ipip".to_string(),
        TunnelType::Gue => format!("gue:{}:{c}", dest.tunnel.port),
        TunnelType::Gre => format!("gre:{c}"),
        TunnelType::Other(_) => "n/a".to_string(),
    }
}

/// The tunnel options of a saved tunnel dest, with their leading blank
/// (empty for an unknown tunnel type).
pub fn tunnel_options(dest: &Destination) -> String {
    let c = ["--tun-nocsum", "--tun-csum", "--tun-remcsum"][csum_mode(dest.tunnel.flags)];
    match dest.tunnel.kind {
        TunnelType::Ipip => " --tun-type ipip".to_string(),
        TunnelType::Gue => format!(" --tun-type gue --tun-port {} {c}", dest.tunnel.port),
        TunnelType::Gre => format!(" --tun-type gre {c}"),
        TunnelType::Other(_) => String::new(),
    }
}
