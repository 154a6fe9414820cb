#!/bin/sh
# tests/bench/bench.sh: the reference ipvsadm against ours on large tables,
# run INSIDE the test VM (host entry point: tests/bench/run.sh, or
# `tests/vm/run.sh bench/bench.sh`). A benchmark, not a test: it prints
# times and ratios; it fails only if the two tools' outputs differ.
#
# For each size SERVICESxDESTS it generates one rule file (-A lines, each
# followed by its -a lines) and measures, alternating reference and ours
# (reference first), best of RUNS runs each:
#   restore   ipvsadm -R < rules, into a fresh network namespace (so an
#             empty IPVS table; BENCH_SETTLE seconds pause after each, as
#             the kernel tears the namespace down in the background)
#   list      ipvsadm -L -n
#   stats     ipvsadm -L -n --stats
#   save      ipvsadm -S -n
# and checks that the table each tool restored saves identically, and that
# -L -n and -S -n print the same bytes with both tools. Then `apply`
# (ours only; BENCH_APPLY=0 skips it), each against the live table:
#   apply, no change    the live table's own rules again
#   apply, 1% change    1% of the services each lose a server, gain one and
#                       change the weight of up to two others; half of
#                       them switch scheduler (undone untimed after each)
#   apply, N sched      only N schedulers switched (N = 1% of services):
#                       what one switch costs, an RCU grace period each
#   reload (-C, -R)     the reference's clear and restore of the 1%
#                       change, as Debian's reload does (once: it is slow)
# as ratios to ours -S -n of the same size and run, and to the reload;
# with peak RSS (busybox time) of ours -S -n and of the 1% change.
# Peak RSS (busybox time) of ours and the reference's -L -n at each size.
# "memory" (a step like "startup", not in the default list): peak RSS of
# ours -R of 10 MB and of 100 MB of input, and the reference's of 10 MB;
# the input adds and deletes one service in turns, each line padded with
# blanks to 120 bytes (so that 100 MB stays minutes, not hours, of kernel
# work under TCG).
# Start-up: SINGLE invocations of one `-A` each (from an empty table)
# and SINGLE_LIST of `-L -n` on an empty table, in blocks of BLOCK per tool,
# alternating. Small blocks, so that the VM's speed drifting between
# blocks hits every tool alike: with blocks of 100, two identical builds
# came out 4% apart (0.961 and 0.972 in one run).
#
# With BASE_DIR (a second build of ours, the baseline: tests/bench/run.sh
# with BENCH_BASELINE), every operation also runs the baseline, right
# beside ours and in turns (baseline first in one round, ours first in the
# next), so a burst of host load hits both alike; the table gains the
# baseline's times, its ratio to the reference and ours/baseline, and the
# baseline's outputs must be the bytes ours prints.
#
# Timing: /proc/uptime (10 ms steps; every measured span is far longer).
# The CPU may be shared, so compare ratios within one run, not times
# across runs.
#
# Environment (defaults in brackets):
#   BENCH_SIZES "2000x10 startup 20000x2" (steps in order; "startup" is the
#   single-invocation part)   BENCH_RUNS 3 (per op, sizes < 10000
#   services)   BENCH_RUNS_LARGE 1  BENCH_SINGLE 1000  BENCH_SINGLE_LIST 200
#   BENCH_BLOCK 10   BENCH_SETTLE 5   BENCH_APPLY 1   REF_DIR /ref/ipvsadm   OURS_DIR /ours/ipvsadm
#   BASE_DIR (none: no baseline)
. /tests/vm/lib.sh

REF=${REF_DIR:-/ref/ipvsadm}/ipvsadm
OURS=${OURS_DIR:-/ours/ipvsadm}/ipvsadm
BASE=${BASE_DIR:+$BASE_DIR/ipvsadm}
SIZES=${BENCH_SIZES:-2000x10 startup 20000x2}
RUNS=${BENCH_RUNS:-3}
RUNS_LARGE=${BENCH_RUNS_LARGE:-1}
SINGLE=${BENCH_SINGLE:-1000}
SINGLE_LIST=${BENCH_SINGLE_LIST:-200}
BLOCK=${BENCH_BLOCK:-10}
SETTLE=${BENCH_SETTLE:-5}
APPLY=${BENCH_APPLY:-1}
W=/tmp/bench
mkdir -p $W
fail=0

ipvs_loaded || load_ipvs >/dev/null || exit 2

# Milliseconds since boot.
now() {
    read -r up _ </proc/uptime
    echo $((${up%.*} * 1000 + 1${up#*.}0 - 1000))
}

# gen SERVICES DESTS: rules in the order ipvsadm -S writes them.
gen() {
    awk -v ns="$1" -v nd="$2" 'BEGIN {
        for (s = 0; s < ns; s++) {
            vip = "10." int(s / 62500) "." int(s / 250) % 250 "." s % 250 + 1 ":80"
            print "-A -t " vip " -s wlc"
            for (d = 0; d < nd; d++)
                print "-a -t " vip " -r 172.16." d "." s % 250 + 1 ":8080 -m -w 1"
        }
    }'
}

# change FRACTION SCHED_ONLY < RULES: RULES (as gen writes them) with one
# service in FRACTION changed: unless SCHED_ONLY, its first server
# replaced by a new one and the next one's weight changed, and every
# other changed service (every one if SCHED_ONLY) switched to rr.
change() {
    awk -v every="$1" -v sched_only="$2" '
        /^-A/ { s++; hit = ((s - 1) % every == 0); sw = hit && (sched_only || (s - 1) % (2 * every) == 0); d = 0 }
        /^-A/ && sw { sub(/-s wlc/, "-s rr") }
        /^-a/ { d++ }
        /^-a/ && hit && !sched_only && d == 1 {
            svc = $3; next_addr = $5; sub(/^172\.16\.[0-9]+\./, "172.17.0.", next_addr)
            print "-a -t " svc " -r " next_addr " -m -w 2"; next
        }
        /^-a/ && hit && !sched_only && d <= 3 { sub(/-w 1$/, "-w 3") }
        { print }'
}

# best NAME MS: remember the smallest time per NAME (shell variables).
best() {
    eval "cur=\${best_$1:-}"
    if [ -z "$cur" ] || [ "$2" -lt "$cur" ]; then eval "best_$1=$2"; fi
}

# timed NAME CMD...: run CMD (stdout to $W/NAME.out), record its time.
timed() {
    _name=$1; shift
    _t0=$(now)
    "$@" >"$W/$_name.out" 2>"$W/$_name.err"
    _rc=$?
    _t1=$(now)
    [ $_rc = 0 ] || { echo "bench: $* exited $_rc" >&2; head -n 3 "$W/$_name.err" >&2; fail=1; }
    best "$_name" $((_t1 - _t0))
}

ratio() { # ratio NEW OLD
    awk -v n="$1" -v o="$2" 'BEGIN { if (o > 0) printf "%.3f", n / o; else print "-" }'
}

row() { # row OP SIZE REF_MS OURS_MS [BASE_MS]
    r=$(ratio "$4" "$3")
    if [ -z "$BASE" ]; then
        printf '| %-22s | %-9s | %9s | %9s | %6s |\n' "$1" "$2" "$3" "$4" "$r"
        echo "bench: result: $1 | $2 | $3 ms | $4 ms | $r" >&2
    else
        rb=$(ratio "$5" "$3") rn=$(ratio "$4" "$5")
        printf '| %-22s | %-9s | %9s | %9s | %9s | %8s | %8s | %9s |\n' \
            "$1" "$2" "$3" "$5" "$4" "$rb" "$r" "$rn"
        echo "bench: result: $1 | $2 | ref $3 ms | base $5 ms | ours $4 ms | base/ref $rb | ours/ref $r | ours/base $rn" >&2
    fi
}

# tools ROUND: the tools of one round in the order they run: the
# reference first (as without a baseline), then baseline and ours,
# swapping places every round so neither always runs right after the
# reference.
tools() {
    if [ -z "$BASE" ]; then echo ref ours
    elif [ $(($1 % 2)) = 0 ]; then echo ref base ours
    else echo ref ours base
    fi
}

bin_of() { # bin_of TOOL: the executable of ref, base or ours
    case $1 in ref) echo "$REF" ;; base) echo "$BASE" ;; *) echo "$OURS" ;; esac
}

same() { # same WHAT FILE1 FILE2
    if cmp -s "$2" "$3"; then
        echo "bench: identical: $1 ($(wc -l <"$2") lines)"
    else
        echo "bench: DIFFERENT: $1" >&2
        diff "$2" "$3" | head -n 10 >&2
        fail=1
    fi
}

# single_block TOOL FROM N WHAT: N invocations of TOOL; WHAT "add": one
# -A each, services FROM.. ; WHAT "list": -L -n each.
single_block() {
    _tool=$1 _from=$2 _n=$3 _what=$4
    _j=0
    while [ $_j -lt "$_n" ]; do
        if [ "$_what" = add ]; then
            _s=$((_from + _j))
            $_tool -A -t "10.200.$((_s / 250)).$((_s % 250 + 1)):80" -s rr || return 1
        else
            $_tool -L -n >/dev/null || return 1
        fi
        _j=$((_j + 1))
    done
}

# single WHAT TOTAL: TOTAL invocations per tool in blocks of BLOCK,
# alternating; the table is cleared before each block. Prints ref, ours
# and baseline total ms (the last 0 without a baseline).
single() {
    _what=$1 _total=$2 _done=0 _round=0 _ms_ref=0 _ms_ours=0 _ms_base=0
    while [ $_done -lt "$_total" ]; do
        _n=$BLOCK; [ $((_done + _n)) -gt "$_total" ] && _n=$((_total - _done))
        for _t in $(tools $_round); do
            $REF -C
            _t0=$(now)
            single_block "$(bin_of "$_t")" "$_done" "$_n" "$_what" || { echo "bench: $_t $_what failed" >&2; fail=1; }
            _t1=$(now)
            eval "_ms_$_t=\$((_ms_$_t + _t1 - _t0))"
        done
        _done=$((_done + _n))
        _round=$((_round + 1))
    done
    $REF -C
    echo "$_ms_ref $_ms_ours $_ms_base"
}

startup() {
    if [ "$SINGLE" -gt 0 ]; then
        # shellcheck disable=SC2046 # three numbers, split on purpose
        set -- $(single add "$SINGLE")
        row "single -A (start-up)" "${SINGLE}×" "$1" "$2" "$3" >>$W/table
    fi
    if [ "$SINGLE_LIST" -gt 0 ]; then
        # shellcheck disable=SC2046
        set -- $(single list "$SINGLE_LIST")
        row "-L -n, empty table" "${SINGLE_LIST}×" "$1" "$2" "$3" >>$W/table
    fi
}

: >$W/table
: >$W/apply_table
: >$W/apply_notes
: >$W/rss_notes

# peak TOOL ARGS...: the peak RSS in KiB of one run (output discarded).
peak() { peak_in /dev/null "$@"; }

# peak_in FILE TOOL ARGS...: the same with FILE as standard input.
# busybox time takes ru_maxrss for pages and multiplies by the page size
# in KiB (4): divided back here (checked against /proc/PID/status VmHWM).
peak_in() {
    f=$1
    shift
    busybox time -f %M -o $W/peak "$@" >/dev/null 2>&1 <"$f"
    echo $(($(cat $W/peak) / 4))
}

# memory: the peak RSS of restores of 10 MB and 100 MB.
memory() {
    for mb in 10 100; do
        awk -v lines=$((mb * 1024 * 1024 / 120)) 'BEGIN {
            pad = sprintf("%100s", "")
            for (i = 0; i < lines; i += 2) {
                print substr("-A -t 10.0.0.1:80 -s rr" pad, 1, 119)
                print substr("-D -t 10.0.0.1:80" pad, 1, 119)
            }
        }' >$W/mem$mb
    done
    $REF -C
    ours10=$(peak_in $W/mem10 "$OURS" -R)
    ours100=$(peak_in $W/mem100 "$OURS" -R)
    ref10=$(peak_in $W/mem10 "$REF" -R)
    rm -f $W/mem10 $W/mem100
    echo "memory: peak RSS of -R: ours $ours10 KiB at 10 MB, $ours100 KiB at 100 MB; reference $ref10 KiB at 10 MB" >>$W/rss_notes
    echo "bench: memory: done" >&2
}

# apply_step SIZE SERVICES RUNS: the apply rows, in the namespace whose
# live table is $W/rules (restored by the reference above).
apply_step() {
    every=100; [ "$2" -lt 100 ] && every=1
    change $every 0 <$W/rules >$W/rules_1pct
    change $every 1 <$W/rules >$W/rules_sched
    nsched=$(grep -c '^-A.*-s rr' $W/rules_sched)
    for n in nochange change sched; do eval "best_apply_$n="; done
    best_reload=
    i=0
    while [ $i -lt "$3" ]; do
        timed apply_nochange "$OURS" apply $W/rules
        timed apply_change "$OURS" apply $W/rules_1pct
        "$OURS" apply $W/rules
        timed apply_sched "$OURS" apply $W/rules_sched
        "$OURS" apply $W/rules
        i=$((i + 1))
    done
    "$OURS" apply $W/rules_1pct
    "$OURS" -S -n >$W/apply_got
    $REF -C
    $REF -R <$W/rules_1pct
    $REF -S -n >$W/reload_got
    same "$1: table after apply of the 1% change / after the reference's -C, -R" $W/reload_got $W/apply_got
    $REF -C
    $REF -R <$W/rules
    timed reload sh -c "$REF -C && $REF -R <$W/rules_1pct"
    "$OURS" apply $W/rules
    rss_save=$(peak "$OURS" -S -n)
    "$OURS" apply $W/rules
    rss_apply=$(peak "$OURS" apply $W/rules_1pct)
    rss_ref=$(peak "$REF" -S -n)
    "$OURS" apply $W/rules
    # shellcheck disable=SC2154 # best_* are set by best(), through eval
    {
        arow "apply, no change" "$1" "$best_apply_nochange" "$best_save_ours" "$best_reload"
        arow "apply, 1% change" "$1" "$best_apply_change" "$best_save_ours" "$best_reload"
        arow "apply, $nsched sched" "$1" "$best_apply_sched" "$best_save_ours" "$best_reload"
        arow "reload (-C, -R), ref" "$1" "$best_reload" "$best_save_ours" "$best_reload"
    } >>$W/apply_table
    {
        echo "$1: one scheduler switch costs $(awk -v a="$best_apply_sched" -v b="$best_apply_nochange" -v n="$nsched" 'BEGIN { printf "%.1f", (a - b) / n }') ms (apply of $nsched switches less apply of no change, over $nsched)"
        echo "$1: peak RSS: ours -S -n $rss_save KiB, ours apply (1% change) $rss_apply KiB, reference -S -n $rss_ref KiB"
    } >>$W/apply_notes
}
arow() { # arow OP SIZE MS SAVE_MS RELOAD_MS
    printf '| %-22s | %-9s | %9s | %12s | %10s |\n' "$1" "$2" "$3" "$(ratio "$3" "$4")" "$(ratio "$3" "$5")"
    echo "bench: result: $1 | $2 | $3 ms | /ours -S -n $(ratio "$3" "$4") | /ref reload $(ratio "$3" "$5")" >&2
}

# restore1.sh TOOL RULES SNAPSHOT OURS, run in a fresh network namespace:
# prints the ms of `TOOL -R <RULES`, saves the table with OURS -S -n (its -S
# is compared with the reference's below). A fresh namespace per run, not
# -C: flushed destinations stay in the kernel's per-namespace "trash" for a
# minute, and every NEW_DEST scans that list, so a restore right after a
# flush of the same table measures the kernel's trash walk, not the tool.
# The table is flushed (untimed) before the namespace goes: the kernel
# tears a namespace down in the background, and freeing 20,000 services
# there could overlap the next run's restore (and hold the IPVS mutex
# it needs); flushed first, that work is done before the next run starts.
cat >$W/restore1.sh <<'EOS'
ip link set lo up
read -r a _ </proc/uptime
"$1" -R <"$2" >/dev/null 2>"$2.err" || { head -n 3 "$2.err" >&2; exit 1; }
read -r b _ </proc/uptime
"$4" -S -n >"$3"
"$4" -C
ms() { echo $((${1%.*} * 1000 + 1${1#*.}0 - 1000)); }
echo $(($(ms "$b") - $(ms "$a")))
EOS
for size in $SIZES; do
    if [ "$size" = startup ]; then
        startup
        continue
    fi
    if [ "$size" = memory ]; then
        memory
        continue
    fi
    ns=${size%x*}; nd=${size#*x}
    runs=$RUNS; [ "$ns" -ge 10000 ] && runs=$RUNS_LARGE
    gen "$ns" "$nd" >$W/rules
    echo "bench: $size: $(wc -l <$W/rules) rule lines, $runs run(s) per tool and operation"
    for op in restore list stats save; do
        for t in ref ours base; do eval "best_${op}_$t="; done
    done
    i=0
    while [ $i -lt "$runs" ]; do
        for t in $(tools $i); do
            ms=$(unshare -n sh $W/restore1.sh "$(bin_of "$t")" $W/rules "$W/table_$t" "$OURS")
            [ -n "$ms" ] || { echo "bench: $t -R failed" >&2; fail=1; ms=0; }
            best "restore_$t" "$ms"
            sleep "$SETTLE"
        done
        i=$((i + 1))
    done
    # The table listed below, restored in this namespace.
    $REF -C
    $REF -R <$W/rules
    same "$size: table restored by ref / by ours" $W/table_ref $W/table_ours
    [ -n "$BASE" ] && same "$size: table restored by ours / by baseline" $W/table_ours $W/table_base
    i=0
    while [ $i -lt "$runs" ]; do
        for op in list stats save; do
            case $op in
            list) set -- -L -n ;;
            stats) set -- -L -n --stats ;;
            save) set -- -S -n ;;
            esac
            for t in $(tools $i); do timed "${op}_$t" "$(bin_of "$t")" "$@"; done
        done
        i=$((i + 1))
    done
    same "$size: -L -n" $W/list_ref.out $W/list_ours.out
    same "$size: -S -n" $W/save_ref.out $W/save_ours.out
    # --stats counters are all zero here (no traffic), so they compare too.
    same "$size: -L -n --stats" $W/stats_ref.out $W/stats_ours.out
    if [ -n "$BASE" ]; then
        same "$size: -L -n, ours / baseline" $W/list_ours.out $W/list_base.out
        same "$size: -S -n, ours / baseline" $W/save_ours.out $W/save_base.out
        same "$size: -L -n --stats, ours / baseline" $W/stats_ours.out $W/stats_base.out
    fi
    echo "$size: peak RSS of -L -n: ours $(peak "$OURS" -L -n) KiB, reference $(peak "$REF" -L -n) KiB" >>$W/rss_notes
    [ "$APPLY" = 1 ] && apply_step "$size" "$ns" "$runs"
    echo "bench: $size: done"
    # shellcheck disable=SC2154 # best_* are set by best(), through eval
    {
        row "restore (-R)" "$size" "$best_restore_ref" "$best_restore_ours" "$best_restore_base"
        row "list (-L -n)" "$size" "$best_list_ref" "$best_list_ours" "$best_list_base"
        row "list --stats" "$size" "$best_stats_ref" "$best_stats_ours" "$best_stats_base"
        row "save (-S -n)" "$size" "$best_save_ref" "$best_save_ours" "$best_save_base"
    } >>$W/table
    $REF -C
done

echo
if [ -z "$BASE" ]; then
    echo "| operation              | size      |    ref ms |   ours ms |  ratio |"
    echo "|------------------------|-----------|-----------|-----------|--------|"
else
    echo "| operation              | size      |    ref ms |   base ms |   ours ms | base/ref | ours/ref | ours/base |"
    echo "|------------------------|-----------|-----------|-----------|-----------|----------|----------|-----------|"
fi
cat $W/table
echo
if [ -s $W/apply_table ]; then
    echo "| apply (ours)           | size      |        ms | /ours -S -n  | /ref reload |"
    echo "|------------------------|-----------|-----------|--------------|-------------|"
    cat $W/apply_table
    echo
    cat $W/apply_notes
    echo
fi
[ -s $W/rss_notes ] && { cat $W/rss_notes; echo; }
[ $fail = 0 ] && echo "bench: outputs identical" || echo "bench: FAILED (see above)"
exit $fail
