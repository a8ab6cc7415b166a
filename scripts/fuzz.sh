#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (in build-fuzz/) and runs each of them for
# a given time on its seed corpus (tests/fuzz/corpus/TARGET, copied, so the committed seeds stay
# as they are). A target that crashes, leaks, hangs or trips a sanitizer fails the run; the input
# that did it is kept in build-fuzz/artifacts/TARGET/. Prints the executions of every target.
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [TARGET…]
#
# --seconds: per target (default 10; test.sh runs this short pass after ctest). --jobs: targets
# run side by side (default: the number of cores). TARGET: frame_guard csv_import json_import
# money start_body cancel_body query_string qstash_jwt (default: all).
# A crash becomes a regression test (tests/server, tests/import) and its input a seed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=10
jobs=$(nproc 2>/dev/null || echo 2)
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(frame_guard csv_import json_import money start_body cancel_body query_string qstash_jwt)
fi

build="$root/build-fuzz"
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
started=$(date +%s)
mkdir -p "$build"
if ! { cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
    && cmake --build "$build" --parallel "$jobs" -- $(printf 'fuzz_%s ' "${targets[@]}"); } >"$build/build.log" 2>&1; then
    tail -40 "$build/build.log" >&2
    echo "fuzz: the targets did not build (build-fuzz/build.log)" >&2
    exit 1
fi
built=$(date +%s)
echo "fuzz: built ${#targets[@]} targets in $((built - started)) s"

# Bounded inputs: a request head and a 64 KiB body; import files a little larger than that.
max_len() {
    case "$1" in
    frame_guard) echo 16384 ;;
    csv_import | json_import) echo 32768 ;;
    start_body | cancel_body) echo 70000 ;;
    *) echo 4096 ;;
    esac
}

run_one() {
    local target=$1 corpus="$build/corpus/$1" artifacts="$build/artifacts/$1/"
    mkdir -p "$corpus" "$artifacts"
    cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
    # Leaks are checked; Qt's own one-time allocations are not leaks of an input.
    LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$target")" -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" \
        >"$build/$target.log" 2>&1
}

status=0
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run_one "$target" &
done
wait || true

printf '%-14s %12s %10s  %s\n' target executions "execs/s" result
for target in "${targets[@]}"; do
    log="$build/$target.log"
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $NF}' | tail -1)
    if grep -qE '^==[0-9]+==ERROR|SUMMARY: (Address|Undefined|Leak)Sanitizer|deadly signal|ALARM: working on the last Unit|runtime error:' "$log" \
        || [ -z "$execs" ]; then
        printf '%-14s %12s %10s  %s\n' "$target" "${execs:--}" "${rate:--}" "FAILED (see $log, input in build-fuzz/artifacts/$target/)"
        status=1
    else
        printf '%-14s %12s %10s  %s\n' "$target" "$execs" "$rate" ok
    fi
done
echo "fuzz: $((seconds)) s per target, $(( $(date +%s) - started )) s in all"
exit $status
