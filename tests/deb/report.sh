# tests/deb/report.sh, sourced by the package checks (bash): one line per
# check, "ok" or "FAIL", and $fail set once any has failed.
fail=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fail=1; }
# check NAME CMD...: ok if CMD succeeds
check() {
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi
}
