#!/bin/sh
# tests/vm/suite.sh: the whole kernel test suite, run INSIDE the VM
# (host entry point: tests/vm/test.sh, which calls `run.sh vm/suite.sh`).
#
#  1. tests/diff/noipvs.cases with ip_vs made unloadable (run-cases.sh --no-ipvs)
#  2. load ip_vs, every scheduler, the SIP persistence engine, ip_vs_ftp, ipip
#  3. every other tests/diff/*.cases, in one run-cases.sh run; then the
#     random differential cases test.sh wrote (/files-extra/random.cases,
#     when there: the default kernel, no case files given)
#  4. tests/daemon/stop-race.sh (a sync daemon stopped before its thread
#     ran: ours answers, the reference waits), tests/net/realserver.sh
#     (our realserver/director subcommands),
#     tests/net/netns.sh (--netns with two namespaces) and the traffic
#     tests, tests/net/run.sh (namespaces, real HTTP through NAT, DR
#     and TUN services, SIP Call-IDs in the connection table) and
#     tests/apply/run.sh (`ipvsadm apply` converging random tables, undo);
#     only when no case files are given, and apply only on the default
#     kernel (bookworm's)
#  5. the library used by a program outside the workspace (tests/extern/,
#     built by test.sh as /bin-extra/ipvs-extern; quick, so also with
#     case files)
#  6. Rust test binaries /bin-extra/kernel* (built by test.sh), one test at a
#     time, ignored tests included (kernel tests are #[ignore] on the host);
#     `non_root` then runs as user nobody, and `no_module` runs before
#     step 2 with ip_vs made unloadable
#  7. on trixie's kernel, trixie's own ipvsadm (1:1.31-5, /trixie/ipvsadm)
#     against the reference: tests/diff/trixie/*.cases
# Exits 1 if any step failed. Arguments, if any, replace the case files of
# step 3 (paths relative to /tests), e.g. `run.sh vm/suite.sh diff/list.cases`.
# Every step's elapsed time is listed at the end.
cd /tests || exit 2
. /tests/vm/lib.sh

fail=0
times=
t0=$(date +%s)
suite_start=$t0
step_name=
# step NAME: end the running step (its time goes to the list), start NAME
step() {
    _now=$(date +%s)
    [ -n "$step_name" ] && times="$times$(printf '%6ss  %s' $((_now - t0)) "$step_name")
"
    t0=$_now step_name=$*
    [ -n "$step_name" ] && printf '\n==== %s\n' "$*"
}
printf 'kernel %s (%s)\n' "$(uname -r)" "${VM_RELEASE:-bookworm}"

if [ -f diff/noipvs.cases ]; then
    step "differential cases without IPVS (diff/noipvs.cases)"
    sh diff/run-cases.sh --no-ipvs diff/noipvs.cases || fail=1
fi

# The library's kernel test for a kernel without IPVS, while ip_vs is
# still unloaded: made unloadable, then acknowledged by the variable.
for t in /bin-extra/kernel*; do
    [ -x "$t" ] || continue
    step "rust kernel tests without IPVS: ${t##*/} no_module"
    if hide_ipvs; then
        IPVS_TEST_NO_MODULE=1 "$t" --include-ignored --exact no_module || fail=1
        unhide_ipvs
    else
        fail=1
    fi
done

step "loading ip_vs"
load_ipvs || fail=1

if [ $# -gt 0 ]; then
    files="$*"
else
    files=
    for f in diff/*.cases; do
        [ -f "$f" ] && [ "$f" != diff/noipvs.cases ] && files="$files $f"
    done
fi
if [ -n "$files" ]; then
    step "differential cases ($(echo $files | wc -w) files)"
    echo "files:$files"
    # shellcheck disable=SC2086 # word splitting wanted
    sh diff/run-cases.sh $files || fail=1
fi

# Random command lines against the reference (tests/fuzz/random_cases.py;
# test.sh writes them with the commit's seed, on the default kernel).
if [ $# -eq 0 ] && [ -f /files-extra/random.cases ]; then
    step "random differential ($(head -n 1 /files-extra/random.cases | sed 's/.*random_cases.py //'); $(grep -c '^ipvsadm \|^printf ' /files-extra/random.cases) lines)"
    sh diff/run-cases.sh /files-extra/random.cases || {
        fail=1
        echo "random differential failed; again with: tests/fuzz/differential.sh $(awk 'NR == 1 { print $NF, $(NF - 1) }' /files-extra/random.cases)"
    }
fi

# Our own subcommands: real-server and director preparation.
if [ $# -eq 0 ]; then
    step "sync daemon stopped before its thread ran (daemon/stop-race.sh)"
    sh daemon/stop-race.sh || fail=1
    step "realserver/director preparation (net/realserver.sh)"
    sh net/realserver.sh || fail=1
    step "network namespaces (net/netns.sh)"
    sh net/netns.sh || fail=1
    step "traffic tests (net/run.sh)"
    sh net/run.sh || fail=1
    if [ "${VM_RELEASE:-bookworm}" = bookworm ]; then
        step "ipvsadm apply (apply/run.sh, ${APPLY_PAIRS:-30} random table pairs)"
        sh apply/run.sh "${APPLY_PAIRS:-30}" || fail=1
    else
        step "ipvsadm apply: skipped (its random pairs run on bookworm's kernel only)"
    fi
fi

# Missing only when suite.sh was started without test.sh (run.sh alone).
if [ -x /bin-extra/ipvs-extern ]; then
    step "library in a program outside the workspace (extern/check.sh)"
    sh extern/check.sh /bin-extra/ipvs-extern || fail=1
else
    step "library in a program outside the workspace: skipped, not built (tests/vm/test.sh builds it)"
fi

for t in /bin-extra/kernel*; do
    [ -x "$t" ] || continue
    # A hung test fails its step (and names itself in the log) instead of
    # running into the VM's time budget; they take seconds.
    step "rust kernel tests: ${t##*/}"
    timeout 300 "$t" --test-threads=1 --include-ignored --skip no_module --skip non_root || fail=1
    step "rust kernel tests as user nobody: ${t##*/} non_root"
    IPVS_TEST_NONROOT=1 timeout 300 /tests/vm/bin/as_nobody "$t" --include-ignored --exact non_root || fail=1
done

if [ -x /trixie/ipvsadm/ipvsadm ] && [ $# -eq 0 ]; then
    step "trixie's ipvsadm 1:1.31-5 against the reference (diff/trixie/*.cases)"
    OURS_DIR=/trixie/ipvsadm sh diff/run-cases.sh diff/trixie/*.cases || fail=1
fi

step
printf '\nelapsed per step:\n%s%6ss  in all\n' "$times" $(($(date +%s) - suite_start))
printf '\n==== suite on %s: %s\n' "$(uname -r)" "$([ $fail = 0 ] && echo PASSED || echo FAILED)"
exit $fail
