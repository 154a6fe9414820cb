#!/usr/bin/env bash
# tests/vm/kernels.sh: the kernel suite (tests/vm/test.sh) on the three
# Debian kernels: bookworm's 6.1 (the whole suite), bullseye's 5.10 and
# trixie's 6.12 (everything but apply's random pairs, which suite.sh runs
# on bookworm's kernel only; on trixie also trixie's own ipvsadm against
# the reference). What tests/all.sh runs.
#
# Two lanes run at the same time, one VM each with one vCPU: bookworm in
# one, bullseye then trixie in the other. The differential runner works
# one case at a time, so a VM barely uses a second vCPU, and two VMs on a
# 2-core host finish sooner than three one after another.
# KERNELS_PARALLEL=0 runs the three one after another (default vCPUs).
#
# Each run has a time budget (VM_TIMEOUT, seconds): KERNELS_TIMEOUT_MAIN
# for bookworm (default 3000), KERNELS_TIMEOUT_OTHER for each of the
# others (default 1800): on an idle 2-core host a run takes about half
# that, on one shared with other VMs two thirds or more; the lane of two
# stays under an hour, so CI's .ci/run stays under 75 minutes. Each run's output goes to target/vm/suite-RELEASE.log
# and is printed whole when the run ends, with its wall time; a summary
# follows. Exits 1 if any run failed; a release whose packages the mirror
# no longer serves is reported as skipped.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2
mkdir -p target/vm

main_budget=${KERNELS_TIMEOUT_MAIN:-3000}
other_budget=${KERNELS_TIMEOUT_OTHER:-1800}
summary=$(mktemp "${TMPDIR:-/tmp}/kernels.XXXXXX")
trap 'rm -f "$summary"' EXIT

# run RELEASE BUDGET: one suite run; its log is printed once it has ended
run() {
    local rel=$1 budget=$2 log=target/vm/suite-$1.log start rc
    start=$(date +%s)
    VM_TIMEOUT=$budget tests/vm/test.sh --release "$rel" >"$log" 2>&1
    rc=$?
    local took=$(($(date +%s) - start))
    # under a lock, so the two lanes' reports do not interleave
    (
        flock 8
        printf '\n######## kernel suite on %s (exit %s, %ss, budget %ss)\n' "$rel" "$rc" "$took" "$budget"
        tr -d '\0' <"$log"
    ) 8>target/vm/kernels-print.lock
    # 120: run.sh found the release gone from the mirror (its one error
    # line is in the log above); an old release is then skipped, not failed
    if [ "$rc" = 120 ] && [ "$rel" != bookworm ]; then
        printf '%-9s SKIPPED: its packages are no longer served\n' "$rel" >>"$summary"
        return 0
    fi
    printf '%-9s exit %-3s %5ss (budget %ss)\n' "$rel" "$rc" "$took" "$budget" >>"$summary"
    return "$rc"
}

start=$(date +%s)
fail=0
if [ "${KERNELS_PARALLEL:-1}" = 1 ]; then
    export VM_SMP=${VM_SMP:-1}
    # The first run fetches and builds what the others share; run.sh
    # serialises that part, and test.sh's builds are serialised by cargo.
    run bookworm "$main_budget" &
    lane_a=$!
    { rc=0; run bullseye "$other_budget" || rc=1; run trixie "$other_budget" || rc=1; exit $rc; } &
    lane_b=$!
    wait "$lane_a" || fail=1
    wait "$lane_b" || fail=1
else
    for rel in bookworm bullseye trixie; do
        budget=$other_budget
        [ "$rel" = bookworm ] && budget=$main_budget
        run "$rel" "$budget" || fail=1
    done
fi

printf '\n######## kernel suites (%ss in all)\n' "$(($(date +%s) - start))"
cat "$summary"
exit $fail
