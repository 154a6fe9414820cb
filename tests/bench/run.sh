#!/usr/bin/env bash
# tests/bench/run.sh: build the release binary and run the benchmark
# (tests/bench/bench.sh) in the test VM, reference ipvsadm against ours.
# Prints a Markdown table (operation, size, reference ms, ours ms, ratio).
#
#   tests/bench/run.sh                      # the sizes of issue 7
#   BENCH_SIZES=500x10 BENCH_RUNS=1 BENCH_SINGLE=100 tests/bench/run.sh
#
# Environment: the BENCH_* variables of bench.sh; VM_MEM (default 2048 MiB
# here), VM_TIMEOUT (default 3600 s here) and the rest as for tests/vm/run.sh.
# Under TCG the reference needs minutes at 20,000 services; the whole run
# takes ~10-20 minutes depending on how busy the host is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cargo build --release
export VM_MEM=${VM_MEM:-2048} VM_TIMEOUT=${VM_TIMEOUT:-3600}
export VM_PASS_ENV="${VM_PASS_ENV:-} BENCH_SIZES BENCH_RUNS BENCH_RUNS_LARGE BENCH_SINGLE BENCH_SINGLE_LIST BENCH_BLOCK BENCH_SETTLE"
VM_BUILD=0 exec tests/vm/run.sh bench/bench.sh
