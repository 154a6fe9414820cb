#!/bin/sh
# tests/apply/traffic.sh: `ipvsadm apply` under live traffic, INSIDE the
# test VM (busybox sh, as root; tests/apply/run.sh calls it; alone:
# tests/vm/run.sh apply/traffic.sh). Uses the NAT cluster of
# tests/net/topology.sh (namespaces and bridges only).
#
# In place: with a TCP connection open through a NAT service, apply a
# table that changes that service's scheduler and weights, adds and
# removes other servers of it and other services. The connection carries
# data afterwards, its connection entry still names the same server, the
# kept services and servers keep their counters (`--stats --exact`, read
# before and after, no traffic in between) and their order in `--nosort`.
#
# Continuity: a client opens new connections to the VIP in a loop while a
# 2,000-service table (the VIP's service last) is applied again with
# changes to other services: no attempt fails. The same loop while the
# reference clears and restores the same table (`-C`, `-R`, as Debian's
# reload does) must see failures, which shows that the loop can tell.
# Exits 1 if any check failed.
. /tests/vm/lib.sh
. /tests/net/topology.sh

W=/tmp/apply-traffic
rm -rf $W && mkdir -p $W || exit 2
ipvs_loaded || load_ipvs >/dev/null || exit 2
net_up nat || { echo "FAIL: cannot build the topology"; net_down; exit 1; }

same() { # DESC A B
    if cmp -s "$2" "$3"; then net_ok "$1"; else net_fail "$1"; diff "$2" "$3" | head -20 | sed 's/^/  | /'; fi
}
# stats FILE: every service and server line of --stats --exact
stats() { ref -L -n --stats --exact | awk '$1 == "TCP" || $1 == "->" && $2 != "RemoteAddress:Port"' >"$1"; }
# order FILE: the services and servers of --nosort, in the kernel's order
order() { ref -L -n --nosort | awk 'NR > 3 { print $1, $2 }' >"$1"; }
# settle: the kernel folds its per-CPU counters in every 2 seconds
settle() { sleep 3; }

# ---------------------------------------------------------------- in place
cat >$W/a <<EOF
-A -t $VIP:80 -s rr
-a -t $VIP:80 -r $RS1_IP:80 -m -w 1
-a -t $VIP:80 -r $RS2_IP:80 -m -w 1
-A -t $VIP:9000 -s rr
-a -t $VIP:9000 -r $RS1_IP:9000 -m -w 1
-a -t $VIP:9000 -r $RS2_IP:9000 -m -w 1
-a -t $VIP:9000 -r 192.168.10.9:9000 -m -w 0
-A -t 10.0.0.2:80 -s wlc
-a -t 10.0.0.2:80 -r 192.168.10.9:80 -m -w 1
EOF
cat >$W/b <<EOF
-A -t $VIP:80 -s wlc
-a -t $VIP:80 -r $RS1_IP:80 -m -w 3
-a -t $VIP:80 -r $RS2_IP:80 -m -w 2
-A -t $VIP:9000 -s wlc
-a -t $VIP:9000 -r $RS1_IP:9000 -m -w 3
-a -t $VIP:9000 -r $RS2_IP:9000 -m -w 2
-a -t $VIP:9000 -r 192.168.10.8:9000 -m -w 0
-A -t 10.0.0.3:80 -s rr
-a -t 10.0.0.3:80 -r 192.168.10.8:80 -m -w 1
EOF
ref -C && ref -R <$W/a || net_fail "the reference loads A"

got=$(fetch 4 | xargs)
[ "$got" = "rs2 rs1 rs2 rs1" ] || net_fail "answers before apply \"$got\""
# A listener on port 9000 in each real server; the service picks one.
# Its input stays open (busybox nc closes the connection at its EOF).
for rs in rs1 rs2; do
    sleep 60 | ip netns exec $rs timeout 60 nc -l -p 9000 >$W/$rs.got 2>/dev/null &
done
usleep 300000
# The client sends "one", waits for the go file, then sends "two".
ip netns exec client sh -c "{ echo one; while [ ! -e $W/go ]; do usleep 100000; done; echo two; sleep 5; } |
    timeout 60 nc $VIP 9000" >/dev/null 2>&1 &
client=$!
i=0
until grep -q one $W/rs1.got $W/rs2.got 2>/dev/null; do
    i=$((i + 1)); [ $i -ge 50 ] && break; usleep 100000
done
conn_of() { ref -L -c -n | awk -v v="$VIP:9000" '$5 == v { print $1, $3, $4, $5, $6 }'; }
conn_before=$(conn_of)
net_wait_conns ref "$VIP:9000" 1 && net_wait_conns ref "$VIP:80" 4 || net_fail "counters never showed the traffic"
settle
stats $W/stats-before
order $W/order-before

ours apply $W/b >$W/out 2>&1
rc=$?
[ $rc -eq 0 ] && [ ! -s $W/out ] && net_ok "apply under traffic: exit 0, silent" ||
    { net_fail "apply under traffic: exit 0, silent (rc $rc)"; sed 's/^/  | /' $W/out; }
ref -S -n | sort >$W/got
sort $W/b >$W/want
same "the table is B's" $W/want $W/got

conn_after=$(conn_of)
if [ "${conn_before#*ESTABLISHED}" != "$conn_before" ] && [ "$conn_before" = "$conn_after" ]; then
    net_ok "the open connection keeps its entry: $conn_after"
else
    net_fail "the open connection keeps its entry: before \"$conn_before\", after \"$conn_after\""
fi
settle
stats $W/stats-after
# Kept objects only: the lines of each side whose address B and A both have.
keep='NR == FNR { for (f = 1; f <= NF; f++) have[$f] = 1; next } $2 in have'
awk "$keep" $W/b $W/stats-before | grep -v -e 10.0.0.2: -e 192.168.10.9: >$W/kept-before
awk "$keep" $W/a $W/stats-after | grep -v -e 10.0.0.3: -e 192.168.10.8: >$W/kept-after
if [ "$(wc -l <$W/kept-before)" -eq 6 ] && awk '$1 == "TCP" && $3 == 0 { bad = 1 } END { exit bad }' $W/kept-before; then
    same "kept services and servers keep their counters" $W/kept-before $W/kept-after
else
    net_fail "the counters before apply show the traffic:"; sed 's/^/  | /' $W/kept-before
fi
order $W/order-after
grep -v -e 10.0.0.2: -e 192.168.10.9: $W/order-before >$W/o1
grep -v -e 10.0.0.3: -e 192.168.10.8: $W/order-after >$W/o2
same "kept services and servers keep their --nosort order" $W/o1 $W/o2

touch $W/go
i=0
until grep -q two $W/rs1.got $W/rs2.got 2>/dev/null; do
    i=$((i + 1)); [ $i -ge 50 ] && break; usleep 100000
done
if grep -q one $W/rs1.got && grep -q two $W/rs1.got ||
    grep -q one $W/rs2.got && grep -q two $W/rs2.got; then
    net_ok "the connection opened before apply carries data after it"
else
    net_fail "the connection opened before apply carries data after it"
    head $W/rs1.got $W/rs2.got | sed 's/^/  | /'
fi
kill $client 2>/dev/null
killall nc sleep 2>/dev/null


# -------------------------------------------------------------- continuity
# 1,999 other services of 10 servers each (addresses nobody uses), then
# the VIP's; the second table changes two weights in each of 20 other
# services and the scheduler of 10 of them.
big() {
    awk -v vip="$VIP" -v rs1="$RS1_IP" -v rs2="$RS2_IP" -v change="$1" 'BEGIN {
        for (s = 0; s < 1999; s++) {
            v = "10.2." int(s / 250) "." s % 250 + 1 ":80"
            sched = (change && s % 100 == 0) ? "rr" : "wlc"
            print "-A -t " v " -s " sched
            for (d = 0; d < 10; d++) {
                w = (change && s % 100 < 2 && d < 2) ? 5 : 1
                print "-a -t " v " -r 172.16." d "." s % 250 + 1 ":8080 -m -w " w
            }
        }
        print "-A -t " vip ":80 -s rr"
        print "-a -t " vip ":80 -r " rs1 ":80 -m -w 1"
        print "-a -t " vip ":80 -r " rs2 ":80 -m -w 1"
    }'
}
net_log "continuity: generating and restoring 2,000 services"
big 0 >$W/t1
big 1 >$W/t2
ours -C && ours -R <$W/t1 || net_fail "restoring the 2,000-service table"
net_log "continuity: restored"

# during NAME COMMAND...: run COMMAND while the client loops; sets
# tries (attempts that ended while COMMAND ran) and errors (those that
# failed).
during() {
    log=$W/loop.$1
    shift
    rm -f $W/stop
    ip netns exec client sh -c "while [ ! -e $W/stop ]; do
        timeout 3 wget -q -O - http://$VIP/ 2>/dev/null || echo ERROR; done" >$log &
    loop=$!
    i=0
    until [ -s $log ]; do i=$((i + 1)); [ $i -ge 100 ] && break; usleep 100000; done
    start=$(wc -l <$log)
    t0=$(cut -d' ' -f1 /proc/uptime)
    "$@" >$W/out 2>&1 || { echo "  | $* failed:"; sed 's/^/  | /' $W/out | head -5; }
    t1=$(cut -d' ' -f1 /proc/uptime)
    end=$(wc -l <$log)
    touch $W/stop
    wait $loop
    tries=$(sed -n "$((start + 1)),${end}p" $log | wc -l)
    errors=$(sed -n "$((start + 1)),${end}p" $log | grep -c ERROR)
    net_log "$t0 .. $t1 s: $tries attempts, $errors failed"
}
during apply ours apply $W/t2
if [ "$tries" -ge 1 ] && [ "$errors" -eq 0 ]; then
    net_ok "apply of 2,000 services: $tries connections during it, none failed"
else
    net_fail "apply of 2,000 services: $tries connections during it, $errors failed"
fi
ref -S -n | sort >$W/got
sort $W/t2 >$W/want
same "after apply the table is the second one" $W/want $W/got
reload() { ref -C && ref -R <$W/t2; }
during reload reload
if [ "$errors" -ge 1 ]; then
    net_ok "the reference's -C and -R: $errors of $tries connections during it failed"
else
    net_fail "the reference's -C and -R: no failure seen in $tries connections"
fi

ref -C
net_down
echo "# apply/traffic.sh: $net_fails failed"
[ "$net_fails" -eq 0 ]
