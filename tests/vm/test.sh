#!/usr/bin/env bash
# tests/vm/test.sh: host entry point of the kernel test suite (what CI runs).
# Builds the release binary, the Rust kernel test binaries
# (tests/kernel*.rs, if any) and the program of tests/extern/, then boots
# the VM and runs tests/vm/suite.sh in it. Extra arguments go to suite.sh
# (case files to run instead of all).
#   tests/vm/test.sh [--release bullseye|bookworm|trixie] [CASE-FILE...]
# --release boots that Debian release's kernel (5.10, 6.1 the default,
# 6.12; it sets VM_RELEASE for run.sh).
# Needs root for apt-get (see run.sh); exits with the suite's status.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
if [ "${1:-}" = --release ]; then
    [ $# -ge 2 ] || { echo "usage: $0 [--release bullseye|bookworm|trixie] [CASE-FILE...]" >&2; exit 2; }
    export VM_RELEASE=$2
    shift 2
fi

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

# tests/extern/: a program that depends on crates/ipvs by path, built
# outside the workspace (from a copy in a temporary directory, its own
# workspace root) as another project would, with the workspace's
# Cargo.lock so it gets the dependency versions the project tests with.
# Offline, since the project's build already fetched them. Not --locked:
# the lock lists the project's packages, not this one, so cargo must add
# it. The build fails if the library cannot be used from outside: a broken
# path or manifest, an API only the workspace sees, an `Ipvs` that is not
# `Send`. suite.sh runs it through tests/extern/check.sh.
ext_src=$(mktemp -d "${TMPDIR:-/tmp}/ipvs-extern.XXXXXX")
trap 'rm -rf "$ext_src"' EXIT
cp -r tests/extern/. "$ext_src/"
cp Cargo.lock "$ext_src/"
sed -i "s|path = \"../../crates/ipvs\"|path = \"$root/crates/ipvs\"|" "$ext_src/Cargo.toml"
grep -qF "path = \"$root/crates/ipvs\"" "$ext_src/Cargo.toml" || {
    echo "test.sh: tests/extern/Cargo.toml no longer names ../../crates/ipvs" >&2
    exit 1
}
cargo build --release --offline --manifest-path "$ext_src/Cargo.toml" \
    --target-dir "$root/target/extern"
# Whatever cargo added to the lock must be the program itself: every
# dependency at a version the workspace locks.
locked() { awk '/^name = /{n=$3} /^version = /{print n, $3}' "$1" | sort -u; }
unlocked=$(comm -23 <(locked "$ext_src/Cargo.lock") <(locked Cargo.lock) | grep -v '^"ipvs-extern" ' || true)
if [ -n "$unlocked" ]; then
    echo "test.sh: tests/extern resolved versions the workspace's Cargo.lock does not have:" >&2
    echo "$unlocked" >&2
    exit 1
fi
rm -rf "$ext_src"
trap - EXIT
bins+=("$root/target/extern/release/ipvs-extern")

# The random differential (tests/fuzz/random_cases.py), on the default
# kernel when the whole suite runs: its seed is the commit's (the first 8
# hex digits of HEAD), so the same commit always runs the same lines and a
# failure can be run again. RANDOM_CASES cases (default 60, about 300
# command lines); suite.sh runs them after the case files.
extra_files=${VM_EXTRA_FILES:-}
if [ $# -eq 0 ] && [ "${VM_RELEASE:-bookworm}" = bookworm ] && [ "${RANDOM_CASES:-60}" != 0 ]; then
    commit=$(git rev-parse --verify --quiet HEAD || echo 0)
    seed=$((16#${commit:0:8}))
    mkdir -p target/vm
    python3 tests/fuzz/random_cases.py "$seed" "${RANDOM_CASES:-60}" >target/vm/random.cases
    extra_files="$extra_files $root/target/vm/random.cases"
fi

# The whole suite takes ~20 minutes on an idle 2-core machine and much
# longer on a busy one (TCG shares the cores); run.sh's 20-minute default
# would cut it off, so allow an hour (CI's limit is 90 minutes in all).
export VM_TIMEOUT=${VM_TIMEOUT:-3600}
VM_BUILD=0 VM_EXTRA_BINS="${bins[*]:-}" VM_EXTRA_FILES="$extra_files" exec "$root/tests/vm/run.sh" vm/suite.sh "$@"
