#!/usr/bin/env bash
# Every test of the project, on a fresh machine: style gates, unit tests
# (no root, no kernel), the Debian packages (tests/deb/check.sh), then the
# real-kernel suite in VMs on Debian 11, 12 and 13's kernels (differential
# cases against Debian's ipvsadm, traffic tests and the library's kernel
# tests; tests/vm/kernels.sh).
#
# tests/all.sh --quick: the tier for development (about 5 minutes on an
# idle machine): the same gates and unit and doc tests, then one small VM
# run on the default kernel (tests/diff/smoke.cases, the library outside
# the workspace, the kernel tests) instead of the package and the suites.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
case ${1:-} in
--quick) quick=1 ;;
"") ;;
*) echo "usage: tests/all.sh [--quick]" >&2; exit 2 ;;
esac
# timed CMD...: run CMD, then say how long it took (the long stages)
timed() {
    local start=$SECONDS
    "$@"
    echo "all.sh: $* took $((SECONDS - start))s"
}
cargo fmt --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy -p linux-ipvs --all-targets -- -D warnings
# Not a workspace member (tests/vm/test.sh builds it), so `cargo fmt`
# does not see it.
rustfmt --edition 2024 --check tests/extern/src/main.rs
# The library is what other programs depend on: none of the command
# line's crates may reach it.
lib_tree=$(cargo tree -p linux-ipvs -e normal --prefix none)
cli_crates=$(grep -E '^(clap|serde)' <<<"$lib_tree" || true)
if [ -n "$cli_crates" ]; then
    echo "all.sh: linux-ipvs depends on command-line crates:" >&2
    echo "$cli_crates" >&2
    exit 1
fi
# Every public item of the library is documented (clippy above sees
# missing docs); rustdoc also checks the links, with and without the
# internals.
RUSTDOCFLAGS=-Dwarnings cargo doc -p linux-ipvs --no-deps
RUSTDOCFLAGS=-Dwarnings cargo doc -p linux-ipvs --no-deps --all-features
# The library as a registry would get it: the packaged files (licences
# included) must build on their own. Offline: the steps above fetched
# every dependency. A work tree with uncommitted changes may be packaged.
cargo package -p linux-ipvs --offline --allow-dirty
# `cargo test` below also builds the library's examples and runs its doc
# examples (those that need a kernel only compile).
# The man page test renders it with groff; the completion test runs bash.
if ! command -v groff >/dev/null; then
    apt-get update && apt-get install -y groff-base
fi
timed cargo test --workspace --all-features
if [ $quick = 1 ]; then
    timed tests/vm/test.sh diff/smoke.cases
    exit 0
fi
# The Debian packages, Debian 12's and 13's: contents and control fields,
# their unit and helpers against each release's kernel in the VM, then
# dpkg replacing each release's ipvsadm.
timed tests/deb/check.sh
timed tests/vm/kernels.sh
