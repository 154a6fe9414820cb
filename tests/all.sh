#!/usr/bin/env bash
# Every test of the project, on a fresh machine: style gates, unit tests
# (no root, no kernel), then the real-kernel suite in a VM (differential
# cases against Debian's ipvsadm and the library's kernel tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
tests/vm/test.sh
