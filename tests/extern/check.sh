#!/bin/sh
# tests/extern/check.sh BINARY: run INSIDE the test VM (tests/vm/suite.sh)
# with the program of tests/extern/ (built by tests/vm/test.sh), ip_vs
# loaded. It checks that a program outside the workspace, using only the
# library's public API, changes and reads the real kernel's table: what it
# prints must be the reference's `ipvsadm -S -n`, byte for byte, including
# a service the reference added before it ran.
REF=${REF_DIR:-/ref/ipvsadm}/ipvsadm
bin=${1:?usage: check.sh BINARY}
out=/tmp/extern
mkdir -p $out
fail=0
bad() { echo "extern: FAILED: $*" >&2; fail=1; }

$REF -C || exit 2
$REF -A -t 10.0.0.76:8076 -s wlc && $REF -a -t 10.0.0.76:8076 -r 192.168.10.2:80 -g -w 3 || exit 2

if "$bin" >$out/ours 2>$out/err; then
    $REF -S -n >$out/ref
    if cmp -s $out/ref $out/ours; then
        echo "extern: the program's table is the reference's -S -n ($(wc -l <$out/ref) lines)"
    else
        bad "the program's table differs from the reference's -S -n (-ref +program):"
        diff -u $out/ref $out/ours >&2
    fi
else
    bad "the program exited $?"
    cat $out/err >&2
fi

# Run again, the service exists: the kernel's refusal must reach the
# program as an error, and it must say so and fail.
if "$bin" >/dev/null 2>$out/err; then
    bad "a second run succeeded although its service exists"
elif grep -q 'exists' $out/err; then
    echo "extern: a second run fails: $(cat $out/err)"
else
    bad "a second run failed without saying the service exists:"
    cat $out/err >&2
fi

$REF -C
[ $fail = 0 ] && echo "extern: PASSED"
exit $fail
