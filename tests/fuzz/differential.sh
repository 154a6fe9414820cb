#!/usr/bin/env bash
# Random differential fuzzing against the reference, for real:
#   tests/fuzz/differential.sh [CASES [SEED]]
# writes CASES random cases (default 400, about 2,000 command lines) with
# tests/fuzz/random_cases.py from SEED (default: a fresh one, printed) and
# runs them in the test VM, Debian's ipvsadm against ours, with the quick
# part of the suite (tests/vm/test.sh with this case file). The suite runs
# 60 cases with the commit's seed on every CI run; this is for thousands.
# A difference found becomes a case in tests/diff/ (the failing case's
# lines, reduced by hand to what differs).
set -euo pipefail
cd "$(dirname "$0")/../.."
cases=${1:-400}
seed=${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
[[ $cases =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] || {
    echo "usage: $0 [CASES [SEED]]" >&2
    exit 2
}
mkdir -p target/vm
file=$PWD/target/vm/random-$seed.cases
python3 tests/fuzz/random_cases.py "$seed" "$cases" >"$file"
echo "differential: seed $seed, $cases cases, $(grep -c '^ipvsadm \|^printf ' "$file") lines ($file)"
# Each line takes a second or two under TCG for both tools: allow for it.
export VM_TIMEOUT=${VM_TIMEOUT:-$((1200 + cases * 15))}
VM_EXTRA_FILES="${VM_EXTRA_FILES:-} $file" exec tests/vm/test.sh "/files-extra/${file##*/}"
