//! The `ipvsadm` command line on top of the `ipvs` library (crate
//! `linux-ipvs`): `cli` parses ipvsadm's grammar, runs commands against the
//! kernel and prints ipvsadm's views; `realserver` prepares real servers
//! and the director for a forwarding method (addresses, links, sysctls)
//! and undoes it, host policy rather than kernel API; `sys` holds the
//! package's calls into the C library, its only `unsafe`. `main.rs` only
//! hands the process's arguments to [`cli::main`].

pub mod cli;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz_entry;
pub mod realserver;
// The C library calls; `unsafe` is denied everywhere else (Cargo.toml).
#[allow(unsafe_code)]
pub mod sys;
