#!/usr/bin/env bash
# Fuzzes for real: tests/fuzz/run.sh SECONDS [TARGET...] (all targets when
# none is named). For each target, libFuzzer runs SECONDS from the checked-in
# corpus (one job, one worker: the machine is shared), new finds are
# merged into fuzz/corpus/TARGET and the whole is minimised again (by
# edges). Prints each target's executions, coverage and CPU time, adds the
# CPU time and executions to fuzz/cpu.tsv and rewrites the table in
# doc/fuzzing.md from it. A crash stops the script with the input in fuzz/artifacts/
# (replay: cargo +nightly fuzz run TARGET FILE, in fuzz/).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz
fi

cd fuzz
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build

tsv=$root/fuzz/cpu.tsv
# Held while cpu.tsv and the table made from it are rewritten.
lock=$root/fuzz/target/cpu.lock
[ -f "$tsv" ] || printf 'target\tcpu_seconds\texecutions\n' >"$tsv"

for target in "${targets[@]}"; do
    corpus=corpus/$target
    if [ ! -d "$corpus" ]; then
        echo "$target: no $corpus" >&2
        exit 1
    fi
    work=$(mktemp -d)
    # New inputs go to $work/new; the checked-in corpus is only read.
    mkdir "$work/new"
    bin=target/x86_64-unknown-linux-gnu/release/$target
    mkdir -p "artifacts/$target"
    TIMEFORMAT='%U %S'
    status=0
    # The binary itself rather than `cargo fuzz run`, so that the time is
    # the fuzzer's alone. stderr of the target closed (-close_fd_mask=2):
    # the program's error messages would fill the log; libFuzzer keeps its
    # own output.
    # libFuzzer writes its log (fuzz-0.log) into the current directory:
    # run it in $work so that two runs on different targets can share
    # the tree.
    cd "$work"
    { time "$root/fuzz/$bin" -artifact_prefix="$root/fuzz/artifacts/$target/" \
        -max_total_time="$seconds" -jobs=1 -workers=1 -close_fd_mask=2 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "$work/new" "$root/fuzz/$corpus" >"$work/run.log" 2>&1; } 2>"$work/time" || status=$?
    cd "$root/fuzz"
    log=$work/fuzz-0.log
    if [ "$status" -ne 0 ] || grep -q 'ERROR: libFuzzer\|panicked' "$log" 2>/dev/null; then
        cat "$work/run.log" "$log" 2>/dev/null | tail -40 >&2
        echo "$target: libFuzzer stopped with a failure (input in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    read -r user sys <"$work/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", u + s + 0.5 }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    new=$(find "$work/new" -type f | wc -l)
    rm -f "$log"
    # Merge the finds and minimise the whole into a fresh directory. Edges
    # only (-use_counters=0): hit counts would keep thousands of inputs
    # that differ in how often a loop ran, and the corpus is checked in.
    if [ "$new" -gt 0 ]; then
        mkdir "$work/min"
        "$bin" -merge=1 -use_counters=0 -close_fd_mask=2 "$work/min" "$corpus" "$work/new" \
            >"$work/merge.log" 2>&1 || { tail -20 "$work/merge.log" >&2; exit 1; }
        rm -rf "$corpus"
        mv "$work/min" "$corpus"
    fi
    rm -rf "$work"
    files=$(find "$corpus" -type f | wc -l)
    echo "$target: ${execs:-?} executions, ${cov:-cov: ?}, $cpu CPU-s, $new new inputs, corpus $files files"
    # Under a lock, for the same reason.
    (
        flock 9
        awk -F'\t' -v OFS='\t' -v t="$target" -v c="$cpu" -v e="${execs:-0}" '
            NR == 1 { print; next }
            $1 == t { $2 += c; $3 += e; seen = 1 }
            { print }
            END { if (!seen) print t, c, e }' "$tsv" >"$tsv.new"
        mv "$tsv.new" "$tsv"
    ) 9>"$lock"
done

# The table in doc/fuzzing.md between its markers, from fuzz/cpu.tsv.
doc=$root/doc/fuzzing.md
exec 9>"$lock"
flock 9
if [ -f "$doc" ]; then
    table=$(awk -F'\t' 'NR == 1 { print "| target | CPU seconds | executions |"; print "|---|---:|---:|"; next }
        { print "| " $1 " | " $2 " | " $3 " |" }' "$tsv")
    awk -v table="$table" '
        /<!-- cpu table start -->/ { print; print table; skip = 1; next }
        /<!-- cpu table end -->/ { skip = 0 }
        !skip { print }' "$doc" >"$doc.new"
    mv "$doc.new" "$doc"
fi
