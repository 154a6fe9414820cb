//! A plan as ipvsadm command lines: what `apply --dry-run` prints, in the
//! syntax `-R` reads, numeric. Adds and edits are the `-S` lines with
//! `-A`/`-a` swapped for `-E`/`-e`: those state the whole object, which is
//! what an edit must say (ipvsadm's edit resets what it leaves out).

use ipvs::Change;
use ipvs::model::{Service, ServiceKey};

use crate::cli::views::names::{NoNames, addr_port};
use crate::cli::views::save::{destination_line, service_line, service_operand};

/// One line per change (no newline); `None` for a change no plan holds.
pub fn change_line(change: &Change) -> Option<String> {
    let operand = |key: &ServiceKey| service_operand(&Service::new(*key), true, &NoNames);
    Some(match change {
        Change::AddService(svc) => service_line(svc, &operand(&svc.key)),
        Change::EditService(svc) => swap(service_line(svc, &operand(&svc.key)), "-E"),
        Change::DeleteService(key) => format!("-D {}", operand(key)),
        Change::AddDestination {
            service,
            destination,
        } => destination_line(
            &Service::new(*service),
            &operand(service),
            destination,
            true,
            &NoNames,
        ),
        Change::EditDestination {
            service,
            destination,
        } => swap(
            destination_line(
                &Service::new(*service),
                &operand(service),
                destination,
                true,
                &NoNames,
            ),
            "-e",
        ),
        Change::DeleteDestination {
            service,
            destination,
        } => {
            let protocol = match service {
                ServiceKey::Addr { protocol, .. } => Some(*protocol),
                ServiceKey::Fwmark { .. } => None,
            };
            format!(
                "-d {} -r {}",
                operand(service),
                addr_port(destination.addr, destination.port, protocol, true, &NoNames)
            )
        }
        _ => return None,
    })
}

/// `line` (which starts with a two-byte switch) with `switch` instead.
fn swap(line: String, switch: &str) -> String {
    format!("{switch}{}", line.get(2..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipvs::model::{Destination, Family, ForwardMethod, Protocol, ServiceFlags};
    use pretty_assertions::assert_eq;

    #[test]
    fn every_change_of_a_plan() {
        let key = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 53,
        };
        let mut svc = Service::new(key);
        svc.scheduler = "sh".into();
        svc.flags = ServiceFlags::PERSISTENT | ServiceFlags::ONEPACKET | ServiceFlags::SCHED2;
        svc.timeout = 60;
        let mut d = Destination::new("2001:db8::9".parse().unwrap(), 5353);
        d.forward = ForwardMethod::Masquerade;
        d.weight = 0;
        d.u_threshold = 9;
        let fwm = ServiceKey::Fwmark {
            mark: 4_000_000_000,
            family: Family::Inet,
        };
        let lines: Vec<String> = [
            Change::AddService(svc.clone()),
            Change::EditService(svc),
            Change::AddDestination {
                service: key,
                destination: d.clone(),
            },
            Change::EditDestination {
                service: key,
                destination: d.clone(),
            },
            Change::DeleteDestination {
                service: key,
                destination: d,
            },
            Change::DeleteDestination {
                service: fwm,
                destination: Destination::new("10.0.0.2".parse().unwrap(), 0),
            },
            Change::DeleteService(fwm),
        ]
        .iter()
        .map(|c| change_line(c).unwrap())
        .collect();
        assert_eq!(
            lines,
            [
                "-A -u [2001:db8::1]:53 -s sh -p 60 -o -b sh-port",
                "-E -u [2001:db8::1]:53 -s sh -p 60 -o -b sh-port",
                "-a -u [2001:db8::1]:53 -r [2001:db8::9]:5353 -m -w 0 -x 9",
                "-e -u [2001:db8::1]:53 -r [2001:db8::9]:5353 -m -w 0 -x 9",
                "-d -u [2001:db8::1]:53 -r [2001:db8::9]:5353",
                "-d -f 4000000000 -r 10.0.0.2:0",
                "-D -f 4000000000",
            ]
        );
        assert_eq!(change_line(&Change::Flush), None);
    }
}
