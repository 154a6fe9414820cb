#!/bin/sh
# tests/daemon/stop-race.sh: a sync daemon stopped before its kernel thread
# first ran, INSIDE the test VM (busybox sh, as root):
#   tests/vm/run.sh daemon/stop-race.sh   (VM_BUILD=0 to skip cargo build)
#
# The kernel stops such a daemon all the same, but its DEL_DAEMON handler
# then returns EINTR (the thread's own exit code, as kthread_stop gives it
# for a thread that never ran), and netlink answers that one code with
# silence: no ack, no error. Debian's ipvsadm waits for a reply that never
# comes (D13 in the README). Asserts, for a master and a backup daemon:
#   - ours: `--stop-daemon` exits 0 at once and prints nothing, and a
#     `-R` line stopping a daemon started by the line before does too;
#   - the daemon is gone afterwards (-L --daemon prints nothing);
#   - the reference: still waiting after 5 s (killed), the daemon gone.
# The race is made certain: every CPU but cpu0 goes offline for the test,
# and the commands run under SCHED_FIFO, so the new thread (an ordinary
# kernel thread) cannot run before the stop. Every check first makes sure
# the race was hit: a sync thread logs "sync thread started" when it first
# runs, and that line must be missing from the kernel log.
# Exits 1 if any check failed.
cd /tests 2>/dev/null || true
. /tests/vm/lib.sh
ipvs_loaded || load_ipvs >/dev/null || exit 1

OURS=${OURS:-/ours/ipvsadm/ipvsadm}
REF=${REF:-/ref/ipvsadm/ipvsadm}
fails=0
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

online() { # 0|1: every CPU but cpu0
    for c in /sys/devices/system/cpu/cpu[1-9]*; do
        [ -f "$c/online" ] && echo "$1" >"$c/online"
    done
}
online 0 || { echo "stop-race: cannot take CPUs offline"; exit 1; }
trap 'online 1' EXIT
[ "$(grep -c '^processor' /proc/cpuinfo)" = 1 ] || { echo "stop-race: more than one CPU online"; exit 1; }

# raced STATE SYNCID: the kernel log shows the daemon's thread stopped
# and never started
raced() {
    _log=$(dmesg | grep 'IPVS: ')
    echo "$_log" | grep -q "stopping $1 sync thread" || { echo "# no stop of a $1 thread in the kernel log"; return 1; }
    ! echo "$_log" | grep -q "sync thread started: state = $(echo "$1" | tr a-z A-Z), .*syncid = $2,"
}

# no_daemon TOOL: -L --daemon prints nothing and exits 0
no_daemon() {
    _l=$("$1" -L --daemon 2>&1) && [ -z "$_l" ] || { echo "# -L --daemon: $_l"; return 1; }
}

# run TOOL STATE SYNCID: start then stop under SCHED_FIFO; sets $out
# (stop's stdout and stderr) and $rc (its exit status; the stop is killed
# after 5 s)
run() {
    "$OURS" --stop-daemon "$2" >/dev/null 2>&1
    dmesg -c >/dev/null
    out=$(chrt -f 50 sh -c "'$1' --start-daemon $2 --mcast-interface lo --syncid $3 &&
        exec timeout 5 '$1' --stop-daemon $2" 2>&1)
    rc=$?
}

for state in master backup; do
    run "$OURS" $state 31
    if ! raced $state 31; then
        fail "ours: $state daemon: the thread ran before the stop (race not hit)"
    elif [ $rc = 0 ] && [ -z "$out" ] && no_daemon "$OURS"; then
        pass "ours: --stop-daemon $state before its thread ran: exit 0, silent, daemon gone"
    else
        fail "ours: --stop-daemon $state before its thread ran: exit $rc, output: $out"
    fi

    "$OURS" --stop-daemon $state >/dev/null 2>&1
    dmesg -c >/dev/null
    out=$(printf -- '--start-daemon %s --mcast-interface lo --syncid 32\n--stop-daemon %s\n' $state $state |
        chrt -f 50 timeout 5 "$OURS" -R 2>&1)
    rc=$?
    if ! raced $state 32; then
        fail "ours -R: $state daemon: the thread ran before the stop (race not hit)"
    elif [ $rc = 0 ] && [ -z "$out" ] && no_daemon "$OURS"; then
        pass "ours -R: start and stop of a $state daemon: exit 0, silent, daemon gone"
    else
        fail "ours -R: start and stop of a $state daemon: exit $rc, output: $out"
    fi

    run "$REF" $state 33
    if ! raced $state 33; then
        fail "reference: $state daemon: the thread ran before the stop (race not hit)"
    elif [ $rc != 0 ] && [ $rc != 1 ] && [ $rc != 255 ] && no_daemon "$REF"; then
        pass "reference: --stop-daemon $state before its thread ran: still waiting after 5 s (exit $rc), daemon gone"
    else
        fail "reference: --stop-daemon $state before its thread ran: exit $rc (expected to be killed waiting), output: $out"
    fi
done

echo "# stop-race: $fails failed"
[ $fails = 0 ]
