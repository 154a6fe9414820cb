# tests/net/compare.sh: compare a view of ours with the reference's while
# the kernel's numbers move, for the traffic tests that run INSIDE the test
# VM (source it from busybox sh after topology.sh: . /tests/net/compare.sh).
#
#   compare_view ARGS     read `ipvsadm ARGS` in the director as below;
#                         net_ok or net_fail (with the diff)
#   compare_views VIEWS   compare_view for each line of VIEWS
#
# The caller sets `out` (a scratch directory) and may set `tries` (the
# number of reads before giving up, default 8).
#
# Counters, rates and expiry timers move on their own. The kernel folds its
# counters and recomputes the rate estimates every 2 seconds, and the
# connection table's expiry column counts down each second. So each view is
# read reference, ours, reference back-to-back (one shell in the director,
# no exec in between but the three tools), and
#  - if the two reference reads are equal, nothing moved during the window
#    (these values only ever move one way between reads: counters grow,
#    rates decay after the traffic stopped, timers count down), so ours must
#    equal them: any difference fails at once, with the diff;
#  - if the two reference reads differ, a tick fell inside the window: the
#    read is retried, at most $tries times (default 8); never
#    getting two equal reference reads fails too;
#  - except for the connection table (-c): its expiry column ticks every
#    second, and under TCG on a busy host three ipvsadm runs take 1-5 s, so
#    two equal reference reads are rare. For -c, when the reference reads
#    differ, the reads are accepted if they have the same rows and every row
#    is byte-identical in all three except the expiry, and ours's expiry
#    lies between the two reference values (the only thing that truly
#    changes between two reads). Otherwise retried as above.
# Nothing else is retried, filtered or masked.

# read3 ARGS: reference, ours, reference into $out/ref1 ours ref2, each as
# "stdout / --- stderr / --- exit N", in one shell inside the director
# shellcheck disable=SC2154 # out is the caller's
read3() {
    ip netns exec director sh -c '
        o=$1 r=$2 ours=$3; shift 3
        for t in "ref1 $r" "ours $ours" "ref2 $r"; do
            ${t#* } "$@" >"$o/${t%% *}" 2>"$o/err"
            rc=$?
            { echo "--- stderr"; cat "$o/err"; echo "--- exit $rc"; } >>"$o/${t%% *}"
        done' read3 "$out" "$REF_IPVSADM" "$OURS_IPVSADM" "$@"
}

# expiry_between: are ref1, ours, ref2 the same connection table except for
# the expiry column, with ours's expiry between the two reference values?
expiry_between() {
    awk '
        FNR == 1 { f++ }
        { line[f, FNR] = $0; n[f] = FNR }
        function secs(s) { split(s, t, ":"); return t[1] * 60 + t[2] }
        END {
            if (f != 3 || n[1] != n[2] || n[2] != n[3]) exit 1
            re = "^[A-Z]+ +[0-9][0-9]+:[0-9][0-9] "
            for (i = 1; i <= n[1]; i++) {
                a = line[1, i]; o = line[2, i]; b = line[3, i]
                if (a == o && o == b) continue
                if (!match(a, re)) exit 1; pa = substr(a, 1, RLENGTH); ra = substr(a, RLENGTH + 1)
                if (!match(o, re)) exit 1; po = substr(o, 1, RLENGTH); ro = substr(o, RLENGTH + 1)
                if (!match(b, re)) exit 1; pb = substr(b, 1, RLENGTH); rb = substr(b, RLENGTH + 1)
                if (ra != ro || ro != rb || length(pa) != length(po) || length(po) != length(pb)) exit 1
                split(pa, x, " +"); ea = secs(x[2]); ta = x[1]
                split(po, x, " +"); eo = secs(x[2]); to = x[1]
                split(pb, x, " +"); eb = secs(x[2])
                if (ta != to || eo > ea || eo < eb) exit 1
            }
        }' "$out/ref1" "$out/ours" "$out/ref2"
}

# compare_view ARGS: see the top of the file
compare_view() {
    i=1
    while :; do
        read3 "$@"
        case " $* " in *" -c "*)
            if ! cmp -s "$out/ref1" "$out/ref2" && expiry_between; then
                net_ok "ipvsadm $* (read $i; expiry between the two reference reads)"
                return
            fi ;;
        esac
        if cmp -s "$out/ref1" "$out/ref2"; then
            if cmp -s "$out/ref1" "$out/ours"; then
                net_ok "ipvsadm $* (read $i)"
            else
                net_fail "ipvsadm $*: ours differs from the reference (stable reads):"
                diff -u -L "reference: ipvsadm $*" -L "ours" "$out/ref1" "$out/ours"
            fi
            return
        fi
        if [ $i -ge "${tries:-8}" ]; then
            net_fail "ipvsadm $*: the reference never read the same twice in ${tries:-8} tries; last two reads:"
            diff -u -L "reference, read 1" -L "reference, read 2" "$out/ref1" "$out/ref2"
            return
        fi
        i=$((i + 1))
    done
}

compare_views() { # VIEWS
    printf '%s\n' "$1" | while IFS= read -r v; do
        # shellcheck disable=SC2086 # the view's words
        compare_view $v
        echo "$net_fails" >"$out/fails"
    done
    net_fails=$(cat "$out/fails")
}
