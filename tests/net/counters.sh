#!/bin/sh
# tests/net/counters.sh: the traffic views of ours and the reference after
# real traffic (issue 4), run INSIDE the test VM
# (tests/vm/run.sh net/counters.sh).
#
# A NAT service (rr, rs1 and rs2) is configured with OUR ipvsadm in the
# director namespace of topology.sh and the client fetches the VIP N times.
# Then:
#  - the counters must match what was sent: `--stats --exact` (reference)
#    shows exactly N connections for the service and N/2 per server, at
#    least 3 packets in and 2 out per connection, bytes both ways; the rate
#    view shows non-zero bytes/s in, so what is compared below holds real
#    numbers, not zeros;
#  - ours and the reference must print the same stdout, stderr and exit
#    status for each view in VIEWS (then again, with the VIEWS_P views,
#    after the service was made persistent and fetched again).
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
#    read is retried, at most COUNTERS_TRIES times (default 8); never
#    getting two equal reference reads fails too;
#  - except for the connection table (-c): its expiry column ticks every
#    second, and under TCG on a busy host three ipvsadm runs take 1-5 s, so
#    two equal reference reads are rare. For -c, when the reference reads
#    differ, the reads are accepted if they have the same rows and every row
#    is byte-identical in all three except the expiry, and ours's expiry
#    lies between the two reference values (the only thing that truly
#    changes between two reads). Otherwise retried as above.
# Nothing else is retried, filtered or masked.
. /tests/vm/lib.sh
. /tests/net/topology.sh

ipvs_loaded || load_ipvs >/dev/null || exit 2

N=4
svc=$VIP:80
tries=${COUNTERS_TRIES:-8}
out=/tmp/net-counters
rm -rf "$out" && mkdir -p "$out" || exit 2

VIEWS='-L -n
-L -n --stats
-L -n --stats --exact
-L -n --rate
-L -n --rate --exact
-L -n --stats -t 10.0.0.1:80
-L -n --rate -t 10.0.0.1:80
-L -n -t 10.0.0.1:80
-L -c -n'
VIEWS_P='-L -n
-L -n --persistent-conn
-L -n --stats --exact
-L -c -n
-L -c -n --persistent-conn'

# read3 ARGS: reference, ours, reference into $out/ref1 ours ref2, each as
# "stdout / --- stderr / --- exit N", in one shell inside the director
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
        if [ $i -ge "$tries" ]; then
            net_fail "ipvsadm $*: the reference never read the same twice in $tries tries; last two reads:"
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

net_up nat || { echo "counters: cannot build the topology"; net_down; exit 1; }
ours -A -t "$svc" -s rr &&
    ours -a -t "$svc" -r "$RS1_IP:80" -m &&
    ours -a -t "$svc" -r "$RS2_IP:80" -m || net_fail "configuring the director failed"

net_log "sending $N requests"
got=$(fetch $N | xargs)
[ "$got" = "rs2 rs1 rs2 rs1" ] || net_fail "answers \"$got\", expected \"rs2 rs1 rs2 rs1\""

net_log "waiting for the counters"
net_wait_conns ref "$svc" $N || net_fail "the service's connection counter never reached $N"
all=$(net_stats ref "$svc")
d1=$(net_stats_of "$RS1_IP:80" "$all") d2=$(net_stats_of "$RS2_IP:80" "$all")
set -- $(net_stats_of "$svc" "$all")
if [ "$1" = $N ] && [ "$2" -ge $((3 * N)) ] && [ "$3" -ge $((2 * N)) ] &&
    [ "$4" -gt 0 ] && [ "$5" -gt 0 ] &&
    [ "${d1%% *}" = $((N / 2)) ] && [ "${d2%% *}" = $((N / 2)) ]; then
    net_ok "counters match the traffic: conns inpkts outpkts inbytes outbytes = $*"
else
    net_fail "counters do not match $N connections (conns inpkts outpkts inbytes outbytes = $*):"
    ref -L -n --stats --exact
fi
inbps=$(ref -L -n --rate --exact -t "$svc" | awk '$1 == "TCP" { print $6 }')
[ "${inbps:-0}" -gt 0 ] && net_ok "rate: $inbps bytes/s in" || {
    net_fail "the rate view shows no traffic:"
    ref -L -n --rate --exact
}

net_log "comparing views"
compare_views "$VIEWS"

# persistence: the same service made persistent, fetched again; the
# connection table now holds the persistence template too
net_log "persistent service"
ours -E -t "$svc" -s rr -p 60 || net_fail "ipvsadm -E -p failed"
got=$(fetch 2 | xargs)
case $got in "rs1 rs1" | "rs2 rs2") ;; *) net_fail "persistent answers \"$got\"" ;; esac
net_wait_conns ref "$svc" $((N + 2)) || net_fail "the connection counter never reached $((N + 2))"
ref -L -c -n | grep -q " $CLIENT_IP:0 " && net_ok "-c shows the persistence template" ||
    net_fail "no persistence template ($CLIENT_IP:0) in -c"
compare_views "$VIEWS_P"

ours -C
# NET_KEEP=1 (net/run.sh): leave the namespaces for the next script
[ "${NET_KEEP:-0}" = 1 ] || net_down
if [ "$net_fails" = 0 ]; then echo "counters: PASSED"; exit 0; fi
echo "counters: FAILED ($net_fails)"
exit 1
