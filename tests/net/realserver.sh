#!/bin/sh
# tests/net/realserver.sh: `ipvsadm realserver` and `ipvsadm director`
# against the real kernel, INSIDE the test VM (busybox sh, as root):
#   tests/vm/run.sh net/realserver.sh        (VM_BUILD=0 to skip cargo build)
#
# Each part runs in a fresh network namespace (lo up, a dummy eth0 with an
# address, like a plain host) and asserts:
#   - dry runs change nothing and write no record;
#   - setup makes the changes (checked with iproute2's `ip` and /proc/sys),
#     a second setup changes nothing and says so;
#   - teardown brings addresses, links and sysctls back exactly as before
#     (a snapshot comparison), and a second teardown has nothing to do;
#   - errors change nothing: not root (as_nobody), VIP on another
#     interface, missing interface, other method, bad arguments;
#   - two VIPs share the ARP sysctls: the last teardown restores them;
#   - status reports drift; director setup/check/teardown.
# Exits 1 if any check failed.
cd /tests 2>/dev/null || true
. /tests/vm/lib.sh

IPVSADM=${IPVSADM:-/ours/ipvsadm/ipvsadm}
# run NS ARGS...: ipvsadm in namespace NS; sets $out, $err, $rc
run() {
    _ns=$1; shift
    ip netns exec "$_ns" "$IPVSADM" "$@" >/tmp/rs.out 2>/tmp/rs.err
    rc=$?
    out=$(cat /tmp/rs.out); err=$(cat /tmp/rs.err)
}
run_nobody() {
    _ns=$1; shift
    ip netns exec "$_ns" as_nobody "$IPVSADM" "$@" >/tmp/rs.out 2>/tmp/rs.err
    rc=$?
    out=$(cat /tmp/rs.out); err=$(cat /tmp/rs.err)
}
has() { printf '%s\n' "$1" | grep -qF -- "$2"; }
show() { printf '  | %s\n' "$out" "$err" | sed '/^  | $/d'; }
sysctl_is() { [ "$(ip netns exec "$1" cat "/proc/sys/$2")" = "$3" ]; }

# snap NS [FILTER]: links (name, flags), addresses, and the sysctls we touch
snap() {
    ip netns exec "$1" sh -c '
        ip -o link show | sed "s/^[0-9]*: //; s/@[^:]*:/:/; s/ link\/.*//; s/ qdisc [^ ]*//; s/ group .*//"
        ip -o addr show | awk "{print \$2, \$3, \$4}"
        for f in /proc/sys/net/ipv4/conf/*/arp_ignore /proc/sys/net/ipv4/conf/*/arp_announce \
                 /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv4/ip_forward; do
            echo "$f $(cat "$f")"
        done' | grep -v "${2:-^$}"
}

# newns NAME [ADDR]: lo up, dummy eth0 with ADDR (192.168.10.2/24) up
newns() {
    ip netns add "$1" && ip netns exec "$1" sh -c "
        ip link set lo up &&
        ip link add eth0 type dummy &&
        ip addr add ${2:-192.168.10.2/24} dev eth0 &&
        ip link set eth0 up"
}

modprobe dummy 2>/dev/null

echo "# ---- DR, IPv4"
NS=rsdr
newns $NS || { echo "cannot create namespace"; exit 1; }
before=$(snap $NS)

run $NS realserver setup --vip 10.0.0.100 --method dr --dry-run
t "dry run exits 0" [ $rc = 0 ]
t "dry run lists the address" has "$out" "would add 10.0.0.100/32 to lo"
t "dry run lists arp_ignore" has "$out" "would set net.ipv4.conf.all.arp_ignore = 1 (now 0)"
t "dry run changes nothing" [ "$(snap $NS)" = "$before" ]
run $NS realserver status
t "dry run writes no record" has "$out" "nothing set up in this network namespace"

run_nobody $NS realserver setup --vip 10.0.0.100 --method dr --dry-run
t "dry run works without root" [ $rc = 0 ]
run_nobody $NS realserver setup --vip 10.0.0.100 --method dr
t "setup without root fails with 1" [ $rc = 1 ]
t "setup without root says why" has "$err" "permission denied"
t "setup without root changes nothing" [ "$(snap $NS)" = "$before" ]

run $NS realserver setup --vip 10.0.0.100 --method dr
show
t "setup exits 0" [ $rc = 0 ]
t "setup reports the address" has "$out" "added 10.0.0.100/32 to lo"
t "setup reports success" has "$out" "10.0.0.100 is set up for dr"
t "VIP is on lo as /32" sh -c "ip netns exec $NS ip -o addr show dev lo | grep -q 'inet 10.0.0.100/32'"
t "VIP is on no other interface" [ "$(ip netns exec $NS ip -o addr show | grep -c '10.0.0.100/')" = 1 ]
for k in all/arp_ignore:1 lo/arp_ignore:1 all/arp_announce:2 lo/arp_announce:2; do
    t "net.ipv4.conf.${k%%:*} = ${k#*:}" sysctl_is $NS "net/ipv4/conf/${k%%:*}" "${k#*:}"
done
t "record is plain text" sh -c "ip netns exec $NS sh -c 'cat /run/ipvsadm-realserver/net-*/10.0.0.100.state' | grep -q '^address lo 10.0.0.100/32 added$'"
after=$(snap $NS)

run $NS realserver setup --vip 10.0.0.100 --method dr
t "second setup exits 0" [ $rc = 0 ]
t "second setup says nothing changed" [ "$out" = "10.0.0.100 is already set up for dr; nothing changed" ]
t "second setup changes nothing" [ "$(snap $NS)" = "$after" ]

run $NS realserver status
t "status is clean" [ $rc = 0 ]
t "status shows the address" has "$out" "ok    10.0.0.100/32 on lo (added by setup)"
ip netns exec $NS sh -c 'echo 0 >/proc/sys/net/ipv4/conf/all/arp_ignore'
run $NS realserver status
show
t "status exits 3 on drift" [ $rc = 3 ]
t "status names the drifted sysctl" has "$out" "DRIFT net.ipv4.conf.all.arp_ignore = 0, should be 1"
t "status names the interface answering ARP" has "$out" "eth0 answers ARP requests for 10.0.0.100"
ip netns exec $NS sh -c 'echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore'

echo "# ---- errors change nothing"
ip netns exec $NS ip addr add 10.0.0.200/24 dev eth0
mid=$(snap $NS)
run $NS realserver setup --vip 10.0.0.200 --method dr
t "VIP on another interface: exit 1" [ $rc = 1 ]
t "VIP on another interface: message" has "$err" "10.0.0.200 is already on eth0 (as /24)"
run $NS realserver setup --vip 10.0.0.201 --method dr --interface nosuch0
t "missing interface: exit 1" [ $rc = 1 ]
t "missing interface: message" has "$err" "interface nosuch0 does not exist"
run $NS realserver setup --vip 10.0.0.100 --method tun
t "other method: exit 1" [ $rc = 1 ]
t "other method: message" has "$err" "10.0.0.100 is set up for dr; tear it down before setting it up for tun"
run $NS realserver setup --vip bogus --method dr
t "bad address: exit 2" [ $rc = 2 ]
run $NS realserver setup --vip 10.0.0.1 --method nat
t "bad method: exit 2" [ $rc = 2 ]
run $NS realserver
t "no subcommand: exit 2" [ $rc = 2 ]
run $NS realserver setup --help
t "--help exits 0" [ $rc = 0 ]
t "--help explains --method" has "$out" "--method <METHOD>"
t "errors changed nothing" [ "$(snap $NS)" = "$mid" ]
ip netns exec $NS ip addr del 10.0.0.200/24 dev eth0

echo "# ---- a second VIP shares the ARP sysctls"
run $NS realserver setup --vip 10.0.0.101 --method dr
t "second VIP: only its address" [ "$out" = "added 10.0.0.101/32 to lo
10.0.0.101 is set up for dr" ]
run $NS realserver teardown --vip 10.0.0.100 --dry-run
t "teardown dry run lists the removal" has "$out" "would remove 10.0.0.100/32 from lo"
t "teardown dry run changes nothing" sh -c "ip netns exec $NS ip -o addr show dev lo | grep -q 10.0.0.100/32"
run $NS realserver teardown --vip 10.0.0.100
show
t "teardown of the first exits 0" [ $rc = 0 ]
t "first VIP gone" sh -c "! ip netns exec $NS ip -o addr show | grep -q 10.0.0.100/"
t "shared sysctl kept for the second VIP" sysctl_is $NS net/ipv4/conf/all/arp_ignore 1
run $NS realserver teardown --vip 10.0.0.101
show
t "teardown of the last exits 0" [ $rc = 0 ]
t "last teardown restores everything" [ "$(snap $NS)" = "$before" ]
run $NS realserver teardown --vip 10.0.0.101
t "second teardown has nothing to do" [ $rc = 0 ]
t "second teardown says so" has "$out" "nothing recorded for 10.0.0.101"

echo "# ---- DR, IPv6"
run $NS realserver setup --vip 2001:db8::100 --method dr
show
t "IPv6 setup exits 0" [ $rc = 0 ]
t "IPv6 VIP on lo as /128, nodad" sh -c "ip netns exec $NS ip -o -6 addr show dev lo | grep '2001:db8::100/128' | grep -q nodad"
t "IPv6 VIP is not tentative" sh -c "! ip netns exec $NS ip -o -6 addr show dev lo | grep '2001:db8::100/128' | grep -q tentative"
t "IPv6 sets no ARP sysctls" sysctl_is $NS net/ipv4/conf/all/arp_ignore 0
run $NS realserver setup --vip 2001:db8::100 --method dr
t "IPv6 second setup changes nothing" has "$out" "already set up for dr; nothing changed"
run $NS realserver teardown --vip 2001:db8::100
t "IPv6 teardown restores everything" [ "$(snap $NS)" = "$before" ]
ip netns del $NS

echo "# ---- TUN, IPv4"
NS=rstun
newns $NS
# Loading ipip creates tunl0 in every namespace, and modules are never
# unloaded, so tunl0 itself is left out of the comparison; its state is
# checked directly.
before=$(snap $NS tunl0)
had_ipip=0; lsmod | grep -q '^ipip ' && had_ipip=1
run $NS realserver setup --vip 10.0.0.100 --method tun --dry-run
t "TUN dry run exits 0" [ $rc = 0 ]
if [ $had_ipip = 0 ]; then
    t "TUN dry run would load ipip" has "$out" "would load module ipip (/sbin/modprobe -- ipip)"
    t "TUN dry run loads nothing" sh -c "! lsmod | grep -q '^ipip '"
fi
run $NS realserver setup --vip 10.0.0.100 --method tun
show
t "TUN setup exits 0" [ $rc = 0 ]
t "tunl0 is up" sh -c "ip netns exec $NS ip -o link show tunl0 | grep -q '[<,]UP[,>]'"
t "VIP on tunl0 as /32" sh -c "ip netns exec $NS ip -o addr show dev tunl0 | grep -q 'inet 10.0.0.100/32'"
for k in all/rp_filter:0 tunl0/rp_filter:0 all/arp_ignore:1 all/arp_announce:2; do
    t "net.ipv4.conf.${k%%:*} = ${k#*:}" sysctl_is $NS "net/ipv4/conf/${k%%:*}" "${k#*:}"
done
after=$(snap $NS)
run $NS realserver setup --vip 10.0.0.100 --method tun
t "TUN second setup changes nothing" [ "$out" = "10.0.0.100 is already set up for tun; nothing changed" ]
t "TUN second setup: same state" [ "$(snap $NS)" = "$after" ]
run $NS realserver status
t "TUN status clean" [ $rc = 0 ]
run $NS realserver teardown --vip 10.0.0.100
show
t "TUN teardown exits 0" [ $rc = 0 ]
t "tunl0 is down again" sh -c "! ip netns exec $NS ip -o link show tunl0 | grep -q '[<,]UP[,>]'"
t "tunl0 has no VIP" sh -c "! ip netns exec $NS ip -o addr show dev tunl0 | grep -q 10.0.0.100"
t "TUN teardown restores everything else" [ "$(snap $NS tunl0)" = "$before" ]

echo "# ---- TUN, IPv6"
before=$(snap $NS 'tunl0\|ip6tnl0')
run $NS realserver setup --vip 2001:db8::100 --method tun
show
t "IPv6 TUN setup exits 0" [ $rc = 0 ]
t "ip6tnl0 up with the VIP" sh -c "ip netns exec $NS ip -o -6 addr show dev ip6tnl0 | grep -q '2001:db8::100/128'"
run $NS realserver teardown --vip 2001:db8::100
t "IPv6 TUN teardown exits 0" [ $rc = 0 ]
t "ip6tnl0 has no VIP" sh -c "! ip netns exec $NS ip -o addr show | grep -q 2001:db8::100"
t "IPv6 TUN teardown restores everything else" [ "$(snap $NS 'tunl0\|ip6tnl0')" = "$before" ]
ip netns del $NS

echo "# ---- director"
ipvs_loaded || modprobe ip_vs
NS=rsdir
newns $NS 192.168.10.1/24
before=$(snap $NS)
run $NS -A -t 10.0.0.100:80 -s rr
run $NS -a -t 10.0.0.100:80 -r 192.168.10.5:80 -m
run $NS director check
show
t "check warns (exit 3)" [ $rc = 3 ]
t "check: VIP not local" has "$out" "warning: TCP 10.0.0.100:80: 10.0.0.100 is not an address of this host"
t "check: forwarding off" has "$out" "warning: NAT real servers, but net.ipv4.ip_forward is 0"
run $NS director setup --method nat --dry-run
t "director dry run" [ "$out" = "would set net.ipv4.ip_forward = 1 (now 0)
dry run: nothing was changed" ]
t "director dry run changes nothing" sysctl_is $NS net/ipv4/ip_forward 0
run $NS director setup --method nat
t "director setup" [ "$out" = "set net.ipv4.ip_forward = 1 (was 0)
this director is set up for nat" ]
run $NS director setup --method nat
t "director second setup changes nothing" has "$out" "nothing changed"
ip netns exec $NS ip addr add 10.0.0.100/32 dev eth0
run $NS director check
show
t "check clean (exit 0)" [ $rc = 0 ]
t "check names the gateway the real server needs" has "$out" "the real server's default gateway must be"
run $NS -a -t 10.0.0.100:80 -r 192.168.10.6:80 -i
run $NS -a -t 10.0.0.100:80 -r 172.16.0.9:80 -g
run $NS director check
show
t "check: TUN MTU note" has "$out" "note: TCP 10.0.0.100:80 -> 192.168.10.6:80: TUN directly connected on eth0, MTU 1500"
t "check: DR without a route" has "$out" "warning: TCP 10.0.0.100:80 -> 172.16.0.9:80: no route to the real server"
run $NS -C
ip netns exec $NS ip addr del 10.0.0.100/32 dev eth0
run $NS director teardown
t "director teardown" [ "$out" = "set net.ipv4.ip_forward = 0 (was 1)
director is torn down" ]
t "director teardown restores everything" [ "$(snap $NS)" = "$before" ]
ip netns del $NS

echo "# realserver: $n checks, $fails failed"
[ $fails = 0 ]
