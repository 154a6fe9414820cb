#!/bin/sh
# tests/apply/run.sh: `ipvsadm apply` against the real kernel, INSIDE the
# test VM (busybox sh, as root):
#   tests/vm/run.sh apply/run.sh [PAIRS]      (default 10 pairs)
#
# Convergence: for seeded random tables A and B (tests/apply/gen.awk),
# load A with the reference's -R, run our `apply B`; the reference's
# -S -n, -L -n, -L -n --thresholds and -L -n --tun-info must then equal
# what they show after the reference's -C and -R < B, and `apply --dry-run
# B` must print nothing and exit 0. Also: A's dry-run plan for B, fed to
# the reference's -R, gives B too.
# Failures: a bad input line changes nothing; a change the kernel refuses
# late in the plan (a real server at a local broadcast address) is undone
# and leaves every view and the kernel's list order byte-identical; an
# undo step that fails too ends with exit 4 naming it. --drain waits for
# a persistence template; SIGTERM during the wait undoes. Then
# tests/apply/traffic.sh: apply under live traffic.
# Exits 1 if any check failed.
cd /tests 2>/dev/null || true
. /tests/vm/lib.sh

OURS=${OURS:-/ours/ipvsadm/ipvsadm}
REF=${REF:-/ref/ipvsadm/ipvsadm}
PAIRS=${1:-10}
W=/tmp/apply
mkdir -p $W

gen() { awk -v seed="$1" -f /tests/apply/gen.awk; }
# views FILE: the four views the reference prints, in one file
views() {
    {
        echo "== -S -n"; $REF -S -n
        echo "== -L -n"; $REF -L -n
        echo "== -L -n --thresholds"; $REF -L -n --thresholds
        echo "== -L -n --tun-info"; $REF -L -n --tun-info
    } >"$1" 2>&1
}
# load FILE: the reference's clear and restore
load() { $REF -C && $REF -R <"$1"; }
# same DESC A B: pass if files A and B are equal, else show the diff
same() {
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1"; diff "$2" "$3" | head -20 | sed 's/^/  | /'; fi
}

load_ipvs || { echo "not ok - cannot load IPVS"; exit 1; }

i=1
while [ "$i" -le "$PAIRS" ]; do
    gen "$i" >$W/a
    gen $((i + 1000)) >$W/b
    load $W/b || fail "pair $i: the reference loads B"
    views $W/want
    load $W/a || fail "pair $i: the reference loads A"
    "$OURS" apply --force $W/b >$W/out 2>$W/err
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s $W/out ] && [ ! -s $W/err ]; then
        pass "pair $i: apply B exits 0, silent"
    else
        fail "pair $i: apply B exits 0, silent (rc $rc)"; sed 's/^/  | /' $W/out $W/err | head
    fi
    views $W/got
    same "pair $i: views after apply equal those after -C; -R B" $W/want $W/got
    "$OURS" apply --dry-run $W/b >$W/out 2>$W/err
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s $W/out ] && [ ! -s $W/err ]; then
        pass "pair $i: dry-run afterwards: nothing, exit 0"
    else
        fail "pair $i: dry-run afterwards: nothing, exit 0 (rc $rc)"; sed 's/^/  | /' $W/out $W/err | head
    fi
    # A's plan for B, replayed by the reference.
    load $W/a
    "$OURS" apply --dry-run $W/b >$W/plan 2>$W/err
    rc=$?
    [ $rc -eq 3 ] && [ -s $W/plan ] || { fail "pair $i: dry-run from A exits 3 with a plan (rc $rc)"; cat $W/err; }
    $REF -R <$W/plan >$W/out 2>&1 || { echo "  | -R of the plan failed:"; sed 's/^/  | /' $W/out | head; }
    views $W/got
    same "pair $i: the reference's -R of the dry-run plan gives B" $W/want $W/got
    # The same table as the -L --json document.
    load $W/b
    "$OURS" -L --json >$W/b.json
    load $W/a
    "$OURS" apply --force $W/b.json >$W/out 2>&1 || { echo "  | apply of the JSON document failed:"; sed 's/^/  | /' $W/out | head; }
    views $W/got
    same "pair $i: apply of B's -L --json document gives B" $W/want $W/got
    i=$((i + 1))
done

# order FILE: the services and servers of -L -n --nosort, in order, without
# their settings
order() { $REF -L -n --nosort | awk 'NR > 3 {print $1, $2}' >"$1"; }

# In place: every weight, threshold and scheduler changed, nothing added
# or removed: the kernel's lists keep their order.
gen 6 >$W/a
load $W/a
order $W/before
awk '{
    for (f = 1; f <= NF; f++) {
        if ($(f - 1) == "-w") $f = ($f + 1) % 5
        if ($(f - 1) == "-x") $f = $f + 7
        if ($(f - 1) == "-s" && $f != "sh" && $f != "mh") $f = ($f == "rr" ? "wlc" : "rr")
    }
    print }' $W/a >$W/b
"$OURS" apply $W/b >$W/out 2>&1 || sed 's/^/  | /' $W/out
order $W/after
same "edits in place keep the kernel's order of services and servers" $W/before $W/after
load $W/b
views $W/want
load $W/a
"$OURS" apply $W/b
views $W/got
same "edits in place converge" $W/want $W/got

# --keep-unlisted: the services B does not list stay; afterwards a full
# apply of B has only those deletes left.
gen 7 >$W/a
gen 1007 >$W/b
load $W/a
"$OURS" apply --dry-run --keep-unlisted $W/b >$W/plan
if grep -q '^-D' $W/plan; then fail "--keep-unlisted plans no service delete"; else pass "--keep-unlisted plans no service delete"; fi
"$OURS" apply --keep-unlisted $W/b >$W/out 2>&1 || sed 's/^/  | /' $W/out
"$OURS" apply --dry-run $W/b >$W/plan
if [ -s $W/plan ] && ! grep -vq '^-D' $W/plan; then
    pass "after --keep-unlisted, only the unlisted services' deletes are left"
else
    fail "after --keep-unlisted, only the unlisted services' deletes are left"; sed 's/^/  | /' $W/plan
fi

# --drain without connections: weight-0 edits, then deletes, converges.
gen 8 >$W/a
gen 1008 >$W/b
load $W/b
views $W/want
load $W/a
"$OURS" apply --dry-run --drain 3 $W/b >$W/plan
first_d=$(grep -n '^-[dD]' $W/plan | head -1 | cut -d: -f1)
last_zero=$(grep -n '^-e .* -w 0' $W/plan | tail -1 | cut -d: -f1)
if [ -n "$first_d" ] && [ -n "$last_zero" ] && [ "$last_zero" -lt "$first_d" ]; then
    pass "--dry-run --drain: weight-0 edits before the deletes"
else
    fail "--dry-run --drain: weight-0 edits before the deletes"; sed 's/^/  | /' $W/plan
fi
"$OURS" apply --force --drain 3 $W/b >$W/out 2>&1 || sed 's/^/  | /' $W/out
views $W/got
same "--drain converges" $W/want $W/got

# Deleting more than half of the live services needs --force.
gen 9 >$W/a
load $W/a
views $W/before
echo "# nothing" >$W/empty
"$OURS" apply $W/empty >$W/out 2>&1
rc=$?
views $W/after
if [ $rc -eq 2 ] && grep -q -- "--force" $W/out && cmp -s $W/before $W/after; then
    pass "emptying the table without --force: exit 2, nothing changed"
else
    fail "emptying the table without --force: exit 2, nothing changed (rc $rc)"; sed 's/^/  | /' $W/out
fi
"$OURS" apply --force $W/empty
if [ -z "$($REF -S -n)" ]; then pass "with --force a comment-only file empties the table"; else fail "with --force a comment-only file empties the table"; fi

# Two applies at once end with one of the two tables, whole.
gen 10 >$W/a
gen 1010 >$W/b
gen 2010 >$W/c
load $W/a; views $W/want-a
load $W/b; views $W/want-b
for k in 1 2 3; do
    load $W/c
    "$OURS" apply --force $W/a & pa=$!
    "$OURS" apply --force $W/b & pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    views $W/got
    if [ $ra -eq 0 ] && [ $rb -eq 0 ] && { cmp -s $W/got $W/want-a || cmp -s $W/got $W/want-b; }; then
        pass "concurrent applies ($k): one whole table"
    else
        fail "concurrent applies ($k): one whole table (rc $ra $rb)"
    fi
done

# A bad line changes nothing.
gen 1 >$W/a
load $W/a
views $W/before
{ gen 2; echo "-a -t 10.0.99.1:80 -r 10.0.0.1"; } >$W/bad
"$OURS" apply --force $W/bad >$W/out 2>$W/err
rc=$?
lines=$(wc -l <$W/bad)
if [ $rc -eq 2 ] && grep -q "^ipvsadm: $W/bad:$lines: " $W/err; then
    pass "a line without its -A: exit 2 naming FILE:LINE"
else
    fail "a line without its -A: exit 2 naming FILE:LINE (rc $rc)"; sed 's/^/  | /' $W/err
fi
views $W/after
same "a bad line changes nothing" $W/before $W/after

# A change the kernel refuses late in the plan: a real server at the
# broadcast address of a local subnet (ipvsadm's checks pass it).
ip link add apply0 type dummy && ip addr add 10.9.0.1/24 brd + dev apply0 && ip link set apply0 up
for seed in 3 4 5; do
    gen "$seed" >$W/a
    load $W/a
    views $W/before
    $REF -L -n --nosort >>$W/before
    { gen $((seed + 1000)); echo "-A -t 10.0.9.9:80 -s rr"; echo "-a -t 10.0.9.9:80 -r 10.9.0.255:80 -g -w 1"; } >$W/late
    lines=$(wc -l <$W/late)
    "$OURS" apply --force $W/late >$W/out 2>$W/err
    rc=$?
    if [ $rc -eq 1 ] && grep -q "^ipvsadm: $W/late:$lines: " $W/err; then
        pass "seed $seed: a late refusal: exit 1 naming its line"
        sed 's/^/  # /' $W/err | head -5
    else
        fail "seed $seed: a late refusal: exit 1 naming its line (rc $rc)"; sed 's/^/  | /' $W/err
    fi
    views $W/after
    $REF -L -n --nosort >>$W/after
    same "seed $seed: after the undo every view and the list order are as before" $W/before $W/after
done

# --drain waits for a persistence template, and SIGTERM during the wait
# undoes the weight-0 edits. A namespace like a small host; a connection
# attempt from inside it is scheduled by IPVS on the way out, to real
# servers that never answer, and leaves a template on one of them.
ip netns add dn && ip netns exec dn sh -c '
    ip link set lo up && ip link add d0 type dummy && ip link set d0 up &&
    ip addr add 10.9.9.1/24 dev d0 && ip route add default dev d0'
dn() { ip netns exec dn "$@"; }
printf '%s\n' "-A -t 10.9.9.9:80 -s rr -p 60" \
    "-a -t 10.9.9.9:80 -r 10.9.9.2:80 -g -w 1" "-a -t 10.9.9.9:80 -r 10.9.9.3:80 -g -w 2" >$W/a
printf '%s\n' "-A -t 10.9.9.9:80 -s rr -p 60" "-a -t 10.9.9.9:80 -r 10.9.9.4:80 -g -w 1" >$W/b
dn $REF -R <$W/a
dn nc -w 1 10.9.9.9 80 </dev/null >/dev/null 2>&1
if [ "$(dn cat /proc/net/ip_vs_conn | wc -l)" -gt 1 ]; then
    dn $REF -S -n >$W/before
    dn $REF -L -n --nosort >>$W/before
    # Not through dn: `ip netns exec` runs ours in place, so $! is ours.
    ip netns exec dn "$OURS" apply --drain 60 $W/b >$W/out 2>&1 &
    pid=$!
    sleep 3
    kill -TERM $pid
    wait $pid
    rc=$?
    dn $REF -S -n >$W/after
    dn $REF -L -n --nosort >>$W/after
    if [ $rc -eq 1 ] && cmp -s $W/before $W/after; then
        pass "SIGTERM during --drain: exit 1, weights back, nothing else changed"
        sed 's/^/  # /' $W/out
    else
        fail "SIGTERM during --drain: exit 1, weights back, nothing else changed (rc $rc)"
        sed 's/^/  | /' $W/out; diff $W/before $W/after | sed 's/^/  | /'
    fi
    start=$(date +%s)
    dn "$OURS" apply --drain 3 $W/b >$W/out 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    dn $REF -S -n >$W/got
    if [ $rc -eq 0 ] && [ $took -ge 3 ] && cmp -s $W/b $W/got; then
        pass "--drain 3 waits its 3 s for the template, then deletes (${took}s)"
    else
        fail "--drain 3 waits its 3 s for the template, then deletes (rc $rc, ${took}s)"
        sed 's/^/  | /' $W/out; diff $W/b $W/got | sed 's/^/  | /'
    fi
    # An undo step that fails: while apply drains, another writer deletes
    # one of the servers it set to weight 0, so putting its weight back
    # (on SIGTERM, or when the delete phase finds it gone) is refused.
    dn $REF -C && dn $REF -R <$W/a
    dn nc -w 1 10.9.9.9 80 </dev/null >/dev/null 2>&1
    ip netns exec dn "$OURS" apply --drain 60 $W/b >$W/out 2>&1 &
    pid=$!
    sleep 2
    dn $REF -d -t 10.9.9.9:80 -r 10.9.9.2:80
    sleep 1
    kill -TERM $pid 2>/dev/null
    wait $pid
    rc=$?
    dn $REF -S -n >$W/got
    grep -v 10.9.9.2: $W/a >$W/want
    if [ $rc -eq 4 ] && grep -q "undo failed" $W/out && grep -q "10.9.9.2:80.*No such destination" $W/out &&
        cmp -s $W/want $W/got; then
        pass "an undo step refused: exit 4, the refused step named, the rest undone"
        sed 's/^/  # /' $W/out
    else
        fail "an undo step refused: exit 4, the refused step named, the rest undone (rc $rc)"
        sed 's/^/  | /' $W/out; diff $W/want $W/got | sed 's/^/  | /'
    fi
    # A refusal in the delete phase: 10.9.9.2, at weight 0 already, needs
    # no drain edit; another writer deletes it while apply waits for the
    # template on 10.9.9.3 (the one server at a weight above 0), so its
    # delete is refused after 10.9.9.3's was acknowledged. Undo adds
    # 10.9.9.3 again, at the head of its list, and says so; the table is
    # A without the server the other writer deleted.
    printf '%s\n' "-A -t 10.9.9.9:80 -s rr -p 60" "-a -t 10.9.9.9:80 -r 10.9.9.2:80 -g -w 0" \
        "-a -t 10.9.9.9:80 -r 10.9.9.3:80 -g -w 2" "-a -t 10.9.9.9:80 -r 10.9.9.5:80 -g -w 0" >$W/a0
    printf '%s\n' "-A -t 10.9.9.9:80 -s rr -p 60" "-a -t 10.9.9.9:80 -r 10.9.9.4:80 -g -w 1" \
        "-a -t 10.9.9.9:80 -r 10.9.9.5:80 -g -w 0" >$W/b0
    dn $REF -C && dn $REF -R <$W/a0
    dn nc -w 1 10.9.9.9 80 </dev/null >/dev/null 2>&1
    ip netns exec dn "$OURS" apply --drain 4 $W/b0 >$W/out 2>&1 &
    pid=$!
    sleep 2
    dn $REF -d -t 10.9.9.9:80 -r 10.9.9.2:80
    wait $pid
    rc=$?
    dn $REF -S -n >$W/got
    grep -v 10.9.9.2: $W/a0 >$W/want
    first=$(dn $REF -L -n --nosort | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $2; exit }')
    if [ $rc -eq 1 ] && grep -q "10.9.9.2:80.*No such destination" $W/out &&
        grep -q "added again" $W/out && grep -q "^  -a -t 10.9.9.9:80 -r 10.9.9.3:80 -g -w 2$" $W/out &&
        [ "$first" = 10.9.9.3:80 ] && cmp -s $W/want $W/got; then
        pass "a delete refused: exit 1, the server deleted before it added again at the head of its list, the rest undone"
        sed 's/^/  # /' $W/out
    else
        fail "a delete refused: exit 1, the server deleted before it added again at the head of its list, the rest undone (rc $rc, first $first)"
        sed 's/^/  | /' $W/out; diff $W/want $W/got | sed 's/^/  | /'
    fi
    # UDP has no active connections: a leaving server with any
    # connection entry is waited for. nslookup sends a query to port 53.
    printf '%s\n' "-A -u 10.9.9.9:53 -s rr" "-a -u 10.9.9.9:53 -r 10.9.9.2:53 -g -w 1" >$W/ua
    printf '%s\n' "-A -u 10.9.9.9:53 -s rr" "-a -u 10.9.9.9:53 -r 10.9.9.3:53 -g -w 1" >$W/ub
    dn $REF -C && dn $REF -R <$W/ua
    dn timeout 2 nslookup probe 10.9.9.9 >/dev/null 2>&1
    if dn cat /proc/net/ip_vs_conn | grep -q '^UDP'; then
        start=$(date +%s)
        dn "$OURS" apply --drain 3 $W/ub >$W/out 2>&1
        rc=$?
        took=$(($(date +%s) - start))
        dn $REF -S -n >$W/got
        if [ $rc -eq 0 ] && [ $took -ge 3 ] && cmp -s $W/ub $W/got; then
            pass "--drain 3 waits its 3 s for a UDP connection entry, then deletes (${took}s)"
        else
            fail "--drain 3 waits its 3 s for a UDP connection entry, then deletes (rc $rc, ${took}s)"
            sed 's/^/  | /' $W/out; diff $W/ub $W/got | sed 's/^/  | /'
        fi
    else
        fail "a UDP query through the service leaves a connection entry"
    fi
else
    echo "# no persistence template (nc missing?): drain tests skipped"
fi
ip netns del dn

# Under live traffic (a separate script: it builds a NAT cluster).
if sh /tests/apply/traffic.sh; then pass "apply under traffic (apply/traffic.sh)"; else fail "apply under traffic (apply/traffic.sh)"; fi

echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
