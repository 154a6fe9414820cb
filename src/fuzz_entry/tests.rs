//! Replays the checked-in fuzz corpus (`fuzz/corpus/TARGET/`) through the
//! entry points, and keeps each defect the fuzzer found as a test of its
//! own.

use std::fs;
use std::path::PathBuf;

use super::*;

/// Every file of `fuzz/corpus/<target>` through `entry`. A missing or
/// empty directory fails: a replay of nothing proves nothing.
fn replay(target: &str, entry: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files = 0;
    for entry_ in entries {
        let path = entry_.unwrap().path();
        let data = fs::read(&path).unwrap();
        // The file's name in a failure, whatever the entry point says.
        let outcome = std::panic::catch_unwind(|| entry(&data));
        assert!(outcome.is_ok(), "{} failed", path.display());
        files += 1;
    }
    assert!(files > 0, "{}: empty corpus", dir.display());
}

#[test]
fn corpus_argv() {
    replay("argv", argv);
}

#[test]
fn corpus_restore_line() {
    replay("restore_line", restore_line);
}

#[test]
fn corpus_apply_input() {
    replay("apply_input", apply_input);
}

#[test]
fn corpus_kernel_replies() {
    replay("kernel_replies", kernel_replies);
}

#[test]
fn corpus_conn_table() {
    replay("conn_table", conn_table);
}

#[test]
fn corpus_realserver_state() {
    replay("realserver_state", realserver_state);
}

#[test]
fn corpus_netlink_frames() {
    replay("netlink_frames", netlink_frames);
}
