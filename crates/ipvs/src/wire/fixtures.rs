//! Real bytes: what Debian's ipvsadm 1.31 sent and what the 6.1 kernel
//! answered, captured in the lab VM with
//! `strace -e trace=sendmsg,recvmsg -xx -s 4096 ipvsadm ...`. Each constant
//! is one generic-netlink payload (genl header + attributes, after the
//! 16-byte netlink header), hex-encoded. The tests check that our encoder
//! produces exactly ipvsadm's requests and that our decoder reads the
//! kernel's replies. The capture is from x86-64, so host-order fields are
//! little-endian and the module only runs there.

use std::net::{IpAddr, Ipv4Addr};

use crate::model::{
    Daemon, DaemonState, Destination, Family, ForwardMethod, Info, Netmask, Protocol, Service,
    ServiceFlags, ServiceKey, Timeouts, Tunnel, TunnelFlags, TunnelType,
};
use crate::wire::{Counters, Request, message::*};

/// every command: GET_INFO
pub const GET_INFO: &str = "0f010000";
/// its reply
pub const INFO_REPLY: &str = "0e01000008000100010201000800020000100000";
/// `ipvsadm -A -t 10.0.0.1:80 -s rr`
pub const ADD_TCP_RR: &str = concat!(
    "010100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000007000600727200000c00070000000000ffffffff080008000000000008000900ffffffff",
);
/// `ipvsadm -A -u [2001:db8::1]:53 -s sh -p 600 -M 64 -o -b sh-fallback`
pub const ADD_UDP6_SH: &str = concat!(
    "0101000054000180060001000a00000006000200110000001400030020010db800000000000000000000000106000400",
    "0035000007000600736800000c0007000d000000ffffffff08000800580200000800090040000000",
);
/// `ipvsadm -A -f 5 -p -M 255.255.255.0`
pub const ADD_FWM5: &str = concat!(
    "01010000380001800600010002000000080005000500000008000600776c63000c00070001000000ffffffff08000800",
    "6801000008000900ffffff00",
);
/// `ipvsadm -A -f 6 -6 -s wrr`
pub const ADD_FWM6_V6: &str = concat!(
    "0101000038000180060001000a000000080005000600000008000600777272000c00070000000000ffffffff08000800",
    "000000000800090080000000",
);
/// `ipvsadm -A -u 10.0.0.2:5060 -p 300 --pe sip -s lc`
pub const ADD_SIP: &str = concat!(
    "010100005c00018006000100020000000600020011000000140003000a00000200000000000000000000000006000400",
    "13c40000070006006c63000008000b00736970000c00070001000000ffffffff080008002c01000008000900ffffffff",
);
/// `ipvsadm -a -t 10.0.0.1:80 -r 192.168.1.4:80 -i --tun-type gue --tun-port 6080 --tun-remcsum -w 3 -x 100 -y 10`
pub const ADD_DEST_GUE: &str = concat!(
    "050100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b00",
    "0200000014000100c0a80104000000000000000000000000060002000050000008000300020000000800040003000000",
    "05000d000100000006000e0017c0000006000f00020000000800050064000000080006000a000000",
);
/// `ipvsadm -a -t 10.0.0.1:80 -r 192.168.1.5 -m -w 2`
pub const ADD_DEST_NAT: &str = concat!(
    "050100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b00",
    "0200000014000100c0a80105000000000000000000000000060002000050000008000300000000000800040002000000",
    "05000d000000000006000e000000000006000f000000000008000500000000000800060000000000",
);
/// `ipvsadm -a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m`
pub const ADD_DEST_V6: &str = concat!(
    "0501000054000180060001000a00000006000200110000001400030020010db800000000000000000000000106000400",
    "0035000005000600000000000c00070000000000ffffffff080008000000000008000900800000006000028006000b00",
    "0a0000001400010020010db8000000000000000000000002060002000035000008000300000000000800040001000000",
    "05000d000000000006000e000000000006000f000000000008000500000000000800060000000000",
);
/// `ipvsadm -E -t 10.0.0.1:80 -s wlc -p 100`
pub const EDIT_TCP: &str = concat!(
    "020100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000008000600776c63000c00070001000000ffffffff080008006400000008000900ffffffff",
);
/// `ipvsadm -e -t 10.0.0.1:80 -r 192.168.1.5 -g`
pub const EDIT_DEST_DR: &str = concat!(
    "060100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b00",
    "0200000014000100c0a80105000000000000000000000000060002000050000008000300030000000800040001000000",
    "05000d000000000006000e000000000006000f000000000008000500000000000800060000000000",
);
/// -L -n: GET_SERVICE dump
pub const DUMP_SERVICES: &str = "04010000";
/// -L -n: GET_DEST dump of TCP 10.0.0.1:80
pub const DUMP_DESTS_TCP: &str = concat!(
    "080100003000018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "00500000",
);
/// -L -n: GET_DEST dump of FWM 5
pub const DUMP_DESTS_FWM5: &str = "080100001400018006000100020000000800050005000000";
/// -L -n: GET_DEST dump of FWM 6 IPv6
pub const DUMP_DESTS_FWM6: &str = "0801000014000180060001000a0000000800050006000000";
/// -L -n: kernel reply
pub const SVC_REPLY_UDP6: &str = concat!(
    "010100002c010100060001000a00000006000200110000001400030020010db800000000000000000000000106000400",
    "0035000007000600736800000c0007000f000000ffffffff080008005802000008000900400000005c000a0008000100",
    "00000000080002000000000008000300000000000c00040000000000000000000c000500000000000000000008000600",
    "0000000008000700000000000800080000000000080009000000000008000a00000000007c000c000c00010000000000",
    "000000000c00020000000000000000000c00030000000000000000000c00040000000000000000000c00050000000000",
    "000000000c00060000000000000000000c00070000000000000000000c00080000000000000000000c00090000000000",
    "000000000c000a000000000000000000",
);
/// -L -n: kernel reply
pub const SVC_REPLY_SIP: &str = concat!(
    "010100003401010006000100020000000600020011000000140003000a00000200000000000000000000000006000400",
    "13c40000070006006c63000008000b00736970000c00070003000000ffffffff080008002c01000008000900ffffffff",
    "5c000a000800010000000000080002000000000008000300000000000c00040000000000000000000c00050000000000",
    "00000000080006000000000008000700000000000800080000000000080009000000000008000a00000000007c000c00",
    "0c00010000000000000000000c00020000000000000000000c00030000000000000000000c0004000000000000000000",
    "0c00050000000000000000000c00060000000000000000000c00070000000000000000000c0008000000000000000000",
    "0c00090000000000000000000c000a000000000000000000",
);
/// -L -n: kernel reply
pub const SVC_REPLY_TCP: &str = concat!(
    "010100002c01010006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000008000600776c63000c00070003000000ffffffff080008006400000008000900ffffffff5c000a0008000100",
    "00000000080002000000000008000300000000000c00040000000000000000000c000500000000000000000008000600",
    "0000000008000700000000000800080000000000080009000000000008000a00000000007c000c000c00010000000000",
    "000000000c00020000000000000000000c00030000000000000000000c00040000000000000000000c00050000000000",
    "000000000c00060000000000000000000c00070000000000000000000c00080000000000000000000c00090000000000",
    "000000000c000a000000000000000000",
);
/// -L -n: kernel reply
pub const SVC_REPLY_FWM5: &str = concat!(
    "01010000100101000600010002000000080005000500000008000600776c63000c00070003000000ffffffff08000800",
    "6801000008000900ffffff005c000a000800010000000000080002000000000008000300000000000c00040000000000",
    "000000000c00050000000000000000000800060000000000080007000000000008000800000000000800090000000000",
    "08000a00000000007c000c000c00010000000000000000000c00020000000000000000000c0003000000000000000000",
    "0c00040000000000000000000c00050000000000000000000c00060000000000000000000c0007000000000000000000",
    "0c00080000000000000000000c00090000000000000000000c000a000000000000000000",
);
/// -L -n: kernel reply
pub const SVC_REPLY_FWM6: &str = concat!(
    "0101000010010100060001000a000000080005000600000008000600777272000c00070002000000ffffffff08000800",
    "0000000008000900800000005c000a000800010000000000080002000000000008000300000000000c00040000000000",
    "000000000c00050000000000000000000800060000000000080007000000000008000800000000000800090000000000",
    "08000a00000000007c000c000c00010000000000000000000c00020000000000000000000c0003000000000000000000",
    "0c00040000000000000000000c00050000000000000000000c00060000000000000000000c0007000000000000000000",
    "0c00080000000000000000000c00090000000000000000000c000a000000000000000000",
);
/// -L -n: kernel reply
pub const DEST_REPLY_NAT_AS_DR: &str = concat!(
    "050100005001020014000100c0a801050000000000000000000000000600020000500000080003000300000008000400",
    "0100000005000d000000000006000e000000000006000f00000000000800050000000000080006000000000008000700",
    "000000000800080000000000080009000000000006000b00020000005c000a0008000100000000000800020000000000",
    "08000300000000000c00040000000000000000000c000500000000000000000008000600000000000800070000000000",
    "0800080000000000080009000000000008000a00000000007c000c000c00010000000000000000000c00020000000000",
    "000000000c00030000000000000000000c00040000000000000000000c00050000000000000000000c00060000000000",
    "000000000c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000",
    "00000000",
);
/// -L -n: kernel reply
pub const DEST_REPLY_GUE: &str = concat!(
    "050100005001020014000100c0a801040000000000000000000000000600020000500000080003000200000008000400",
    "0300000005000d000100000006000e0017c0000006000f00020000000800050064000000080006000a00000008000700",
    "000000000800080000000000080009000000000006000b00020000005c000a0008000100000000000800020000000000",
    "08000300000000000c00040000000000000000000c000500000000000000000008000600000000000800070000000000",
    "0800080000000000080009000000000008000a00000000007c000c000c00010000000000000000000c00020000000000",
    "000000000c00030000000000000000000c00040000000000000000000c00050000000000000000000c00060000000000",
    "000000000c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000",
    "00000000",
);
/// -L -n: kernel reply
pub const DEST_REPLY_V6: &str = concat!(
    "05010000500102001400010020010db80000000000000000000000020600020000350000080003000000000008000400",
    "0100000005000d000000000006000e000000000006000f00000000000800050000000000080006000000000008000700",
    "000000000800080000000000080009000000000006000b000a0000005c000a0008000100000000000800020000000000",
    "08000300000000000c00040000000000000000000c000500000000000000000008000600000000000800070000000000",
    "0800080000000000080009000000000008000a00000000007c000c000c00010000000000000000000c00020000000000",
    "000000000c00030000000000000000000c00040000000000000000000c00050000000000000000000c00060000000000",
    "000000000c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000",
    "00000000",
);
/// `ipvsadm -L -n -t 10.0.0.1:80: GET_SERVICE do`
pub const GET_SERVICE_TCP: &str = concat!(
    "040100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff08000800000000000800090000000000",
);
/// `ipvsadm -d -t 10.0.0.1:80 -r 192.168.1.5`
pub const DEL_DEST: &str = concat!(
    "070100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff6000028006000b00",
    "0200000014000100c0a80105000000000000000000000000060002000050000008000300030000000800040001000000",
    "05000d000000000006000e000000000006000f000000000008000500000000000800060000000000",
);
/// `ipvsadm -Z -t 10.0.0.1:80`
pub const ZERO_TCP: &str = concat!(
    "100100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff",
);
/// `ipvsadm -Z`
pub const ZERO_ALL: &str = "10010000";
/// `ipvsadm --set 1000 130 310`
pub const SET_TIMEOUTS: &str = "0c01000008000400e803000008000500820000000800060036010000";
/// `ipvsadm -L --timeout`
pub const GET_TIMEOUTS: &str = "0d010000";
/// -L --timeout: kernel reply
pub const TIMEOUTS_REPLY: &str = "0c01000008000400e803000008000500820000000800060036010000";
/// `ipvsadm --start-daemon master --mcast-interface lo --syncid 5`
pub const START_MASTER: &str = "090100001c0003800800010001000000070002006c6f00000800030005000000";
/// `ipvsadm --start-daemon backup --mcast-interface lo --syncid 6 --sync-maxlen 1400 --mcast-group 239.1.2.3 --mcast-port 8849 --mcast-ttl 3`
pub const START_BACKUP: &str = concat!(
    "090100003c0003800800010002000000070002006c6f0000080003000600000006000400780500000600070091220000",
    "050008000300000008000500ef010203",
);
/// `ipvsadm -L --daemon`
pub const GET_DAEMONS: &str = "0b010000";
/// -L --daemon: kernel reply
pub const DAEMON_REPLY_MASTER: &str = concat!(
    "090100003c0003000800010001000000070002006c6f0000080003000500000006000400c00500000600070090220000",
    "050008000100000008000500e0000051",
);
/// -L --daemon: kernel reply
pub const DAEMON_REPLY_BACKUP: &str = concat!(
    "090100003c0003000800010002000000070002006c6f0000080003000600000006000400780500000600070091220000",
    "050008000300000008000500ef010203",
);
/// `ipvsadm --stop-daemon master`
pub const STOP_MASTER: &str = "0a0100001c000380080001000100000005000200000000000800030000000000";
/// `ipvsadm -D -t 10.0.0.1:80`
pub const DEL_TCP: &str = concat!(
    "030100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000005000600000000000c00070000000000ffffffff080008000000000008000900ffffffff",
);
/// `ipvsadm -A -t 10.0.0.1:80`
pub const ADD_TCP_DEFAULT: &str = concat!(
    "010100005400018006000100020000000600020006000000140003000a00000100000000000000000000000006000400",
    "0050000008000600776c63000c00070000000000ffffffff080008000000000008000900ffffffff",
);
/// `ipvsadm -C`
pub const FLUSH: &str = "11010000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn tcp80() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        port: 80,
    }
}

fn udp6() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: "2001:db8::1".parse().unwrap(),
        port: 53,
    }
}

fn sip_key() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        port: 5060,
    }
}

fn fwm(mark: u32, family: Family) -> ServiceKey {
    ServiceKey::Fwmark { mark, family }
}

fn udp6_sh() -> Service {
    Service {
        scheduler: "sh".into(),
        flags: ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED1,
        timeout: 600,
        netmask: Netmask::from_raw(Family::Inet6, 64).unwrap(),
        ..Service::new(udp6())
    }
}

fn fwm5() -> Service {
    Service {
        flags: ServiceFlags::PERSISTENT,
        timeout: 360,
        netmask: Netmask::V4(Ipv4Addr::new(255, 255, 255, 0)),
        ..Service::new(fwm(5, Family::Inet))
    }
}

fn fwm6() -> Service {
    Service {
        scheduler: "wrr".into(),
        ..Service::new(fwm(6, Family::Inet6))
    }
}

fn sip() -> Service {
    Service {
        scheduler: "lc".into(),
        flags: ServiceFlags::PERSISTENT,
        timeout: 300,
        pe_name: Some("sip".into()),
        ..Service::new(sip_key())
    }
}

fn edited_tcp() -> Service {
    Service {
        flags: ServiceFlags::PERSISTENT,
        timeout: 100,
        ..Service::new(tcp80())
    }
}

fn gue() -> Destination {
    Destination {
        forward: ForwardMethod::Tunnel,
        weight: 3,
        u_threshold: 100,
        l_threshold: 10,
        tunnel: Tunnel {
            kind: TunnelType::Gue,
            port: 6080,
            flags: TunnelFlags::REMCSUM,
        },
        ..Destination::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 4)), 80)
    }
}

fn dot5(forward: ForwardMethod, weight: u32) -> Destination {
    Destination {
        forward,
        weight,
        ..Destination::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5)), 80)
    }
}

fn v6_dest() -> Destination {
    Destination {
        forward: ForwardMethod::Masquerade,
        ..Destination::new("2001:db8::2".parse().unwrap(), 53)
    }
}

fn daemon(state: DaemonState, syncid: u32) -> Daemon {
    Daemon {
        state,
        mcast_ifn: "lo".into(),
        syncid,
        sync_maxlen: 0,
        mcast_group: None,
        mcast_port: 0,
        mcast_ttl: 0,
    }
}

fn backup() -> Daemon {
    Daemon {
        sync_maxlen: 1400,
        mcast_group: Some(IpAddr::V4(Ipv4Addr::new(239, 1, 2, 3))),
        mcast_port: 8849,
        mcast_ttl: 3,
        ..daemon(DaemonState::Backup, 6)
    }
}

#[track_caller]
fn same(req: Request, captured: &str) {
    pretty_assertions::assert_eq!(hex_of(&req.encode()), captured);
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn service_requests_match_ipvsadm() {
    same(Request::get_info(), GET_INFO);
    same(
        Request::new_service(&Service {
            scheduler: "rr".into(),
            ..Service::new(tcp80())
        }),
        ADD_TCP_RR,
    );
    same(
        Request::new_service(&Service::new(tcp80())),
        ADD_TCP_DEFAULT,
    );
    same(Request::new_service(&udp6_sh()), ADD_UDP6_SH);
    same(Request::new_service(&fwm5()), ADD_FWM5);
    same(Request::new_service(&fwm6()), ADD_FWM6_V6);
    same(Request::new_service(&sip()), ADD_SIP);
    same(Request::set_service(&edited_tcp()), EDIT_TCP);
    same(Request::del_service(&tcp80()), DEL_TCP);
    same(Request::get_service(&tcp80()), GET_SERVICE_TCP);
    same(Request::get_services(), DUMP_SERVICES);
    same(Request::zero(Some(&tcp80())), ZERO_TCP);
    same(Request::zero(None), ZERO_ALL);
    same(Request::flush(), FLUSH);
}

#[test]
fn dest_requests_match_ipvsadm() {
    same(Request::new_dest(&tcp80(), &gue()), ADD_DEST_GUE);
    same(
        Request::new_dest(&tcp80(), &dot5(ForwardMethod::Masquerade, 2)),
        ADD_DEST_NAT,
    );
    same(Request::new_dest(&udp6(), &v6_dest()), ADD_DEST_V6);
    same(
        Request::set_dest(&tcp80(), &dot5(ForwardMethod::Route, 1)),
        EDIT_DEST_DR,
    );
    same(
        Request::del_dest(&tcp80(), &dot5(ForwardMethod::Route, 1)),
        DEL_DEST,
    );
    same(Request::get_dests(&tcp80()), DUMP_DESTS_TCP);
    same(Request::get_dests(&fwm(5, Family::Inet)), DUMP_DESTS_FWM5);
    same(Request::get_dests(&fwm(6, Family::Inet6)), DUMP_DESTS_FWM6);
}

#[test]
fn config_and_daemon_requests_match_ipvsadm() {
    same(
        Request::set_config(&Timeouts {
            tcp: 1000,
            tcp_fin: 130,
            udp: 310,
        }),
        SET_TIMEOUTS,
    );
    same(Request::get_config(), GET_TIMEOUTS);
    same(
        Request::new_daemon(&daemon(DaemonState::Master, 5)),
        START_MASTER,
    );
    same(Request::new_daemon(&backup()), START_BACKUP);
    same(Request::get_daemons(), GET_DAEMONS);
    // ipvsadm --stop-daemon master (no --syncid given: 0).
    same(Request::del_daemon(DaemonState::Master, 0), STOP_MASTER);
}

#[test]
fn kernel_service_replies_decode() {
    let cases = [
        (SVC_REPLY_UDP6, udp6_sh()),
        (SVC_REPLY_SIP, sip()),
        (SVC_REPLY_TCP, edited_tcp()),
        (SVC_REPLY_FWM5, fwm5()),
        (SVC_REPLY_FWM6, fwm6()),
    ];
    for (bytes, want) in cases {
        assert_eq!(decode_service_reply(&hex(bytes)).unwrap(), want);
    }
    assert_eq!(
        decode_info_reply(&hex(INFO_REPLY)).unwrap(),
        Info {
            version: 0x010201,
            conn_tab_size: 4096
        }
    );
    assert_eq!(
        decode_timeouts_reply(&hex(TIMEOUTS_REPLY)).unwrap(),
        Timeouts {
            tcp: 1000,
            tcp_fin: 130,
            udp: 310
        }
    );
}

#[test]
fn kernel_dest_and_daemon_replies_decode() {
    let cases = [
        (DEST_REPLY_NAT_AS_DR, dot5(ForwardMethod::Route, 1)),
        (DEST_REPLY_GUE, gue()),
        (DEST_REPLY_V6, v6_dest()),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            decode_dest_reply(&hex(bytes), want.family(), Counters::Read).unwrap(),
            want
        );
    }
    assert_eq!(
        decode_daemon_reply(&hex(DAEMON_REPLY_MASTER)).unwrap(),
        Daemon {
            sync_maxlen: 1472,
            mcast_group: Some(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 81))),
            mcast_port: 8848,
            mcast_ttl: 1,
            ..daemon(DaemonState::Master, 5)
        }
    );
    assert_eq!(
        decode_daemon_reply(&hex(DAEMON_REPLY_BACKUP)).unwrap(),
        backup()
    );
}

#[test]
fn truncated_kernel_replies_never_panic() {
    let all = [
        SVC_REPLY_UDP6,
        SVC_REPLY_FWM6,
        DEST_REPLY_GUE,
        DAEMON_REPLY_BACKUP,
        INFO_REPLY,
        TIMEOUTS_REPLY,
    ];
    for bytes in all {
        let b = hex(bytes);
        for cut in 0..b.len() {
            let part = &b[..cut];
            let _ = decode_service_reply(part);
            let _ = decode_dest_reply(part, Family::Inet6, Counters::Read);
            let _ = decode_daemon_reply(part);
            let _ = decode_info_reply(part);
            let _ = decode_timeouts_reply(part);
        }
    }
}
