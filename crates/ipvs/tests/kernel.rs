//! The client against a real kernel. Every test is `#[ignore]`: they need
//! root and the ip_vs modules (schedulers, `ip_vs_pe_sip`), which only the
//! lab VM has (`tests/vm/run.sh`, which runs them with `--include-ignored
//! --test-threads=1`). Each test starts from a flushed table and leaves
//! one behind, so they do not depend on each other's order.
//!
//! Two tests need a special setting, which `tests/vm/suite.sh` makes and
//! then acknowledges with an environment variable: `IPVS_TEST_NONROOT=1`
//! (run as an unprivileged user) and `IPVS_TEST_NO_MODULE=1` (ip_vs
//! unavailable). Without it they fail, naming the setting, rather than
//! pass having checked nothing; the suite's ordinary run skips them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipvs::model::{
    Daemon, DaemonState, Destination, Family, ForwardMethod, Netmask, Protocol, Service,
    ServiceFlags, ServiceKey, Stats, Timeouts, Tunnel, TunnelFlags, TunnelType,
};
use ipvs::{Error, Failure, Ipvs};

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn v6(s: &str) -> IpAddr {
    s.parse::<Ipv6Addr>().unwrap().into()
}

fn key(protocol: Protocol, addr: IpAddr, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol,
        addr,
        port,
    }
}

fn fresh() -> Ipvs {
    let mut ipvs = Ipvs::connect().expect("connect (is ip_vs loaded?)");
    ipvs.flush().expect("flush");
    ipvs
}

fn errno<T: std::fmt::Debug>(r: Result<T, Error>) -> i32 {
    match r {
        Err(err) if matches!(err.failure(), Failure::Kernel(_)) => err.errno().unwrap(),
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

#[test]
#[ignore]
fn info_reports_version_and_table_size() {
    let mut ipvs = fresh();
    let info = ipvs.info().unwrap();
    assert_eq!(info.version_triplet(), (1, 2, 1));
    assert_eq!(info.conn_tab_size, 4096);
}

#[test]
#[ignore]
fn services_add_list_edit_delete() {
    let mut ipvs = fresh();
    assert_eq!(ipvs.services().unwrap(), vec![]);

    let tcp4 = {
        let mut v = Service::new(key(Protocol::Tcp, v4(10, 0, 0, 1), 80));
        v.scheduler = "rr".into();
        v
    };
    let udp6 = {
        let mut v = Service::new(key(Protocol::Udp, v6("2001:db8::1"), 53));
        v.scheduler = "sh".into();
        v.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED1;
        v.timeout = 600;
        v.netmask = Netmask::from_raw(Family::Inet6, 64).unwrap();
        v
    };
    let fwm4 = {
        let mut v = Service::new(ServiceKey::Fwmark {
            mark: 0xfffffff0,
            family: Family::Inet,
        });
        v.scheduler = "wrr".into();
        v.flags = ServiceFlags::PERSISTENT;
        v.timeout = 360;
        v.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 255, 0));
        v
    };
    let fwm6 = Service::new(ServiceKey::Fwmark {
        mark: 7,
        family: Family::Inet6,
    });
    let sip = {
        let mut v = Service::new(key(Protocol::Udp, v4(10, 0, 0, 2), 5060));
        v.scheduler = "lc".into();
        v.flags = ServiceFlags::PERSISTENT;
        v.timeout = 300;
        v.pe_name = Some("sip".into());
        v
    };
    let sctp = {
        let mut v = Service::new(key(Protocol::Sctp, v4(10, 0, 0, 3), 9999));
        v.scheduler = "mh".into();
        v.flags = ServiceFlags::SCHED1 | ServiceFlags::SCHED2;
        v
    };
    let all = [&tcp4, &udp6, &fwm4, &fwm6, &sip, &sctp];
    for s in all {
        ipvs.add_service(s)
            .unwrap_or_else(|e| panic!("add {:?}: {e}", s.key));
    }

    // Each one reads back field for field, alone and in the dump.
    for s in all {
        let got = ipvs.service(&s.key).unwrap();
        // The kernel marks every listed service HASHED; the library
        // leaves its own bit out.
        assert_eq!(got.flags.bits() & ServiceFlags::KERNEL_HASHED, 0);
        assert_eq!(got, *s);
    }
    let mut listed: Vec<Service> = ipvs.services().unwrap().into_iter().collect();
    assert_eq!(listed.len(), all.len());
    // Kernel order: address services by hash bucket, then fwmark ones.
    let first_fwmark = listed
        .iter()
        .position(|s| matches!(s.key, ServiceKey::Fwmark { .. }))
        .unwrap();
    assert!(
        listed[first_fwmark..]
            .iter()
            .all(|s| matches!(s.key, ServiceKey::Fwmark { .. }))
    );
    for s in all {
        let i = listed.iter().position(|l| l == s).expect("listed");
        listed.remove(i);
    }

    // Errors scripts see.
    assert_eq!(errno(ipvs.add_service(&tcp4)), libc::EEXIST);
    let bogus_sched = {
        let mut v = Service::new(key(Protocol::Tcp, v4(10, 0, 0, 9), 80));
        v.scheduler = "nosuch".into();
        v
    };
    assert_eq!(errno(ipvs.add_service(&bogus_sched)), libc::ENOENT);
    let bogus_pe = {
        let mut v = bogus_sched.clone();
        v.pe_name = Some("nosuch".into());
        v
    };
    assert_eq!(errno(ipvs.add_service(&bogus_pe)), libc::ENOENT);
    let missing = key(Protocol::Tcp, v4(10, 9, 9, 9), 1);
    assert_eq!(errno(ipvs.service(&missing)), libc::ESRCH);
    assert_eq!(errno(ipvs.delete_service(&missing)), libc::ESRCH);
    assert_eq!(
        errno(ipvs.edit_service(&Service::new(missing))),
        libc::ESRCH
    );
    assert_eq!(errno(ipvs.zero(Some(&missing))), libc::ESRCH);
    // An IPv6 prefix over 128: the model cannot state one, but the
    // kernel's own refusal is still checked, with the request built by hand.
    {
        use ipvs::wire::{Cmd, CmdAttr, Request, encode_service_with_netmask};
        use ipvs::{NetlinkTransport, Transport};
        let svc = Service::new(key(Protocol::Tcp, v6("2001:db8::9"), 80));
        let req = Request::with_attrs(Cmd::NewService, |w| {
            w.nest(CmdAttr::Service, |n| {
                encode_service_with_netmask(n, &svc, 129)
            });
        });
        let mut raw = NetlinkTransport::connect().unwrap();
        let refused = raw.request(&req);
        assert!(
            matches!(refused, Err(Failure::Kernel(libc::EINVAL))),
            "{refused:?}"
        );
    }

    // Edit is a full replace.
    let edited = {
        let mut v = Service::new(tcp4.key);
        v.scheduler = "wlc".into();
        v.flags = ServiceFlags::PERSISTENT;
        v.timeout = 100;
        v.netmask = Netmask::V4(Ipv4Addr::new(255, 255, 0, 0));
        v
    };
    ipvs.edit_service(&edited).unwrap();
    assert_eq!(ipvs.service(&tcp4.key).unwrap(), edited);
    let unedited = Service::new(fwm4.key);
    ipvs.edit_service(&unedited).unwrap();
    assert_eq!(ipvs.service(&fwm4.key).unwrap(), unedited);
    // The "none" scheduler.
    let none = {
        let mut v = Service::new(fwm6.key);
        v.scheduler = "none".into();
        v
    };
    ipvs.edit_service(&none).unwrap();
    assert_eq!(ipvs.service(&fwm6.key).unwrap().scheduler, "none");

    // Zero: one service, then everything.
    ipvs.zero(Some(&tcp4.key)).unwrap();
    ipvs.zero(None).unwrap();
    assert_eq!(ipvs.service(&tcp4.key).unwrap().stats, Stats::default());

    ipvs.delete_service(&udp6.key).unwrap();
    assert_eq!(errno(ipvs.service(&udp6.key)), libc::ESRCH);
    assert_eq!(ipvs.services().unwrap().len(), all.len() - 1);
    ipvs.flush().unwrap();
    assert_eq!(ipvs.services().unwrap(), vec![]);
}

#[test]
#[ignore]
fn destinations_every_method_and_tunnel() {
    let mut ipvs = fresh();
    let svc = Service::new(key(Protocol::Tcp, v4(10, 0, 1, 1), 80));
    ipvs.add_service(&svc).unwrap();
    let k = svc.key;

    let nat = {
        let mut v = Destination::new(v4(192, 168, 1, 1), 8080);
        v.forward = ForwardMethod::Masquerade;
        v.weight = 5;
        v
    };
    let dr = {
        let mut v = Destination::new(v4(192, 168, 1, 2), 80);
        v.u_threshold = 100;
        v.l_threshold = 10;
        v.weight = 2_147_483_647;
        v
    };
    let ipip = {
        let mut v = Destination::new(v4(192, 168, 1, 3), 80);
        v.forward = ForwardMethod::Tunnel;
        v.weight = 0;
        v
    };
    let gue = {
        let mut v = Destination::new(v4(192, 168, 1, 4), 80);
        v.forward = ForwardMethod::Tunnel;
        v.tunnel = Tunnel::new(TunnelType::Gue, 6080, TunnelFlags::REMCSUM);
        v
    };
    let gre = {
        let mut v = Destination::new(v4(192, 168, 1, 5), 80);
        v.forward = ForwardMethod::Tunnel;
        v.tunnel = Tunnel::new(TunnelType::Gre, 0, TunnelFlags::CSUM);
        v
    };
    let added = [&nat, &dr, &ipip, &gue, &gre];
    for d in added {
        ipvs.add_destination(&k, d)
            .unwrap_or_else(|e| panic!("add {}: {e}", d.addr));
    }
    let listed = ipvs.destinations(&k).unwrap();
    // Newest first.
    let want: Vec<Destination> = added.iter().rev().map(|d| (*d).clone()).collect();
    assert_eq!(listed, want);

    // Errors.
    assert_eq!(errno(ipvs.add_destination(&k, &nat)), libc::EEXIST);
    let stranger = Destination::new(v4(192, 168, 1, 99), 80);
    assert_eq!(errno(ipvs.edit_destination(&k, &stranger)), libc::ENOENT);
    assert_eq!(errno(ipvs.delete_destination(&k, &stranger)), libc::ENOENT);
    let missing = key(Protocol::Tcp, v4(10, 9, 9, 9), 1);
    assert_eq!(
        errno(ipvs.add_destination(&missing, &stranger)),
        libc::ESRCH
    );
    assert_eq!(errno(ipvs.edit_destination(&missing, &nat)), libc::ESRCH);
    assert_eq!(errno(ipvs.delete_destination(&missing, &nat)), libc::ESRCH);
    assert_eq!(ipvs.destinations(&missing).unwrap(), vec![]);
    let inverted = {
        let mut v = stranger.clone();
        v.u_threshold = 5;
        v.l_threshold = 6;
        v
    };
    assert_eq!(errno(ipvs.add_destination(&k, &inverted)), libc::ERANGE);
    let gue_no_port = {
        let mut v = gue.clone();
        v.tunnel = {
            let mut v = gue.tunnel;
            v.port = 0;
            v
        };
        v
    };
    assert_eq!(errno(ipvs.edit_destination(&k, &gue_no_port)), libc::EINVAL);
    let zero_addr = Destination::new(v4(0, 0, 0, 0), 80);
    assert_eq!(errno(ipvs.add_destination(&k, &zero_addr)), libc::EINVAL);
    let mcast = Destination::new(v4(224, 0, 0, 1), 80);
    assert_eq!(errno(ipvs.add_destination(&k, &mcast)), libc::EINVAL);
    // A dest of another family only with tunnelling.
    let dr6 = Destination::new(v6("2001:db8::5"), 80);
    assert_eq!(errno(ipvs.add_destination(&k, &dr6)), libc::EINVAL);
    let tun6 = {
        let mut v = dr6.clone();
        v.forward = ForwardMethod::Tunnel;
        v
    };
    ipvs.add_destination(&k, &tun6).unwrap();
    assert_eq!(ipvs.destinations(&k).unwrap()[0], tun6);

    // Edit is a full replace; the result reads back.
    let nat_as_dr = {
        let mut v = Destination::new(nat.addr, nat.port);
        v.weight = 3;
        v
    };
    ipvs.edit_destination(&k, &nat_as_dr).unwrap();
    let now = ipvs.destinations(&k).unwrap();
    assert!(now.contains(&nat_as_dr), "{now:?}");

    // Delete one; the rest stay.
    ipvs.delete_destination(&k, &gre).unwrap();
    let now = ipvs.destinations(&k).unwrap();
    assert_eq!(now.len(), added.len());
    assert!(!now.iter().any(|d| d.addr == gre.addr));

    // IPv6 service with IPv6 real servers, and a fwmark service.
    let svc6 = Service::new(key(Protocol::Tcp, v6("2001:db8::100"), 443));
    ipvs.add_service(&svc6).unwrap();
    let d6 = {
        let mut v = Destination::new(v6("2001:db8::101"), 8443);
        v.forward = ForwardMethod::Masquerade;
        v
    };
    ipvs.add_destination(&svc6.key, &d6).unwrap();
    assert_eq!(ipvs.destinations(&svc6.key).unwrap(), vec![d6]);
    let fwm = Service::new(ServiceKey::Fwmark {
        mark: 42,
        family: Family::Inet,
    });
    ipvs.add_service(&fwm).unwrap();
    let fd = Destination::new(v4(192, 168, 2, 1), 0);
    ipvs.add_destination(&fwm.key, &fd).unwrap();
    assert_eq!(ipvs.destinations(&fwm.key).unwrap(), vec![fd]);

    ipvs.flush().unwrap();
}

#[test]
#[ignore]
fn timeouts_get_set_and_keep() {
    let mut ipvs = fresh();
    let before = ipvs.timeouts().unwrap();
    let t = Timeouts::new(1000, 130, 310);
    ipvs.set_timeouts(&t).unwrap();
    assert_eq!(ipvs.timeouts().unwrap(), t);
    // 0 leaves a value unchanged.
    ipvs.set_timeouts(&Timeouts::new(0, 0, 400)).unwrap();
    assert_eq!(ipvs.timeouts().unwrap(), {
        let mut v = t;
        v.udp = 400;
        v
    });
    ipvs.set_timeouts(&before).unwrap();
    assert_eq!(ipvs.timeouts().unwrap(), before);
}

fn daemon(state: DaemonState, ifn: &str, syncid: u32) -> Daemon {
    let mut d = Daemon::new(state, ifn);
    d.syncid = syncid;
    d
}

#[test]
#[ignore]
fn daemons_start_list_stop() {
    let mut ipvs = fresh();
    for d in ipvs.daemons().unwrap() {
        ipvs.stop_daemon(d.state, d.syncid).unwrap();
    }
    assert_eq!(ipvs.daemons().unwrap(), vec![]);

    let master = daemon(DaemonState::Master, "lo", 5);
    ipvs.start_daemon(&master).unwrap();
    assert_eq!(errno(ipvs.start_daemon(&master)), libc::EEXIST);
    let backup = {
        let mut v = daemon(DaemonState::Backup, "lo", 6);
        v.sync_maxlen = 1400;
        v.mcast_group = Some(v4(239, 1, 2, 3));
        v.mcast_port = 8849;
        v.mcast_ttl = 3;
        v
    };
    ipvs.start_daemon(&backup).unwrap();

    let listed = ipvs.daemons().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    // Master first; unset options come back as the kernel defaults.
    let m = &listed[0];
    assert_eq!(m.state, DaemonState::Master);
    assert_eq!((m.mcast_ifn.as_str(), m.syncid), ("lo", 5));
    assert_eq!(m.mcast_group, Some(v4(224, 0, 0, 81)));
    assert_eq!((m.mcast_port, m.mcast_ttl), (8848, 1));
    assert!(m.sync_maxlen > 0);
    assert_eq!(listed[1], backup);

    ipvs.stop_daemon(master.state, master.syncid).unwrap();
    assert_eq!(
        errno(ipvs.stop_daemon(master.state, master.syncid)),
        libc::ESRCH
    );
    ipvs.stop_daemon(backup.state, backup.syncid).unwrap();
    assert_eq!(ipvs.daemons().unwrap(), vec![]);

    assert_eq!(
        errno(ipvs.start_daemon(&daemon(DaemonState::Master, "nosuch0", 1))),
        libc::ENODEV
    );
    let not_mcast = {
        let mut v = daemon(DaemonState::Backup, "lo", 1);
        v.mcast_group = Some(v4(10, 1, 1, 1));
        v
    };
    assert_eq!(errno(ipvs.start_daemon(&not_mcast)), libc::EINVAL);

    // IPv6 group.
    let master6 = {
        let mut v = daemon(DaemonState::Master, "lo", 9);
        v.mcast_group = Some(v6("ff02::81"));
        v
    };
    match ipvs.start_daemon(&master6) {
        Ok(()) => {
            let listed = ipvs.daemons().unwrap();
            assert_eq!(listed[0].mcast_group, master6.mcast_group);
            ipvs.stop_daemon(master6.state, master6.syncid).unwrap();
        }
        // lo may lack IPv6 multicast in a minimal VM; report, don't fail.
        Err(e) => eprintln!("IPv6 sync group on lo not available: {e}"),
    }
}

/// Run as an unprivileged user (`as_nobody ... --exact non_root`): the
/// family lookup works, every IPVS command is EPERM.
#[test]
#[ignore]
fn non_root() {
    assert!(
        std::env::var_os("IPVS_TEST_NONROOT").is_some(),
        "run as an unprivileged user with IPVS_TEST_NONROOT=1 (tests/vm/suite.sh does)"
    );
    let mut ipvs = Ipvs::connect().expect("family lookup works without privileges");
    assert_eq!(errno(ipvs.info()), libc::EPERM);
    assert_eq!(errno(ipvs.services()), libc::EPERM);
    assert_eq!(errno(ipvs.flush()), libc::EPERM);
}

/// Run with ip_vs unloadable: connect reports the missing family.
#[test]
#[ignore]
fn no_module() {
    assert!(
        std::env::var_os("IPVS_TEST_NO_MODULE").is_some(),
        "run with ip_vs unloadable and IPVS_TEST_NO_MODULE=1 (tests/vm/suite.sh does)"
    );
    let err = Ipvs::connect().err().expect("no IPVS family");
    assert!(matches!(err.failure(), Failure::FamilyNotFound), "{err}");
}

/// Destination dumps read in buffers of the kernel's NLMSG_GOODSIZE (a
/// guess); a reply longer than the buffer is detected, and the dump
/// repeated with page-sized reads.
#[test]
#[ignore]
fn destination_dumps_survive_short_reads() {
    use ipvs::wire::Request;
    use ipvs::{NetlinkTransport, Transport};

    let mut ipvs = fresh();
    let svc = Service::new(key(Protocol::Tcp, v4(10, 0, 3, 1), 80));
    ipvs.add_service(&svc).unwrap();
    // ~250 bytes each: several full dump buffers.
    for i in 0..60u16 {
        let d = Destination::new(v4(192, 168, 3, (i + 1) as u8), 8000 + i);
        ipvs.add_destination(&svc.key, &d).unwrap();
    }
    let all = ipvs.destinations(&svc.key).unwrap();
    assert_eq!(all.len(), 60);

    // The guess is not too small for this kernel: full buffers come whole.
    let mut t = NetlinkTransport::connect().unwrap();
    let guess = t.dest_read_size();
    let mut replies = 0;
    t.dump_each(&Request::get_dests(&svc.key), &mut |_| {
        replies += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!((replies, t.dest_read_size()), (60, guess));

    // Too small: the dump says so, and the reads grow.
    t.set_dest_read_size(512);
    let cut = t.dump_each(&Request::get_dests(&svc.key), &mut |_| Ok(()));
    assert!(matches!(cut, Err(Failure::Truncated)), "{cut:?}");
    assert!(t.dest_read_size() >= 4096);

    // Through `Ipvs`, the repeat is invisible.
    let mut t = NetlinkTransport::connect().unwrap();
    t.set_dest_read_size(512);
    let mut small = Ipvs::with_transport(Box::new(t));
    assert_eq!(small.destinations(&svc.key).unwrap(), all);
    ipvs.flush().unwrap();
}

/// The network namespace of the calling thread, as the kernel names it.
fn thread_netns() -> std::path::PathBuf {
    std::fs::read_link("/proc/thread-self/ns/net").expect("own namespace")
}

/// `Ipvs::connect_in` reaches another namespace's table while the caller
/// stays where it is, and an `Ipvs` works after moving to another thread.
#[test]
#[ignore]
fn connect_in_a_named_namespace_without_moving() {
    let name = "ipvs-lib-test";
    let ip = |args: &[&str]| {
        let ok = std::process::Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip {args:?}");
    };
    let _ = std::process::Command::new("ip")
        .args(["netns", "del", name])
        .status();
    ip(&["netns", "add", name]);

    let mut root = fresh();
    let before = thread_netns();
    let mut inside = Ipvs::connect_in(name).unwrap();
    assert_eq!(thread_netns(), before, "the caller moved");
    let svc = Service::new(key(Protocol::Tcp, v4(10, 9, 9, 9), 80));
    // Used from another thread: `Ipvs` is `Send`.
    let listed = std::thread::spawn(move || {
        inside.add_service(&svc).unwrap();
        inside.services().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key(Protocol::Tcp, v4(10, 9, 9, 9), 80));
    // Not in the caller's namespace.
    assert_eq!(root.services().unwrap(), vec![]);
    // A second connection sees the namespace's table too.
    let mut again = Ipvs::connect_in(name).unwrap();
    assert_eq!(again.services().unwrap(), listed);

    let err = Ipvs::connect_in("ipvs-lib-test-missing")
        .err()
        .expect("no such namespace");
    assert!(matches!(err.failure(), Failure::Namespace(_)), "{err}");
    assert_eq!(err.errno(), Some(libc::ENOENT));
    drop(again);
    ip(&["netns", "del", name]);
}
