//! `-L --timeout` and `-L --daemon`: one line each.

use std::io::{self, Write};

use ipvs::model::{Daemon, Timeouts};

use super::names::ntop;

/// `Timeout (tcp tcpfin udp): 900 120 300` (C prints them as `int`).
pub fn write_timeouts(out: &mut impl Write, t: &Timeouts) -> io::Result<()> {
    writeln!(
        out,
        "Timeout (tcp tcpfin udp): {} {} {}",
        t.tcp as i32, t.tcp_fin as i32, t.udp as i32
    )
}

/// One line per running daemon, in the order given (the kernel's: master
/// first); nothing when none runs.
pub fn write_daemons(out: &mut impl Write, daemons: &[Daemon]) -> io::Result<()> {
    for d in daemons {
        let mut line = format!(
            "{} sync daemon (mcast={}, syncid={}",
            d.state.name(),
            d.mcast_ifn,
            d.syncid as i32
        );
        if d.sync_maxlen != 0 {
            line.push_str(&format!(", maxlen={}", d.sync_maxlen));
        }
        if let Some(group) = d.mcast_group {
            line.push_str(&format!(", group={}", ntop(group)));
        }
        if d.mcast_port != 0 {
            line.push_str(&format!(", port={}", d.mcast_port));
        }
        if d.mcast_ttl != 0 {
            line.push_str(&format!(", ttl={}", d.mcast_ttl));
        }
        writeln!(out, "{line})")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::views::fixtures::text;
    use ipvs::model::DaemonState;
    use pretty_assertions::assert_eq;

    #[test]
    fn timeouts() {
        let t = Timeouts::new(900, 120, 300);
        assert_eq!(
            text(|o| write_timeouts(o, &t)),
            "Timeout (tcp tcpfin udp): 900 120 300\n"
        );
    }

    #[test]
    fn daemons() {
        let master = {
            let mut v = Daemon::new(DaemonState::Master, "eth0");
            v.sync_maxlen = 1472;
            v.mcast_group = Some("224.0.0.81".parse().unwrap());
            v.mcast_port = 8848;
            v.mcast_ttl = 1;
            v
        };
        let backup = {
            let mut v = Daemon::new(DaemonState::Backup, "eth1");
            v.syncid = 7;
            v.mcast_group = Some("ff02::1:2".parse().unwrap());
            v
        };
        assert_eq!(
            text(|o| write_daemons(o, &[master, backup])),
            "master sync daemon (mcast=eth0, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n\
             backup sync daemon (mcast=eth1, syncid=7, group=ff02::1:2)\n"
        );
        assert_eq!(text(|o| write_daemons(o, &[])), "");
    }
}
