#!/bin/sh
# tests/net/methods.sh: NAT, DR and TUN proven with real traffic,
# run INSIDE the test VM (tests/vm/run.sh net/methods.sh).
#
# For each method (nat -m, dr -g, tun -i), in the topology of topology.sh:
#  - the real servers are prepared (prepare_realserver, twice: the second
#    run must change nothing) and the director is configured with OUR
#    ipvsadm: rr, rs1 added before rs2;
#  - 6 GETs of the VIP from the client must be answered rs2 rs1 rs2 rs1 rs2
#    rs1 (round robin; the kernel's rr starts at the most recently added
#    server);
#  - `--stats` must have moved: 6 connections, 3 per server, packets in;
#    packets out only for NAT (with DR and TUN replies bypass the director);
#  - after `-C` and unprepare_realserver the real servers' addresses, links,
#    routes and sysctls (rs_state) must be what they were before.
# Then, on the NAT cluster: wrr with weights 3:1 must split 8 GETs 6:2, and
# a persistent rr service (-p) must send every GET of the client to one
# server. Exits 1 if anything failed.
. /tests/vm/lib.sh
. /tests/net/topology.sh

ipvs_loaded || load_ipvs >/dev/null || exit 2

svc=$VIP:80

# expect_answers WHAT EXPECTED GOT
expect_answers() {
    if [ "$2" = "$3" ]; then net_ok "$1: answers $3"; else
        net_fail "$1: answers \"$3\", expected \"$2\""; fi
}

method_case() { # METHOD FLAG
    m=$1 flag=$2
    net_log "method $m"
    net_up "$m" || { net_fail "$m: cannot build the topology"; return; }
    before1=$(rs_state rs1) before2=$(rs_state rs2)
    case $before1 in *conf/all/arp_ignore:*) ;; *) net_fail "$m: rs_state is incomplete: $before1" ;; esac

    prepare_realserver "$m" "$VIP" rs1 && prepare_realserver "$m" "$VIP" rs2 ||
        net_fail "$m: prepare_realserver failed"
    net_log "$m: prepared"
    after1=$(rs_state rs1)
    prepare_realserver "$m" "$VIP" rs1 || net_fail "$m: second prepare_realserver failed"
    [ "$(rs_state rs1)" = "$after1" ] || net_fail "$m: a second prepare_realserver changed rs1"

    ours -A -t "$svc" -s rr &&
        ours -a -t "$svc" -r "$RS1_IP:80" "$flag" &&
        ours -a -t "$svc" -r "$RS2_IP:80" "$flag" || net_fail "$m: configuring the director failed"

    net_log "$m: fetching"
    expect_answers "$m rr" "rs2 rs1 rs2 rs1 rs2 rs1" "$(fetch 6 | xargs)"

    net_log "$m: waiting for counters"
    net_wait_conns ours "$svc" 6
    all=$(net_stats ours "$svc")
    s=$(net_stats_of "$svc" "$all") d1=$(net_stats_of "$RS1_IP:80" "$all") d2=$(net_stats_of "$RS2_IP:80" "$all")
    set -- $s
    if [ "$1" = 6 ] && [ "$2" -ge 18 ] && [ "${d1%% *}" = 3 ] && [ "${d2%% *}" = 3 ] &&
        { { [ "$m" = nat ] && [ "$3" -ge 12 ]; } || { [ "$m" != nat ] && [ "$3" = 0 ]; }; }; then
        net_ok "$m rr: --stats moved: service $s; rs1 $d1; rs2 $d2"
    else
        net_fail "$m rr: --stats (conns inpkts outpkts inbytes outbytes): service $s; rs1 $d1; rs2 $d2"
        ours -L -n --stats --exact
    fi

    net_log "$m: tearing down"
    ours -C || net_fail "$m: ipvsadm -C failed"
    unprepare_realserver "$m" "$VIP" rs1 && unprepare_realserver "$m" "$VIP" rs2 ||
        net_fail "$m: unprepare_realserver failed"
    for rs in rs1 rs2; do
        eval "b=\$before${rs#rs}"
        now=$(rs_state $rs)
        if [ "$now" = "$b" ]; then net_ok "$m: $rs is back as it was"; else
            net_fail "$m: $rs is not back as it was:"
            printf '%s\n' "$b" >/tmp/net-before
            printf '%s\n' "$now" >/tmp/net-after
            diff -u /tmp/net-before /tmp/net-after
        fi
    done
}

method_case dr -g
method_case tun -i
method_case nat -m   # the cluster stays wired for NAT for the two cases below

# weighted: wrr 3:1 over 8 requests
net_log "wrr"
ours -A -t "$svc" -s wrr &&
    ours -a -t "$svc" -r "$RS1_IP:80" -m -w 3 &&
    ours -a -t "$svc" -r "$RS2_IP:80" -m -w 1 || net_fail "wrr: configuring the director failed"
got=$(fetch 8 | sort | uniq -c | xargs)
expect_answers "wrr 3:1" "6 rs1 2 rs2" "$got"
ours -C

net_log "persistence"
# persistence: every connection of the one client to one server
ours -A -t "$svc" -s rr -p 60 &&
    ours -a -t "$svc" -r "$RS1_IP:80" -m &&
    ours -a -t "$svc" -r "$RS2_IP:80" -m || net_fail "persistence: configuring the director failed"
got=$(fetch 5 | xargs)
expect_answers "rr -p 60" "rs2 rs2 rs2 rs2 rs2" "$got"
ours -C
net_down

if [ $net_fails = 0 ]; then echo "methods: PASSED"; exit 0; fi
echo "methods: FAILED ($net_fails)"
exit 1
