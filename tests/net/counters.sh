#!/bin/sh
# tests/net/counters.sh: the traffic views of ours and the reference after
# real traffic, run INSIDE the test VM
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
# Counters, rates and expiry timers move on their own: each view is read
# reference, ours, reference, as tests/net/compare.sh explains (at most
# COUNTERS_TRIES times, default 8). Nothing else is retried, filtered or
# masked.
. /tests/vm/lib.sh
. /tests/net/topology.sh
. /tests/net/compare.sh

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
