#!/usr/bin/env bash
# Every test of the project, on a fresh machine: style gates, unit tests
# (no root, no kernel), the Debian package (tests/deb/check.sh), then the
# real-kernel suite in a VM (differential cases against Debian's ipvsadm
# and the library's kernel tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy -p linux-ipvs --all-targets -- -D warnings
# The man page test renders it with groff; the completion test runs bash.
if ! command -v groff >/dev/null; then
    apt-get update && apt-get install -y groff-base
fi
cargo test --workspace --all-features
# The Debian package: contents and control fields, then its unit and
# helpers against the kernel in the VM.
tests/deb/check.sh
tests/vm/test.sh
