#!/usr/bin/env bash
# tests/bench/run.sh: build the release binary and run the benchmark
# (tests/bench/bench.sh) in the test VM, reference ipvsadm against ours.
# Prints a Markdown table (operation, size, reference ms, ours ms, ratio).
#
#   tests/bench/run.sh                      # the default sizes
#   BENCH_SIZES=500x10 BENCH_RUNS=1 BENCH_SINGLE=100 tests/bench/run.sh
#   BENCH_BASELINE=fcdd592 tests/bench/run.sh   # also an older build of ours
#
# BENCH_BASELINE (any git revision) adds a second build of ours, the
# baseline: the revision is checked out into a temporary git worktree and
# built with `cargo build --release` like ours (target dir
# target/bench-baseline, kept, so another revision rebuilds only what
# changed) and goes into the VM as /bin-extra/ipvsadm (BASE_DIR). bench.sh
# then runs every operation with the baseline too, baseline and ours in
# turns, and the table gains the baseline's times and ours/baseline.
#
# Environment: the BENCH_* variables of bench.sh; BENCH_BASELINE; VM_MEM
# (default 2048 MiB here), VM_TIMEOUT (default 3600 s here) and the rest
# as for tests/vm/run.sh. Under TCG the reference needs minutes at 20,000
# services; the whole run takes ~10-20 minutes depending on how busy the
# host is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cargo build --release

if [ -n "${BENCH_BASELINE:-}" ]; then
    rev=$(git rev-parse --verify --quiet "${BENCH_BASELINE}^{commit}") ||
        { echo "bench: BENCH_BASELINE: no such revision: $BENCH_BASELINE" >&2; exit 2; }
    # A worktree, not a checkout in place: the tree being measured may
    # have uncommitted changes, and this one must be exactly the revision.
    src=$(mktemp -d "${TMPDIR:-/tmp}/ipvsadm-baseline.XXXXXX")
    trap 'git worktree remove --force "$src" 2>/dev/null; rm -rf "$src"' EXIT
    echo "bench: baseline $BENCH_BASELINE = $rev, building it in $src" >&2
    git worktree add --quiet --detach "$src" "$rev"
    (cd "$src" && CARGO_TARGET_DIR=$root/target/bench-baseline cargo build --release)
    git worktree remove --force "$src"
    trap - EXIT
    rm -rf "$src"
    export VM_EXTRA_BINS="${VM_EXTRA_BINS:-} $root/target/bench-baseline/release/ipvsadm"
    export BASE_DIR=/bin-extra VM_PASS_ENV="${VM_PASS_ENV:-} BASE_DIR"
fi

export VM_MEM=${VM_MEM:-2048} VM_TIMEOUT=${VM_TIMEOUT:-3600}
export VM_PASS_ENV="${VM_PASS_ENV:-} BENCH_SIZES BENCH_RUNS BENCH_RUNS_LARGE BENCH_SINGLE BENCH_SINGLE_LIST BENCH_BLOCK BENCH_SETTLE BENCH_APPLY"
VM_BUILD=0 exec tests/vm/run.sh bench/bench.sh
