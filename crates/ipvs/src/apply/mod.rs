//! Making the kernel's table equal to a wanted one, in place.
//!
//! Three parts, so that the decisions can be tested without a kernel:
//! [`plan()`] compares two [`Table`]s and returns the changes in three
//! phases (make, drain, delete); [`Executor`] sends them and journals
//! what the kernel acknowledged, so that a refusal can be undone from the
//! table read at the start; [`Lock`] keeps two appliers of one network
//! namespace from interleaving.
//!
//! ```no_run
//! use ipvs::apply::{self, Executor, PlanOptions, Table};
//! # fn wanted() -> Table { Table::default() }
//! let mut ipvs = ipvs::Ipvs::connect()?;
//! let _lock = apply::Lock::acquire().expect("lock");
//! let live = apply::read_table(&mut ipvs)?;
//! let plan = apply::plan(&live, &wanted(), PlanOptions::default());
//! let mut exec = Executor::new(&mut ipvs, &live);
//! for phase in [&plan.make, &plan.drain, &plan.delete] {
//!     if !exec.run(phase).is_empty() {
//!         let report = exec.undo();
//!         assert!(report.failed.is_empty());
//!         break;
//!     }
//! }
//! # Ok::<(), ipvs::Error>(())
//! ```

mod exec;
mod lock;
mod plan;

pub use exec::{Executor, Refusal, UndoReport, read_table};
pub use lock::{LOCK_DIR, Lock};
pub use plan::{Entry, Leaving, Plan, PlanOptions, Table, drained, plan};
