//! ipvsadm's text views: pure functions from model values to a `Write`.
//!
//! Nothing here talks to the kernel; the executor fetches, sorts and then
//! calls these, which is why each is golden-tested against exact text.
//! Output is ipvsadm 1.31's byte for byte, except for the defects we fix
//! (D1, D2, D3, D4 and D10 in the README's table of differences).
//!
//! What the executor calls:
//! - `-L` (full): `list::write_header(out, &info)`, then
//!   `list::write_titles(out, opts.format)`, then for each service (after
//!   `sort::services(&mut svcs)` unless `--nosort`):
//!   `sort::destinations(&mut dests)` unless `--nosort`, then
//!   `list::write_service(out, &svc, &dests, &opts, resolver)` with
//!   `opts: list::ListOptions { format, numeric, exact }`.
//!   `-L <service>`: the same without the header.
//! - `-S`: `sort::services`, and per service `sort::destinations` then
//!   `save::write_service(out, &svc, &dests, numeric, resolver)`.
//! - `--timeout`: `config::write_timeouts(out, &timeouts)`;
//!   `--daemon`: `config::write_daemons(out, &daemons)`.
//! - `-c`: `conn::write_connections(out, proc_file, persistent, numeric,
//!   resolver)` with `/proc/net/ip_vs_conn` as a `BufRead`, read and
//!   written row by row; its error says which message (if any) to print
//!   before exiting 1.
//! - `--json` (any of the above but `-S`): `json::write_services(out,
//!   &info, &table)` with the sorted table (one entry for `-L <service>`),
//!   `json::write_timeouts`, `json::write_daemons`,
//!   `json::write_connections(out, proc_file)`.
//! - `resolver`: `&names::SystemResolver::new()` normally; with `-n` no
//!   lookup is made, so `&names::NoNames` does as well.

pub mod config;
pub mod conn;
#[cfg(test)]
mod fixtures;
pub mod json;
pub mod labels;
pub mod list;
pub mod names;
pub mod numbers;
pub mod save;
pub mod sort;
pub mod text;
