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

online() { # 0|1: every CPU but cpu0 (a VM of one CPU has none)
    for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
        [ -f "$c" ] || continue
        echo "$1" >"$c" || return 1
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

# fresh: no daemon of either role, an empty kernel log
fresh() {
    "$OURS" --stop-daemon master >/dev/null 2>&1
    "$OURS" --stop-daemon backup >/dev/null 2>&1
    dmesg -c >/dev/null
}

# judge WHAT STATE SYNCID TOOL answers|waits: after a start and a stop of
# a STATE daemon (syncid SYNCID) by TOOL, whose stop gave $out and $rc:
# the race was hit, the daemon is gone, and the stop answered at once
# (exit 0, silent) or was still waiting when killed after 5 s
judge() {
    if ! raced "$2" "$3"; then
        fail "$1: the thread ran before the stop (race not hit)"
    elif ! no_daemon "$4"; then
        fail "$1: the daemon is still there"
    elif [ "$5" = answers ] && [ $rc = 0 ] && [ -z "$out" ]; then
        pass "$1: exit 0, silent, daemon gone"
    elif [ "$5" = waits ] && { [ $rc = 143 ] || [ $rc = 124 ]; }; then
        pass "$1: still waiting after 5 s (killed, exit $rc), daemon gone"
    else
        fail "$1: exit $rc, output: $out"
    fi
}

# Start and stop under SCHED_FIFO, the stop killed after 5 s; one
# command line each, then both as lines of one -R.
for state in master backup; do
    for tool in "$OURS" "$REF"; do
        fresh
        out=$(chrt -f 50 sh -c "'$tool' --start-daemon $state --mcast-interface lo --syncid 31 &&
            exec timeout 5 '$tool' --stop-daemon $state" 2>&1)
        rc=$?
        if [ "$tool" = "$OURS" ]; then
            judge "ours: --stop-daemon $state before its thread ran" $state 31 "$tool" answers
        else
            judge "reference: --stop-daemon $state before its thread ran" $state 31 "$tool" waits
        fi
    done
    fresh
    out=$(printf -- '--start-daemon %s --mcast-interface lo --syncid 32\n--stop-daemon %s\n' $state $state |
        chrt -f 50 timeout 5 "$OURS" -R 2>&1)
    rc=$?
    judge "ours -R: a $state daemon started and stopped by two lines" $state 32 "$OURS" answers
done

echo "# stop-race: $fails failed"
[ $fails = 0 ]
