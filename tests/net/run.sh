#!/bin/sh
# tests/net/run.sh: every traffic test, run INSIDE the test VM
# (tests/vm/suite.sh runs it after the differential cases; alone:
# tests/vm/run.sh net/run.sh). ip_vs is loaded if it is not yet.
# Exits 1 if any test failed.
cd /tests || exit 2
fail=0
for t in net/counters.sh net/methods.sh; do
    printf '\n---- %s\n' "$t"
    sh "$t" || fail=1
done
exit $fail
