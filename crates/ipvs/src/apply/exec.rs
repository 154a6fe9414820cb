//! Carrying out a [`Plan`](super::Plan), with an undo journal beside it.
//!
//! IPVS has no transactions: each change is atomic on its own and nothing
//! groups them. So the executor remembers every change the kernel
//! acknowledged and can send their inverses, newest first, built from the
//! table read before the first change (an edit goes back to the object as
//! it was read, an add is deleted, a delete is added again with what it
//! had). When a refusal comes before any delete, which is the usual case
//! since deletes come last, undo leaves the table exactly as read,
//! counters and list order included; only an object that undo has to add
//! again loses its counters and goes to the head of its list.

use std::collections::HashMap;

use crate::change::Change;
use crate::client::{Ipvs, Result};
use crate::model::{Destination, Service, ServiceKey};

use super::plan::{Entry, Table};

/// One service dump, then one real-server dump per service (without the
/// counters, which planning never compares).
pub fn read_table(ipvs: &mut Ipvs) -> Result<Table> {
    let services = ipvs.services()?;
    let mut entries = Vec::with_capacity(services.len());
    for service in services {
        let mut destinations = Vec::new();
        ipvs.destinations_without_stats_into(&service.key, &mut destinations)?;
        entries.push(Entry::new(service, destinations));
    }
    Ok(Table::new(entries))
}

/// A change the kernel refused, with its error.
#[derive(Debug)]
#[non_exhaustive]
pub struct Refusal {
    /// The change as it was sent.
    pub change: Change,
    /// The kernel's (or the socket's) answer to it.
    pub error: crate::Error,
}

/// What [`Executor::undo`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct UndoReport {
    /// How many inverse changes the kernel acknowledged.
    pub undone: usize,
    /// Objects undo had to add again (they lost their counters and went to
    /// the head of their list).
    pub readded: Vec<Change>,
    /// Inverse changes the kernel refused: what is left different from the
    /// table as read.
    pub failed: Vec<Refusal>,
}

/// Sends changes and journals the acknowledged ones.
pub struct Executor<'a> {
    ipvs: &'a mut Ipvs,
    services: HashMap<ServiceKey, &'a Entry>,
    journal: Vec<Change>,
}

impl<'a> Executor<'a> {
    /// An executor on `ipvs`, whose undo restores `start` (the table as it
    /// was read before any change).
    pub fn new(ipvs: &'a mut Ipvs, start: &'a Table) -> Executor<'a> {
        let services = start.entries.iter().map(|e| (e.service.key, e)).collect();
        Executor {
            ipvs,
            services,
            journal: Vec::new(),
        }
    }

    /// The connection, for reads between phases (a drain's polling).
    pub fn ipvs(&mut self) -> &mut Ipvs {
        self.ipvs
    }

    /// The acknowledged changes, oldest first.
    pub fn journal(&self) -> &[Change] {
        &self.journal
    }

    /// Sends `changes` pipelined. The kernel runs every one of them in
    /// order, also after a refusal; the acknowledged ones are journaled
    /// and the refused ones returned (empty: all went through).
    pub fn run(&mut self, changes: &[Change]) -> Vec<Refusal> {
        if changes.is_empty() {
            return Vec::new();
        }
        let results = self.ipvs.execute(changes);
        let mut refused = Vec::new();
        for (change, result) in changes.iter().zip(results) {
            match result {
                Ok(()) => self.journal.push(change.clone()),
                Err(error) => refused.push(Refusal {
                    change: change.clone(),
                    error,
                }),
            }
        }
        refused
    }

    /// The inverses of the journal, newest first, as they would be sent.
    pub fn undo_plan(&self) -> Vec<Change> {
        self.journal
            .iter()
            .rev()
            .flat_map(|c| self.inverse(c))
            .collect()
    }

    /// Sends the inverses of every journaled change, newest first,
    /// pipelined, and empties the journal.
    pub fn undo(&mut self) -> UndoReport {
        let inverses = self.undo_plan();
        self.journal.clear();
        let mut report = UndoReport {
            readded: inverses
                .iter()
                .filter(|c| matches!(c, Change::AddService(_) | Change::AddDestination { .. }))
                .cloned()
                .collect(),
            ..UndoReport::default()
        };
        let results = self.ipvs.execute(&inverses);
        for (change, result) in inverses.into_iter().zip(results) {
            match result {
                Ok(()) => report.undone += 1,
                Err(error) => report.failed.push(Refusal { change, error }),
            }
        }
        report
    }

    /// The changes that take back `change`, from the table as read.
    fn inverse(&self, change: &Change) -> Vec<Change> {
        let start_dest = |key: &ServiceKey, d: &Destination| -> Option<Destination> {
            self.services.get(key).and_then(|e| {
                e.destinations
                    .iter()
                    .find(|s| (s.addr, s.port) == (d.addr, d.port))
                    .cloned()
            })
        };
        let start_service =
            |key: &ServiceKey| -> Option<&Service> { self.services.get(key).map(|e| &e.service) };
        match change {
            Change::AddService(svc) => vec![Change::DeleteService(svc.key)],
            Change::EditService(svc) => start_service(&svc.key)
                .map(|s| Change::EditService(s.clone()))
                .into_iter()
                .collect(),
            Change::DeleteService(key) => {
                match self.services.get(key) {
                    None => Vec::new(),
                    Some(entry) => {
                        // Added back newest last: the kernel puts each new
                        // server at the head of the list, so the list comes
                        // back in the order it was read.
                        let mut back = vec![Change::AddService(entry.service.clone())];
                        back.extend(entry.destinations.iter().rev().map(|d| {
                            Change::AddDestination {
                                service: *key,
                                destination: d.clone(),
                            }
                        }));
                        back
                    }
                }
            }
            Change::AddDestination {
                service,
                destination,
            } => vec![Change::DeleteDestination {
                service: *service,
                destination: destination.clone(),
            }],
            Change::EditDestination {
                service,
                destination,
            } => start_dest(service, destination)
                .map(|d| Change::EditDestination {
                    service: *service,
                    destination: d,
                })
                .into_iter()
                .collect(),
            Change::DeleteDestination {
                service,
                destination,
            } => start_dest(service, destination)
                .map(|d| Change::AddDestination {
                    service: *service,
                    destination: d,
                })
                .into_iter()
                .collect(),
            // Not part of any plan; nothing to take back here.
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::{PlanOptions, plan};
    use crate::model::{ForwardMethod, Protocol};
    use pretty_assertions::assert_eq;
    use std::net::IpAddr;

    fn key(port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "10.0.0.1".parse().unwrap(),
            port,
        }
    }

    fn dest(last: u8, weight: u32) -> Destination {
        let mut d = Destination::new(IpAddr::from([192, 168, 0, last]), 80);
        d.weight = weight;
        d
    }

    /// A kernel that acknowledges every change and has nothing to list.
    struct AckAll;

    impl crate::client::Transport for AckAll {
        fn request(&mut self, _: &crate::wire::Request) -> crate::client::Raw<Vec<Vec<u8>>> {
            Ok(Vec::new())
        }

        fn dump(&mut self, _: &crate::wire::Request) -> crate::client::Raw<Vec<Vec<u8>>> {
            Ok(Vec::new())
        }
    }

    /// Undo's inverses as values (the kernel's side is checked in the VM).
    fn inverses(start: &Table, done: &[Change]) -> Vec<Change> {
        let mut ipvs = Ipvs::with_transport(Box::new(AckAll));
        let mut exec = Executor::new(&mut ipvs, start);
        assert!(exec.run(done).is_empty());
        assert_eq!(exec.journal(), done);
        exec.undo_plan()
    }

    #[test]
    fn undo_restores_the_table_as_read_newest_first() {
        let mut s = Service::new(key(80));
        s.scheduler = "rr".into();
        let start = Table::new(vec![
            Entry::new(s.clone(), vec![dest(1, 1), dest(2, 2), dest(3, 3)]),
            Entry::new(Service::new(key(81)), vec![dest(9, 1)]),
        ]);
        let mut wanted = start.clone();
        wanted.entries[0].service.scheduler = "wlc".into();
        wanted.entries[0].destinations[0].weight = 7;
        wanted.entries[0].destinations.remove(1);
        wanted.entries[0].destinations.push(dest(4, 1));
        wanted.entries.remove(1);
        wanted
            .entries
            .push(Entry::new(Service::new(key(82)), vec![]));
        let p = plan(&start, &wanted, PlanOptions::default());
        let all: Vec<Change> = p.changes().cloned().collect();
        let mut d1 = dest(1, 1);
        d1.forward = ForwardMethod::Route;
        assert_eq!(
            inverses(&start, &all),
            vec![
                Change::AddService(Service::new(key(81))),
                Change::AddDestination {
                    service: key(81),
                    destination: dest(9, 1),
                },
                Change::AddDestination {
                    service: key(80),
                    destination: dest(2, 2),
                },
                Change::DeleteService(key(82)),
                Change::DeleteDestination {
                    service: key(80),
                    destination: dest(4, 1),
                },
                Change::EditDestination {
                    service: key(80),
                    destination: d1,
                },
                Change::EditService(s),
            ]
        );
    }

    #[test]
    fn a_deleted_service_comes_back_in_its_list_order() {
        let start = Table::new(vec![Entry::new(
            Service::new(key(80)),
            vec![dest(1, 1), dest(2, 1), dest(3, 1)],
        )]);
        let back = inverses(&start, &[Change::DeleteService(key(80))]);
        let order: Vec<u8> = back
            .iter()
            .filter_map(|c| match c {
                Change::AddDestination { destination, .. } => match destination.addr {
                    IpAddr::V4(a) => Some(a.octets()[3]),
                    IpAddr::V6(_) => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(order, vec![3, 2, 1]);
    }
}
