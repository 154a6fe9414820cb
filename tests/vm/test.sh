#!/usr/bin/env bash
# tests/vm/test.sh: host entry point of the kernel test suite (what CI runs).
# Builds the release binary and the Rust kernel test binaries
# (tests/kernel*.rs, if any), then boots the VM and runs tests/vm/suite.sh in
# it. Extra arguments go to suite.sh (case files to run instead of all).
# Needs root for apt-get (see run.sh); exits with the suite's status.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

cargo build --release

# Rust integration tests named tests/kernel*.rs (the command line's) and
# crates/ipvs/tests/kernel*.rs (the library's, which need its `internals`
# feature) run inside the VM: build them (release, so they link like the
# binary) and collect their executables from cargo's JSON messages.
bins=()
kernel_tests() { # DIR: the --test arguments for DIR/kernel*.rs
    for f in "$1"/kernel*.rs; do
        [ -f "$f" ] && printf -- '--test\n%s\n' "$(basename "$f" .rs)"
    done
}
collect() { # CARGO-ARGS...: executables of the test targets built
    cargo test --release --no-run --message-format=json "$@" |
        grep '"reason":"compiler-artifact"' | grep '"kind":\["test"\]' |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p'
}
mapfile -t root_targets < <(kernel_tests tests)
mapfile -t lib_targets < <(kernel_tests crates/ipvs/tests)
if [ ${#root_targets[@]} -gt 0 ]; then
    mapfile -t -O "${#bins[@]}" bins < <(collect "${root_targets[@]}")
fi
if [ ${#lib_targets[@]} -gt 0 ]; then
    mapfile -t -O "${#bins[@]}" bins < <(collect -p linux-ipvs --features internals "${lib_targets[@]}")
fi

# The whole suite takes ~20 minutes on an idle 2-core machine and much
# longer on a busy one (TCG shares the cores); run.sh's 20-minute default
# would cut it off, so allow an hour (CI's limit is 90 minutes in all).
export VM_TIMEOUT=${VM_TIMEOUT:-3600}
VM_BUILD=0 VM_EXTRA_BINS="${bins[*]:-}" exec "$root/tests/vm/run.sh" vm/suite.sh "$@"
