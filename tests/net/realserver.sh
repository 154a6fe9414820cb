#!/bin/sh
# tests/net/realserver.sh setup|teardown METHOD VIP RECORD
#
# Stand-in for `ipvsadm realserver` (issue 5) used by tests/net/topology.sh
# until that subcommand exists: run INSIDE the real server's network
# namespace (ip netns exec NS sh realserver.sh ...). The usual recipes:
#   dr   VIP/32 on lo; arp_ignore=1, arp_announce=2 (all), so the real
#        server neither answers ARP for the VIP nor announces it
#   tun  ipip loaded, tunl0 up with VIP/32; rp_filter=0 on all and tunl0
#        (decapsulated packets come in on tunl0, the route back to the
#        client is eth0); arp_ignore/arp_announce as for dr, because in
#        our topology the real servers share the client's segment
#   nat  nothing on the real server (its gateway is the director: topology)
# Setup reads before it writes and appends to RECORD one undo line per
# change; running it again changes nothing. Teardown replays RECORD
# backwards and removes it, so only what setup changed is undone.
set -u
action=$1 method=$2 vip=$3 record=$4

# (builtins where it is easy: every exec costs ~0.1 s or more under TCG)

# set_sysctl KEY VALUE (KEY as a path under /proc/sys, dots for slashes)
set_sysctl() {
    f=/proc/sys/${1//.//}
    old=$(cat "$f") || exit 1   # (ash's read builtin fails on /proc/sys)
    [ "$old" = "$2" ] && return 0
    echo "$2" >"$f" || exit 1
    echo "sysctl $1 $old" >>"$record"
}

add_addr() { # ADDR DEV
    case $(ip -o -4 addr show dev "$2") in *" inet $1 "*) return 0 ;; esac
    ip addr add "$1" dev "$2" || exit 1
    echo "addr $1 $2" >>"$record"
}

link_up() { # DEV
    case $(ip -o link show dev "$1") in *"<UP,"* | *",UP,"* | *",UP>"*) return 0 ;; esac
    ip link set "$1" up || exit 1
    echo "linkdown $1" >>"$record"
}

arp_sysctls() {
    set_sysctl net.ipv4.conf.all.arp_ignore 1
    set_sysctl net.ipv4.conf.all.arp_announce 2
}

case $action in
setup)
    touch "$record" || exit 1
    case $method in
    nat) ;;
    dr)
        add_addr "$vip/32" lo
        arp_sysctls
        ;;
    tun)
        ip link show tunl0 >/dev/null 2>&1 || modprobe ipip || exit 1
        set_sysctl net.ipv4.conf.all.rp_filter 0
        set_sysctl net.ipv4.conf.tunl0.rp_filter 0
        arp_sysctls
        link_up tunl0
        add_addr "$vip/32" tunl0
        ;;
    *) echo "realserver.sh: unknown method $method" >&2; exit 2 ;;
    esac
    ;;
teardown)
    [ -f "$record" ] || exit 0
    tac "$record" | while read -r what a b; do
        case $what in
        sysctl) echo "$b" >"/proc/sys/${a//.//}" ;;
        addr) ip addr del "$a" dev "$b" ;;
        linkdown) ip link set "$a" down ;;
        esac || exit 1
    done || exit 1
    rm -f "$record"
    ;;
*) echo "usage: realserver.sh setup|teardown METHOD VIP RECORD" >&2; exit 2 ;;
esac
