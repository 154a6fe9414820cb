#!/bin/sh
# tests/net/run.sh: every traffic test, run INSIDE the test VM
# (tests/vm/suite.sh runs it after the differential cases; alone:
# tests/vm/run.sh net/run.sh). ip_vs is loaded if it is not yet.
# Exits 1 if any test failed. The namespaces built by the first script
# are reused by the others (building them costs 10-25 s under TCG).
cd /tests || exit 2
fail=0
printf '\n---- net/counters.sh\n'
NET_KEEP=1 sh net/counters.sh || fail=1
printf '\n---- net/sip.sh\n'
NET_KEEP=1 sh net/sip.sh || fail=1
printf '\n---- net/methods.sh\n'
sh net/methods.sh || fail=1
exit $fail
