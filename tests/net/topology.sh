# tests/net/topology.sh: a small LVS cluster in network namespaces, for the
# traffic tests that run INSIDE the test VM (source it from busybox sh:
# . /tests/net/topology.sh). Nothing here leaves the VM: namespaces, veth
# pairs and bridges only.
#
#   net_init          build it (namespaces, bridges, veths, httpds)
#   net_up METHOD     wire it for nat, dr or tun (calls net_init if needed)
#   net_down          tear it down (httpd stopped, namespaces deleted)
#   prepare_realserver METHOD VIP NS / unprepare_realserver METHOD VIP NS
#                     real-server preparation, undone exactly (see below)
#   fetch N           N HTTP GETs of the VIP from the client, one line each:
#                     the name of the real server that answered, or ERROR
#   rs_state NS       the real server's addresses, links, routes and the
#                     sysctls preparation may touch, to compare before/after
#   ours ARGS / ref ARGS   our ipvsadm / the reference, in the director
#
# Namespaces: `switch` holds the bridges; `client`, `director`, `rs1`, `rs2`
# have one veth each per segment (eth0, and eth1 on the director for NAT).
# Each real server runs busybox httpd on port 80 serving a page that is just
# its name ("rs1\n").
#
#   always  front 10.0.0.0/24 (br-front): client 10.0.0.100, director
#        10.0.0.254 plus the VIP 10.0.0.1/32; back 192.168.10.0/24
#        (br-back): director 192.168.10.254 (eth1).
#   NAT  rs1 192.168.10.1, rs2 192.168.10.2 on br-back, default gateway
#        the director; director ip_forward=1.
#   DR, TUN  rs1 10.0.0.11, rs2 10.0.0.12 on br-front, the client's
#        segment; director ip_forward=0. The real servers learn the VIP
#        only from prepare_realserver.
#
# IPv6 is disabled in every namespace so that link-local addresses and DAD
# do not make rs_state change under our feet.

NET_RUN=${NET_RUN:-/run/net-test}
NET_DIR=${NET_DIR:-/tests/net}
NET_NS="client director rs1 rs2"
OURS_IPVSADM=${OURS_DIR:-/ours/ipvsadm}/ipvsadm
REF_IPVSADM=${REF_DIR:-/ref/ipvsadm}/ipvsadm
VIP=10.0.0.1
CLIENT_IP=10.0.0.100

ours() { ip netns exec director "$OURS_IPVSADM" "$@"; }
ref() { ip netns exec director "$REF_IPVSADM" "$@"; }

# _ns_add NS: a namespace with lo up and IPv6 off for every new interface
_ns_add() {
    ip netns add "$1" || return 1
    ip netns exec "$1" sh -c '
        echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
        echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
        ip link set lo up'
}

# _plug NS IFNAME BRIDGE ADDR/LEN: a veth from NS (named IFNAME there) into
# BRIDGE in the switch namespace (switch-side name NS-IFNAME)
_plug() {
    ip -n switch link add "$1-$2" type veth peer name "$2" netns "$1" &&
        ip -n switch link set "$1-$2" master "$3" up &&
        ip -n "$1" addr add "$4" dev "$2" &&
        ip -n "$1" link set "$2" up
}

# net_init: namespaces, bridges, veths, the director's addresses, the
# httpds. Done once per script (namespace creation and deletion are the
# slow part under TCG); net_up then only re-plugs and re-addresses.
net_init() {
    net_down
    net_log "net_init"
    mkdir -p "$NET_RUN" || return 1
    _ns_add switch || return 1
    ip -n switch link add br-front type bridge &&
        ip -n switch link set br-front up &&
        ip -n switch link add br-back type bridge &&
        ip -n switch link set br-back up || return 1
    for ns in $NET_NS; do _ns_add "$ns" || return 1; done
    _plug client eth0 br-front "$CLIENT_IP/24" &&
        _plug director eth0 br-front 10.0.0.254/24 &&
        ip -n director addr add "$VIP/32" dev eth0 &&
        _plug director eth1 br-back 192.168.10.254/24 &&
        _plug rs1 eth0 br-back 192.168.10.1/24 &&
        _plug rs2 eth0 br-back 192.168.10.2/24 || return 1
    # Connections of an earlier case whose real server is gone are expired
    # on their next packet instead of swallowing a new connection that
    # happens to reuse their client port.
    ip netns exec director sh -c 'echo 1 >/proc/sys/net/ipv4/vs/expire_nodest_conn' || return 1
    for rs in rs1 rs2; do
        mkdir -p "$NET_RUN/www/$rs" && echo "$rs" >"$NET_RUN/www/$rs/index.html" || return 1
        # ip netns exec execs httpd in place, so $! is httpd's pid
        ip netns exec "$rs" httpd -f -p 80 -h "$NET_RUN/www/$rs" </dev/null &
        echo $! >"$NET_RUN/$rs.httpd.pid"
    done
    # wait until both answer locally (and serve the right page)
    for rs in rs1 rs2; do
        n=0
        until [ "$(ip netns exec "$rs" timeout 2 wget -q -O - http://127.0.0.1/ 2>/dev/null)" = "$rs" ]; do
            n=$((n + 1))
            [ $n -ge 50 ] && { echo "net_init: httpd in $rs does not answer" >&2; return 1; }
            usleep 100000
        done
    done
    NET_METHOD=none
}

# net_up METHOD: wire the cluster for nat, dr or tun (net_init first if
# needed): sets RS1_IP, RS2_IP.
net_up() {
    [ -e /run/netns/switch ] || net_init || return 1
    net_log "net_up $1"
    case $1 in
    nat) RS1_IP=192.168.10.1 RS2_IP=192.168.10.2 br=br-back fwd=1 ;;
    dr | tun) RS1_IP=10.0.0.11 RS2_IP=10.0.0.12 br=br-front fwd=0 ;;
    *) echo "net_up: unknown method $1" >&2; return 2 ;;
    esac
    NET_METHOD=$1
    printf 'link set rs1-eth0 master %s\nlink set rs2-eth0 master %s\n' $br $br |
        ip -n switch -batch - || return 1
    for rs in "rs1 $RS1_IP" "rs2 $RS2_IP"; do
        {
            echo "addr flush dev eth0"
            echo "addr add ${rs#* }/24 dev eth0"
            [ $1 = nat ] && echo "route add default via 192.168.10.254"
        } | ip -n "${rs% *}" -batch - || return 1
    done
    # NAT needs forwarding on the director: our `director` subcommand turns
    # it on (recorded) and its teardown puts back what was there before.
    if [ $fwd = 1 ]; then
        ip netns exec director "$OURS_IPVSADM" director setup --method nat >/dev/null
    else
        ip netns exec director "$OURS_IPVSADM" director teardown >/dev/null &&
            ip netns exec director sh -c "echo 0 >/proc/sys/net/ipv4/ip_forward"
    fi
}

# net_down: stop the httpds, delete the namespaces (their veths go with them)
net_down() {
    for rs in rs1 rs2; do
        if [ -f "$NET_RUN/$rs.httpd.pid" ]; then
            kill "$(cat "$NET_RUN/$rs.httpd.pid")" 2>/dev/null
            rm -f "$NET_RUN/$rs.httpd.pid"
        fi
    done
    for ns in $NET_NS switch; do
        [ -e "/run/netns/$ns" ] && ip netns del "$ns"
    done
    rm -rf "$NET_RUN"
    return 0
}

# fetch N: N requests to http://VIP/ from the client, each a new TCP
# connection, one line per answer (the real server's name, or ERROR).
# busybox wget's own -T crashes, hence timeout(1).
fetch() {
    ip netns exec client sh -c '
        i=0
        while [ $i -lt "$1" ]; do
            timeout 5 wget -q -O - "http://$2/" 2>/dev/null || echo ERROR
            i=$((i + 1))
        done' fetch "$1" "$VIP"
}

# rs_state NS: what "the real server is back as it was" compares.
# (One grep for all sysctls: every exec costs ~0.1 s or more under TCG, and
# ash's read builtin fails on /proc/sys files.)
rs_state() {
    ip netns exec "$1" sh -c '
        ip -o -4 addr show
        # -br: no qdisc (bringing tunl0 up and down leaves noqueue for noop)
        ip -br link show
        ip -4 route show
        cd /proc/sys/net/ipv4 || exit 1
        for d in all default lo eth0 tunl0; do
            [ -d "conf/$d" ] &&
                set -- "$@" "conf/$d/arp_ignore" "conf/$d/arp_announce" "conf/$d/rp_filter"
        done
        grep -H "" ip_forward "$@"'
}

# ------------------------------------------------------------------------
# Real-server preparation, done by our binary's `realserver` subcommand,
# run inside the real server's namespace; it records what it
# changed (under /run, per namespace) and teardown undoes exactly that.
# A NAT real server needs nothing but its default route via the director,
# which the topology sets, so `nat` changes nothing here.
#
# _realserver setup|teardown METHOD VIP NS
_realserver() {
    [ "$2" = nat ] && return 0
    if [ "$1" = setup ]; then
        ip netns exec "$4" "$OURS_IPVSADM" realserver setup --vip "$3" --method "$2" >/dev/null
    else
        ip netns exec "$4" "$OURS_IPVSADM" realserver teardown --vip "$3" >/dev/null
    fi
}
prepare_realserver() { _realserver setup "$@"; }
unprepare_realserver() { _realserver teardown "$@"; }
# ------------------------------------------------------------------------

# ------------------------------------------------------------------------
# Helpers for the test scripts.
net_fails=0
# net_log MSG: progress on stderr, with the VM's uptime
net_log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*" >&2; }
net_ok() { echo "ok: $*"; }
net_fail() { echo "FAIL: $*"; net_fails=$((net_fails + 1)); }

# net_stats TOOL SERVICE: the "conns inpkts outpkts inbytes outbytes" of
# SERVICE (addr:port, TCP) then of each real server, from
# `TOOL -L -n --stats --exact -t SERVICE` (TOOL is ours or ref), one line
# each, the server's addr:port first: "10.0.0.1:80 6 37 0 2398 0"
net_stats() {
    "$1" -L -n --stats --exact -t "$2" |
        awk '$1 == "TCP" || $1 == "->" && $2 != "RemoteAddress:Port" { print $2, $3, $4, $5, $6, $7 }'
}
# net_stats_of ADDR:PORT STATS: the five numbers of ADDR:PORT in STATS
net_stats_of() {
    printf '%s\n' "$2" | awk -v a="$1" '$1 == a { print $2, $3, $4, $5, $6 }'
}

# net_wait_conns TOOL SERVICE N: wait (up to ~8 s) until the service shows
# at least N connections. The 6.1 kernel folds its per-CPU counters into
# what it reports only every 2 seconds (the estimator timer), so counters
# read right after traffic lag behind.
net_wait_conns() {
    _i=0
    while :; do
        set -- "$1" "$2" "$3" "$(net_stats "$1" "$2" | awk '{ print $2; exit }')"
        [ "${4:-0}" -ge "$3" ] && return 0
        _i=$((_i + 1))
        [ $_i -ge 16 ] && return 1
        usleep 500000
    done
}
