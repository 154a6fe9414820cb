#!/bin/sh
# tests/net/netns.sh: `ipvsadm --netns NAME` against the real kernel,
# INSIDE the test VM (busybox sh, as root):
#   tests/vm/run.sh net/netns.sh        (VM_BUILD=0 to skip cargo build)
#
# Two namespaces made by `ip netns add`, a and b, hold different tables
# (and the root namespace keeps whatever it has). Asserts:
#   - reading: `ours --netns NS ARGS` prints exactly what
#     `ip netns exec NS ref ARGS` prints (stdout, stderr, status) for -L,
#     -S, --timeout, --stats, -c (expiry times masked), a single service,
#     bare `--netns NS`;
#   - changing: -A -E -D -a -e -d -C -R -Z --set through `--netns a`
#     change a only (read back with the reference in a, b and the root);
#   - errors change nothing anywhere: missing namespace (iproute2's text,
#     status 2), invalid name, --netns twice, non-root (as_nobody), a
#     --netns line inside -R input (the restore stops there);
#   - `realserver`/`director` with --netns act in that namespace.
# The root namespace holds a service of its own meanwhile (removed at the
# end), so that "root unchanged" means something.
# Tables stay small: the 6.1 kernel resumes a multi-message service dump
# at a position counted over every namespace's services.
# Exits 1 if any check failed.
cd /tests 2>/dev/null || true
. /tests/vm/lib.sh
ipvs_loaded || load_ipvs >/dev/null || exit 1

OURS=${OURS:-/ours/ipvsadm/ipvsadm}
REF=${REF:-/ref/ipvsadm/ipvsadm}

# ours ARGS...: our ipvsadm; sets $out, $err, $rc
ours() {
    "$OURS" "$@" >/tmp/ns.out 2>/tmp/ns.err
    rc=$?
    out=$(cat /tmp/ns.out); err=$(cat /tmp/ns.err)
}
not() { ! "$@"; }
# on_lo NS ADDR: ADDR/32 is on lo in NS (-: the root namespace)
on_lo() {
    if [ "$1" = - ]; then ip -o addr show dev lo; else ip -n "$1" -o addr show dev lo; fi |
        grep -q " $2/32 "
}
has_line() { printf '%s\n' "$1" | grep -qF -- "$2"; }
show() { printf '%s\n' "$out" "$err" "rc=$rc" | sed '/^$/d; s/^/  | /'; }

# same NS ARGS...: ours --netns NS ARGS == ip netns exec NS ref ARGS,
# byte for byte (stdout, stderr, exit status); MASK=1 hides -c expiry times.
# Rates and counters can change between two reads (the kernel's rate
# estimator ticks every 2 s, traffic may still be settling), so ours is
# read between two reads of the reference and accepted only when those
# two agree and ours equals them; else it is read again (8 tries).
same() {
    _ns=$1; shift
    _mask=cat
    [ "${MASK:-0}" = 1 ] && _mask="sed s/[0-9][0-9]:[0-9][0-9]/MM:SS/"
    _try=0
    while :; do
        ip netns exec "$_ns" "$REF" "$@" >/tmp/ns.o0 2>/tmp/ns.e0; _r0=$?
        "$OURS" --netns "$_ns" "$@" >/tmp/ns.o1 2>/tmp/ns.e1; _r1=$?
        ip netns exec "$_ns" "$REF" "$@" >/tmp/ns.o2 2>/tmp/ns.e2; _r2=$?
        $_mask </tmp/ns.o0 >/tmp/ns.m0
        $_mask </tmp/ns.o1 >/tmp/ns.m1; $_mask </tmp/ns.o2 >/tmp/ns.m2
        _try=$((_try + 1))
        if cmp -s /tmp/ns.m0 /tmp/ns.m2 && cmp -s /tmp/ns.e0 /tmp/ns.e2 && [ $_r0 = $_r2 ]; then
            break
        fi
        [ $_try -lt 8 ] || break
        sleep 1
    done
    if cmp -s /tmp/ns.m1 /tmp/ns.m2 && cmp -s /tmp/ns.e1 /tmp/ns.e2 && [ $_r1 = $_r2 ] &&
        cmp -s /tmp/ns.m0 /tmp/ns.m2; then
        pass "--netns $_ns $* is the reference's output in $_ns"
    else
        fail "--netns $_ns $* is the reference's output in $_ns"
        echo "  ours (rc=$_r1):"; sed 's/^/  < /' /tmp/ns.o1 /tmp/ns.e1
        echo "  ref (rc=$_r2):"; sed 's/^/  > /' /tmp/ns.o2 /tmp/ns.e2
    fi
}

# state NS: everything IPVS holds in NS (root: -), read by the reference
state() {
    if [ "$1" = - ]; then _in=; else _in="ip netns exec $1"; fi
    $_in "$REF" -S -n; $_in "$REF" -L -n --timeout; $_in "$REF" -L -n --daemon
}
# stats NS: the counters of NS's services, by the reference
stats() { ip netns exec "$1" "$REF" -L -n --stats --exact; }
unchanged() {
    t "$1: a unchanged" [ "$(state a)" = "$A" ]
    t "$1: b unchanged" [ "$(state b)" = "$B" ]
    t "$1: root unchanged" [ "$(state -)" = "$ROOT" ]
}
# only_a DESCRIPTION: a changed as expected ($A_WANT), b and root did not
only_a() {
    _got=$(ip netns exec a "$REF" -S -n)
    if [ "$_got" = "$A_WANT" ]; then pass "$1: a changed"; else
        fail "$1: a changed"; printf '  got:\n%s\n  want:\n%s\n' "$_got" "$A_WANT"
    fi
    t "$1: b unchanged" [ "$(state b)" = "$B" ]
    t "$1: root unchanged" [ "$(state -)" = "$ROOT" ]
}

# conn NS: one TCP connection attempt to 10.9.9.9:80 from inside NS, which
# IPVS schedules on the way out (a real server that never answers): a
# connection entry and non-zero counters. Needs `nc`; says if it worked.
conn() {
    ip netns exec "$1" nc -w 1 10.9.9.9 80 </dev/null >/dev/null 2>&1
    [ "$(ip netns exec "$1" cat /proc/net/ip_vs_conn | wc -l)" -gt 1 ]
}

# A namespace like a small host: lo up, a dummy d0 with 10.9.9.1/24 and the
# default route (the kernel refuses real servers it has no route to).
for ns in a b; do
    ip netns del "$ns" 2>/dev/null
    ip netns add "$ns" && ip netns exec "$ns" sh -c '
        ip link set lo up && ip link add d0 type dummy && ip link set d0 up &&
        ip addr add 10.9.9.1/24 dev d0 && ip route add default dev d0' || exit 1
done
command -v nc >/dev/null || echo "# no nc in the VM"
# The root namespace holds a service of its own while this runs.
"$REF" -A -t 10.2.0.1:80 -s rr 2>/dev/null && root_svc=1
ROOT=$(state -)
B=$(state b)

echo "# two namespaces with different tables"
ours --netns a -A -t 10.0.0.1:80 -s rr
t "-A through --netns a: status" [ $rc = 0 ]
t "-A through --netns a" [ -z "$out$err" ]
ours --netns a -a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 2
t "-a through --netns a" [ $rc = 0 ]
ours -A -u 10.0.0.2:53 -s wlc -p 300 --netns a
t "--netns after the command's options" [ $rc = 0 ]
ours --netns=a -A -t 10.9.9.9:80 -s rr
ours --netns=a -a -t 10.9.9.9:80 -r 10.9.9.10 -g
t "--netns=a" [ $rc = 0 ]
ours --netns a --set 100 20 30
t "--set through --netns a" [ $rc = 0 ]
A_WANT='-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 2
-A -t 10.9.9.9:80 -s rr
-a -t 10.9.9.9:80 -r 10.9.9.10:80 -g -w 1
-A -u 10.0.0.2:53 -s wlc -p 300'
only_a "building a's table"
ip netns exec b "$REF" -A -t 10.1.0.1:443 -s lc
ip netns exec b "$REF" -a -t 10.1.0.1:443 -r 192.168.1.5 -g
ip netns exec b "$REF" -A -f 7 -s sh
ip netns exec b "$REF" -A -t 10.9.9.9:80 -s wlc
ip netns exec b "$REF" -a -t 10.9.9.9:80 -r 10.9.9.11 -g
t "a's timeouts" [ "$(ip netns exec a "$REF" -L --timeout)" = \
    "Timeout (tcp tcpfin udp): 100 20 30" ]
t "b's table is b's" [ "$(ip netns exec b "$REF" -S -n | wc -l)" = 5 ]
t "root's table is untouched" [ "$(state -)" = "$ROOT" ]

if conn a && conn b; then
    pass "a connection entry in a and in b"
    have_conn=1
else
    echo "# no connection entries (nc missing?): -c and -Z compare empty tables"
    have_conn=0
fi
A=$(state a)
B=$(state b)

echo "# reading: byte-identical to the reference inside the namespace"
for ns in a b; do
    same $ns -L -n
    same $ns -L
    same $ns -S -n
    same $ns -S
    same $ns -L -n --timeout
    same $ns -L -n --stats --exact
    same $ns -L -n --rate
    same $ns -l -n -t 10.9.9.9:80
    MASK=1 same $ns -L -n -c
    MASK=1 same $ns -L -c
    same $ns -L -n --daemon
    same $ns
done
same a -L -n -t 10.1.0.1:443
ours --netns a
t "--netns alone lists (names): status" [ $rc = 0 ]
t "--netns alone lists (names)" [ "$out" = "$(ip netns exec a "$REF")" ]
unchanged "after reading"

echo "# changing a only"
ours --netns a -E -t 10.0.0.1:80 -s wrr
A_WANT=$(printf '%s\n' "$A_WANT" | sed 's/^-A -t 10.0.0.1:80 -s rr$/-A -t 10.0.0.1:80 -s wrr/')
only_a "-E"
ours --netns a -e -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 5
A_WANT=$(printf '%s\n' "$A_WANT" | sed 's/-m -w 2$/-m -w 5/')
only_a "-e"
ours -a --netns a -t 10.0.0.1:80 -r 192.168.0.2:8080 -m
ours --netns a -d -t 10.0.0.1:80 -r 192.168.0.2:8080
only_a "-a then -d"
ours --netns a -A -t 10.0.0.3:80
ours --netns a -D -t 10.0.0.3:80
only_a "-A then -D"
printf '%s\n' '-A -t 10.5.5.5:80 -s rr' '-a -t 10.5.5.5:80 -r 192.168.5.5 -m' |
    "$OURS" --netns a -R
t "-R through --netns a: status 0" [ $? = 0 ]
got=$(ip netns exec a "$REF" -S -n)
t "-R: a holds the restored service" has_line "$got" "-A -t 10.5.5.5:80 -s rr"
t "-R: and its real server" has_line "$got" "-a -t 10.5.5.5:80 -r 192.168.5.5:80 -m -w 1"
t "-R: the rest of a as before" [ "$(printf '%s\n' "$got" | grep -v 10.5.5.5)" = "$A_WANT" ]
A_WANT=$got
only_a "-R"
if [ $have_conn = 1 ]; then
    t "a has counters before -Z" [ -n "$(stats a | awk '$1 == "TCP" && $2 == "10.9.9.9:80" && $3 > 0')" ]
    b_stats=$(stats b)
    ours --netns a -Z
    t "-Z through --netns a: status 0" [ $rc = 0 ]
    t "-Z zeroed a" [ -z "$(stats a | awk '$1 == "TCP" || $1 == "->" { if ($3 + $4 + $5 + $6 + $7 > 0) print }')" ]
    t "-Z left b's counters" [ "$(stats b)" = "$b_stats" ]
    t "-Z left b non-zero" [ -n "$(stats b | awk '$1 == "TCP" && $2 == "10.9.9.9:80" && $3 > 0')" ]
fi
ours --netns a --set 200 0 0
t "--set through --netns a" [ "$(ip netns exec a "$REF" -L --timeout)" = \
    "Timeout (tcp tcpfin udp): 200 20 30" ]
t "--set: b's timeouts unchanged" [ "$(state b)" = "$B" ]
t "--set: root unchanged" [ "$(state -)" = "$ROOT" ]
A=$(state a)

echo "# errors change nothing"
ip -n no-such-ns link show >/tmp/ns.ip 2>&1
ours --netns no-such-ns -A -t 10.0.0.9:80
show
t "missing namespace: status" [ $rc = 2 ]
t "missing namespace: no output" [ -z "$out" ]
t "missing namespace: iproute2's message" \
    [ "$err" = 'Cannot open network namespace "no-such-ns": No such file or directory' ]
t "missing namespace: ip -n says the same" [ "$err" = "$(head -n 1 /tmp/ns.ip)" ]
ours --netns no-such-ns -A -t bogus
t "missing namespace before the parse error: status" [ $rc = 2 ]
t "missing namespace before the parse error" [ "${err#Cannot open}" != "$err" ]
unchanged "missing namespace"
for bad in "" . .. a/b ../a; do
    ours --netns "$bad" -C
    t "invalid name '$bad': status" [ $rc = 2 ]
    t "invalid name '$bad': message" [ "$err" = "Invalid netns name \"$bad\"" ]
done
unchanged "invalid names"
ours --netns a --netns b -C
t "--netns twice: status" [ $rc = 2 ]
t "--netns twice: refused" [ "$err" = "multiple 'netns' options specified" ]
unchanged "--netns twice"
ours -C --netns
t "--netns without a value: status" [ $rc = 255 ]
t "--netns without a value: popt's message" [ "$err" = "--netns: missing argument" ]
unchanged "--netns without a value"
as_nobody "$OURS" --netns a -C >/tmp/ns.out 2>/tmp/ns.err
rc=$?; err=$(cat /tmp/ns.err)
echo "  | $err"
t "non-root: status 2" [ $rc = 2 ]
t "non-root: names the namespace" has_line "$err" '"a"'
unchanged "non-root -C"
as_nobody "$OURS" --netns a -L -n >/dev/null 2>&1
t "non-root -L: status 2" [ $? = 2 ]
printf '%s\n' '-A -t 10.6.6.6:80' '--netns b -A -t 10.7.7.7:80' '-A -t 10.8.8.8:80' |
    "$OURS" --netns a -R >/tmp/ns.out 2>/tmp/ns.err
rc=$?; err=$(cat /tmp/ns.err)
t "a --netns line in -R input: status 2" [ $rc = 2 ]
t "a --netns line in -R input: message" \
    [ "$err" = "--netns is not allowed in restore input; give it with -R" ]
A_WANT=$(ip netns exec a "$REF" -S -n)
t "restore stopped there: the line before applied" has_line "$A_WANT" "-A -t 10.6.6.6:80 -s wlc"
t "restore stopped there: the line after not" not has_line "$A_WANT" "-A -t 10.8.8.8:80 -s wlc"
t "b unchanged by the restore" [ "$(state b)" = "$B" ]
t "root unchanged by the restore" [ "$(state -)" = "$ROOT" ]
ours --netns a -D -t 10.6.6.6:80
# The command line's own errors come after entering, as the reference's.
for args in "-A -t 10.0.0.1:80 -w 1" "-A -t 10.0.0.1:80" "-D -t 10.0.0.77:80" \
    "-L -n -t 10.0.0.77:80" "-A -t 10.0.0.1:80 -s"; do
    # shellcheck disable=SC2086 # word splitting wanted
    same a $args
done
unchanged "refused commands"
ours --netns no-such-ns -h
t "-h ignores --netns: status" [ $rc = 0 ]
t "-h ignores --netns" [ "${out#ipvsadm v1.31}" != "$out" ]

echo "# clearing a only"
ours --netns a -C
t "-C through --netns a: status" [ $rc = 0 ]
t "-C through --netns a" [ -z "$(ip netns exec a "$REF" -S -n)" ]
t "-C: b unchanged" [ "$(state b)" = "$B" ]
t "-C: root unchanged" [ "$(state -)" = "$ROOT" ]

echo "# realserver and director subcommands"
ip -n a link set lo up
ours --netns a realserver setup --vip 10.0.0.100 --method dr
show
t "realserver setup through --netns a" [ $rc = 0 ]
t "the VIP is on a's lo" on_lo a 10.0.0.100
t "a's arp_ignore is 1" [ "$(ip netns exec a cat /proc/sys/net/ipv4/conf/all/arp_ignore)" = 1 ]
t "not on b's lo" not on_lo b 10.0.0.100
t "not on the root's lo" not on_lo - 10.0.0.100
ours realserver status --netns a
t "realserver status --netns a (after the word): status" [ $rc = 0 ]
t "realserver status --netns a (after the word)" has_line "$out" "10.0.0.100 (dr real server)"
ours --netns b realserver status
t "b has nothing set up: status" [ $rc = 0 ]
t "b has nothing set up" has_line "$out" "nothing set up in this network namespace"
ours --netns=a realserver teardown --vip 10.0.0.100
t "realserver teardown through --netns=a: status" [ $rc = 0 ]
t "realserver teardown through --netns=a" not on_lo a 10.0.0.100
ours --netns b director check
t "director check reads b's table" has_line "$out" "10.1.0.1:443"
ours --netns no-such-ns realserver status
t "subcommand, missing namespace: status" [ $rc = 1 ]
t "subcommand, missing namespace: message" has_line "$err" 'Cannot open network namespace "no-such-ns": No such file or directory'

for ns in a b; do ip netns del "$ns"; done
t "root unchanged at the end" [ "$(state -)" = "$ROOT" ]
[ "${root_svc:-0}" = 1 ] && "$REF" -D -t 10.2.0.1:80
echo "# netns: $n checks, $fails failed"
[ $fails = 0 ]
