#!/bin/sh
# tests/diff/run-cases.sh [--no-ipvs] FILE...
#
# Differential runner, run INSIDE the test VM (tests/vm/run.sh): every case
# is run once with Debian's ipvsadm (the reference) and once with ours, and
# the two transcripts must be byte-identical.
#
# Case files:
#   # comment lines start with '#'; blank lines are ignored
#   === <name>             starts a case
#   === <name> [ignore]    a deliberate difference from 1.31 (a 1.31 defect
#                          ours fixes, or text that is ours): ours must NOT
#                          print what the reference prints, but exactly
#                          the transcript the case states in `|` lines
#   | <text>               (in an [ignore] case) one line of the transcript
#                          ours must print; `|` alone is an empty line
#   <shell line>           each other line is one command line, eval'd by
#                          busybox sh with `ipvsadm` found through PATH
# A command line before the first `===`, a case without lines, an [ignore]
# case without `|` lines or another case with them, is an error.
# Each line runs in its own subshell (shell variables do not carry over to
# the next line; files do), with stdin /dev/null unless the line pipes
# something in, in a scratch directory that is the same path for both tools,
# killed after $DIFF_TIMEOUT seconds (exit 137 in the transcript). Multi-line
# constructs (here-documents) are not supported: use printf ... | ipvsadm -R.
#
# Per tool, the transcript is, for each line:
#   $ <line>
#   <stdout>
#   --- stderr
#   <stderr>
#   --- exit <status>
# (output that does not end in a newline gets one plus the line
# "% no newline at end of output").
#
# Before each tool's run of a case, IPVS is reset with the reference binary
# (-C, --set 900 120 300, both sync daemons stopped, errors ignored).
#
# Parallelism: with DIFF_JOBS > 1 the cases are dealt round-robin to that
# many workers, each in its own network namespace (unshare -n, with lo up).
# IPVS state (services, timeouts, sync daemons, connections) is per network
# namespace, but the kernel's service hash table is shared, and a service
# dump that spans several netlink messages resumes at a position counted
# over ALL namespaces' services (ip_vs_genl_dump_services, 6.1). A worker
# adding or deleting services while another lists therefore makes that
# listing repeat or skip services (seen with the reference, whose dumps use
# small buffers). So the default is 1 worker, in the caller's namespace:
# slower, but every listing is deterministic. Reports are printed in case
# order once all workers are done.
#
# --no-ipvs: the "kernel without IPVS" phase. The ip_vs module directory is
# renamed for the duration of the run (hide_ipvs in tests/vm/lib.sh; ip_vs is
# unloaded first if it can be), so both the reference's
# `/sbin/modprobe -- ip_vs` and the kernel's generic-netlink family autoload
# fail, as on a kernel built without IPVS. No reset is done in this phase
# (it would load the module). tests/vm/suite.sh runs
# tests/diff/noipvs.cases this way before it loads ip_vs.
#
# Helper usable in case lines: `as_nobody CMD ARGS...` runs CMD as user
# nobody (uid 65534, no capabilities) with the same PATH, e.g.
#   as_nobody ipvsadm -L -n
#
# Environment:
#   REF_DIR      directory holding the reference `ipvsadm` (/ref/ipvsadm)
#   OURS_DIR     directory holding our `ipvsadm` (/ours/ipvsadm); point it at
#                another directory to check the runner (e.g. at REF_DIR)
#   DIFF_ONLY    run only cases whose name matches this awk (ERE) regex
#   DIFF_TIMEOUT seconds per command line (default 60)
#   DIFF_OUT     where transcripts are kept (default /tmp/diff)
#   DIFF_VERBOSE=1  print a line for every case, not only failures
#   DIFF_JOBS    parallel workers (default 1; see "Parallelism" above)
#   DIFF_RECORD=1  print ours' transcript of each [ignore] case as `|` lines
#                (to write or update what such a case states)
#
# Exit status: 0 if every case passed, and every [ignore] case printed
# what it states and not what the reference prints; 1 if a case failed,
# an [ignore] case printed something else, or an [ignore] case passed
# (remove its tag); 2 on usage or case-file errors.

here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
. "$tests/vm/lib.sh"

REF_DIR=${REF_DIR:-/ref/ipvsadm}
OURS_DIR=${OURS_DIR:-/ours/ipvsadm}
DIFF_TIMEOUT=${DIFF_TIMEOUT:-60}
DIFF_OUT=${DIFF_OUT:-/tmp/diff}

bbs=/bin/busybox-static
[ -x $bbs ] || bbs=/bin/busybox

# Under TCG, exec of a dynamically linked program costs ~0.1 s, of the static
# busybox ~0.02 s and a fork ~0.02 s; so the runner's own helpers are
# busybox-static applets or builtins, lines run in a forked subshell (no new
# sh), the watchdog is a forked `read -t`, and the reset is one reference run.

reset_ipvs() {
    printf -- '-C\n--set 900 120 300\n--stop-daemon master\n--stop-daemon backup\n' |
        "$REF_DIR/ipvsadm" -R >/dev/null 2>&1
}

# emit FILE: FILE's bytes, plus a marker if they do not end in a newline
emit() {
    [ -s "$1" ] || return 0
    $bbs cat "$1"
    if [ -n "$($bbs tail -c 1 "$1")" ]; then
        printf '\n%% no newline at end of output\n'
    fi
}

# run_tool DIR CMDFILE TRANSCRIPT: run the case's lines with DIR first on PATH
run_tool() {
    [ "$no_ipvs" = 1 ] || reset_ipvs
    # fresh scratch directory (same path for both tools)
    set -- "$@" "$cwd"/* "$cwd"/.[!.]*
    [ $# -gt 3 ] && { [ -e "$4" ] || [ -e "$5" ]; } && $bbs rm -rf "$cwd" && $bbs mkdir "$cwd"
    cd "$cwd" || exit 2
    : >"$3"
    while IFS= read -r line <&3; do
        # The line runs in a subshell with its own PATH (ash execs a final
        # simple command in place, so that is what the watchdog kills after
        # $DIFF_TIMEOUT seconds, with its children first: the parts of a
        # pipeline, which would otherwise run on into the next case). fd 5
        # is a FIFO nobody writes: `read -t` on it is a sleep that costs no
        # exec.
        (PATH="$1:$base_path"; eval "$line") </dev/null >"$wd/out" 2>"$wd/err" 3<&- 5<&- &
        pid=$!
        (read -t "$DIFF_TIMEOUT" _ <&5; $bbs pkill -9 -P $pid 2>/dev/null; kill -9 $pid 2>/dev/null &&
            echo "run-cases: killed after ${DIFF_TIMEOUT}s: $line" >&2) 3<&- &
        dog=$!
        wait $pid 2>/dev/null  # (ash would print "Killed")
        rc=$?
        kill $dog 2>/dev/null
        {
            printf '$ %s\n' "$line"
            emit "$wd/out"
            echo "--- stderr"
            emit "$wd/err"
            echo "--- exit $rc"
        } >>"$3"
    done 3<"$2"
    cd / || exit 2
}

# worker INDEX: run the cases listed in INDEX; each leaves $DIFF_OUT/ID.result
# (pass, fail, ignored, upass) and, when worth reporting, ID.report
worker() {
    wd=$DIFF_OUT/w.$$ cwd=/tmp/diff-cwd.$$
    $bbs mkdir -p "$wd" "$cwd" && $bbs mkfifo "$wd/never" && exec 5<>"$wd/never" || exit 2
    while IFS="$tab" read -r id ign file name <&4; do
        r=$DIFF_OUT/$id
        run_tool "$REF_DIR" "$DIFF_OUT/cases/$id.cmd" "$r.ref"
        run_tool "$OURS_DIR" "$DIFF_OUT/cases/$id.cmd" "$r.ours"
        if [ "$no_ipvs" = 1 ] && ipvs_loaded; then
            echo "run-cases: ip_vs got loaded during \"$name\" in the no-IPVS phase" >&2
            exit 2
        fi
        if $bbs cmp -s "$r.ref" "$r.ours"; then
            if [ "$ign" = 1 ]; then
                echo upass >"$r.result"
                echo "UNEXPECTED PASS (remove [ignore]): $file: $name" >"$r.report"
            else
                echo pass >"$r.result"
                echo "ok: $file: $name" >"$r.report"
            fi
        elif [ "$ign" = 1 ] && [ "${DIFF_RECORD:-0}" = 1 ]; then
            echo ignored >"$r.result"
            { echo "record: $file: $name"; $bbs sed 's/^/| /; s/^| $/|/' "$r.ours"; } >"$r.report"
        elif [ "$ign" = 1 ] && $bbs cmp -s "$DIFF_OUT/cases/$id.want" "$r.ours"; then
            echo ignored >"$r.result"
            echo "ignored: $file: $name" >"$r.report"
        elif [ "$ign" = 1 ]; then
            echo fail >"$r.result"
            { echo "FAIL: $file: $name: ours no longer prints what the [ignore] case states"
              $bbs diff -u -L "stated ($file: $name)" -L "ours" "$DIFF_OUT/cases/$id.want" "$r.ours"
              echo; } >"$r.report"
        else
            echo fail >"$r.result"
            { echo "FAIL: $file: $name"
              $bbs diff -u -L "reference ($file: $name)" -L "ours" "$r.ref" "$r.ours"
              echo; } >"$r.report"
        fi
    done 4<"$1"
    $bbs rm -rf "$wd" "$cwd"
}

tab=$(printf '\t')
base_path=$tests/vm/bin:$PATH   # as_nobody lives in tests/vm/bin

# A worker started by the main process below, already in its own namespace.
if [ "$1" = --worker ]; then
    ip link set lo up || exit 2
    worker "$2"
    exit 0
fi

no_ipvs=0
if [ "$1" = --no-ipvs ]; then no_ipvs=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--no-ipvs] FILE..." >&2; exit 2; }
for f in "$@"; do
    [ -f "$f" ] || { echo "run-cases: no such file: $f" >&2; exit 2; }
done
[ -x "$REF_DIR/ipvsadm" ] || { echo "run-cases: no reference at $REF_DIR/ipvsadm" >&2; exit 2; }
[ -x "$OURS_DIR/ipvsadm" ] || echo "run-cases: warning: $OURS_DIR/ipvsadm does not exist; every case will differ" >&2
$bbs rm -rf "$DIFF_OUT" && $bbs mkdir -p "$DIFF_OUT/cases" || exit 2

# ---- parse all files into $DIFF_OUT/cases/NNNN.cmd plus an index of
#      "NNNN<TAB>ignore(0|1)<TAB>file<TAB>name" lines
awk -v dir="$DIFF_OUT/cases" -v only="${DIFF_ONLY:-}" -v record="${DIFF_RECORD:-0}" '
function finish() {
    if (cur != "" && lines[cur] == 0) {
        printf "%s: case \"%s\" has no command lines\n", cfile, cname > "/dev/stderr"
        bad = 1
    }
    if (cur != "" && cign && !wants[cur] && !record) {
        printf "%s: [ignore] case \"%s\" states no transcript (| lines)\n", cfile, cname > "/dev/stderr"
        bad = 1
    }
}
FNR == 1 { finish(); cur = ""; n = split(FILENAME, p, "/"); base = p[n] }
/^[ \t]*#/ || /^[ \t]*$/ { next }
/^===([ \t]|$)/ {
    finish()
    name = $0; sub(/^===[ \t]*/, "", name); sub(/[ \t]+$/, "", name)
    ign = 0
    if (name ~ /\[ignore\]$/) { ign = 1; sub(/[ \t]*\[ignore\]$/, "", name) }
    if (name == "") { printf "%s:%d: case without a name\n", FILENAME, FNR > "/dev/stderr"; bad = 1 }
    cfile = FILENAME; cname = name; cign = ign
    if (only != "" && name !~ only) { cur = "skip"; lines[cur] = 1; wants[cur] = 1; next }
    id = sprintf("%04d", ++count); cur = dir "/" id ".cmd"; lines[cur] = 0
    want = dir "/" id ".want"
    printf "" > cur; close(cur); printf "" > want; close(want)
    printf "%s\t%d\t%s\t%s\n", id, ign, base, name > (dir "/index")
    next
}
/^\|( |$)/ {
    if (cur == "" || !cign) { printf "%s:%d: a | line outside an [ignore] case\n", FILENAME, FNR > "/dev/stderr"; bad = 1; next }
    wants[cur]++
    if (cur != "skip") { line = $0; sub(/^\| ?/, "", line); print line >> want; close(want) }
    next
}
{
    if (cur == "") { printf "%s:%d: command outside a case: %s\n", FILENAME, FNR, $0 > "/dev/stderr"; bad = 1; next }
    lines[cur]++
    if (cur != "skip") { print >> cur; close(cur) }
}
END { finish(); if (!count) printf "" > (dir "/index"); exit bad ? 2 : 0 }
' "$@" || exit 2

if [ $no_ipvs = 1 ]; then
    hide_ipvs || exit 2
    trap unhide_ipvs EXIT
    trap 'exit 130' INT TERM
fi

# ---- run
jobs=${DIFF_JOBS:-1}
ncases=$($bbs wc -l <"$DIFF_OUT/cases/index")
[ "$jobs" -gt "$ncases" ] && jobs=$ncases
if [ "$jobs" -gt 1 ]; then
    $bbs awk -v n="$jobs" -v d="$DIFF_OUT" '{ print > (d "/shard." (NR - 1) % n) }' "$DIFF_OUT/cases/index"
    export REF_DIR OURS_DIR DIFF_OUT DIFF_TIMEOUT no_ipvs
    pids=
    for shard in "$DIFF_OUT"/shard.*; do
        $bbs unshare -n /bin/sh "$0" --worker "$shard" &
        pids="$pids $!"
    done
    # progress every 30 s on long runs (results only appear at the end)
    if [ "$ncases" -gt 40 ]; then
        $bbs mkfifo "$DIFF_OUT/tick" && exec 6<>"$DIFF_OUT/tick"
        (while read -t 30 _ <&6 || true; do
            set -- "$DIFF_OUT"/*.result
            [ -e "$1" ] || set --
            echo "run-cases: $# of $ncases cases done" >&2
        done) &
        ticker=$!
    fi
    for p in $pids; do wait "$p" || echo "run-cases: a worker failed" >&2; done
    [ -n "${ticker:-}" ] && kill "$ticker"
elif [ "$ncases" -gt 0 ]; then
    worker "$DIFF_OUT/cases/index"
fi

# ---- report, in case order
total=0 passed=0 failed=0 ignored=0 upass=0 missing=0
failed_names= upass_names=
while IFS="$tab" read -r id ign file name; do
    total=$((total + 1))
    r=$DIFF_OUT/$id
    res=missing
    [ -f "$r.result" ] && read -r res <"$r.result"
    case $res in
    pass) passed=$((passed + 1)) ;;
    ignored) ignored=$((ignored + 1)) ;;
    upass) ignored=$((ignored + 1)) upass=$((upass + 1))
        upass_names="$upass_names  $file: $name
" ;;
    *)  failed=$((failed + 1))
        failed_names="$failed_names  $file: $name
"
        [ "$res" = fail ] || echo "FAIL: $file: $name (not run: the worker died)" ;;
    esac
    case $res in
    fail|upass) $bbs cat "$r.report" ;;
    ignored) if [ "${DIFF_VERBOSE:-0}" = 1 ] || [ "${DIFF_RECORD:-0}" = 1 ]; then $bbs cat "$r.report"; fi ;;
    pass) [ "${DIFF_VERBOSE:-0}" = 1 ] && $bbs cat "$r.report" ;;
    esac
done <"$DIFF_OUT/cases/index"

[ -n "$failed_names" ] && printf 'failed cases:\n%s' "$failed_names"
[ -n "$upass_names" ] && printf 'ignored but passing (remove [ignore]):\n%s' "$upass_names"
phase=
[ $no_ipvs = 1 ] && phase=" (no IPVS)"
echo "diff$phase: $total cases, $passed passed, $failed failed, $ignored ignored ($upass ignored but passing)"
[ $failed = 0 ] && [ $upass = 0 ]
