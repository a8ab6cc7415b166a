#!/usr/bin/env bash
# Server figures (issue 3): start a redis-server and dealscope-server on free loopback ports, then
#  (a) 20,000 jobs end to end over HTTP (start, then batch status until all terminal) → jobs/s,
#      on the Redis store (32 client connections, then SWEEP="64 128" more) and on the memory store
#  (b) status requests/s with wrk
#  (c) redis-benchmark GET/SET on the same Redis → the ceiling
#  (d) BullMQ (npm package, installed here into benchmarks/server/bullmq with npm ci) running the
#      same job shape (two progress updates and a result) on the same Redis
# and each figure as a ratio to BullMQ and to the ceiling, also written as JSON with --json FILE.
# Usage: benchmarks/server/run.sh [BUILD_DIR] [--json FILE]
#        (needs dealscope-server and dealscope-server-loadgen built; node and npm for BullMQ)
set -euo pipefail
BUILD=build
JSON_OUT=
while [[ $# -gt 0 ]]; do
    case $1 in
        --json) JSON_OUT=$(realpath -m "$2"); shift 2 ;;
        *) BUILD=$1; shift ;;
    esac
done
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVER="$BUILD/app/server/dealscope-server"
LOADGEN="$BUILD/benchmarks/server/dealscope-server-loadgen"
JOBS=${JOBS:-20000}
WORKERS=${WORKERS:-2}
for bin in "$SERVER" "$LOADGEN"; do
    [[ -x $bin ]] || { echo "missing $bin: cmake --build $BUILD --target dealscope-server dealscope-server-loadgen" >&2; exit 1; }
done
for tool in redis-server redis-benchmark wrk node npm; do
    command -v $tool >/dev/null || { echo "missing $tool (apt-get install redis-server redis-tools wrk nodejs npm)" >&2; exit 1; }
done
# BullMQ at the version of package-lock.json, into the benchmark folder (node_modules is not committed).
if [[ ! -d $HERE/bullmq/node_modules/bullmq ]]; then
    (cd "$HERE/bullmq" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

TMP=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
    [[ -n ${SERVER_PID:-} ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    [[ -n ${REDIS_PID:-} ]] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

LISTINGS=$(( (JOBS + 3) / 4 ))
"$LOADGEN" listings "$TMP/listings.csv" "$LISTINGS"
HTTP_PORT=$(free_port)
QT_LOGGING_RULES='*.info=false' "$SERVER" --listen "127.0.0.1:$HTTP_PORT" --listings "$TMP/listings.csv" \
    --store "redis://127.0.0.1:$REDIS_PORT" --insecure-no-auth --workers "$WORKERS" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.05; done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== machine: $(nproc) cores, load average $LOAD_BEFORE before the run; server: $WORKERS workers; $JOBS jobs over $LISTINGS listings"
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
echo "== (a) jobs end to end over HTTP (32 keep-alive connections), Redis store"
A=$("$LOADGEN" jobs "$HTTP_PORT" "$JOBS" "$LISTINGS" 32)
echo "$A (CPU seconds: server $(cpu_s "$SERVER_PID"), redis $(cpu_s "$REDIS_PID"))"
JOBS_PER_S=$(sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p' <<<"$A")

# The start phase at 32 connections is bound by each start's round trip (HTTP, the store thread,
# Redis behind the workers' scripts), not by the CPU: the same with more client connections, each
# on a server of its own under a fresh key prefix of the same Redis (no earlier job is deduplicated).
for CONNS in ${SWEEP:-64 128}; do
    PORT=$(free_port)
    QT_LOGGING_RULES='*.info=false' "$SERVER" --listen "127.0.0.1:$PORT" --listings "$TMP/listings.csv" \
        --store "redis://127.0.0.1:$REDIS_PORT" --redis-prefix "sweep$CONNS:" --insecure-no-auth --workers "$WORKERS" >"$TMP/server-$CONNS.log" 2>&1 &
    PID=$!
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
    REDIS_BEFORE=$(cpu_s "$REDIS_PID")
    echo "== (a) the same with $CONNS connections, Redis store"
    AC=$("$LOADGEN" jobs "$PORT" "$JOBS" "$LISTINGS" "$CONNS")
    echo "$AC (CPU seconds: server $(cpu_s "$PID"), redis $(awk -v a="$REDIS_BEFORE" -v b="$(cpu_s "$REDIS_PID")" 'BEGIN {printf "%.2f", b - a}'))"
    kill "$PID" && wait "$PID" 2>/dev/null || true
    SWEEP_FIGURES+="$CONNS connections $(sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p' <<<"$AC") jobs/s; "
done

# The same with the embedded memory store (a second server process, stopped right after).
MEM_PORT=$(free_port)
QT_LOGGING_RULES='*.info=false' "$SERVER" --listen "127.0.0.1:$MEM_PORT" --listings "$TMP/listings.csv" \
    --store memory --insecure-no-auth --workers "$WORKERS" >"$TMP/server-memory.log" 2>&1 &
MEM_PID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$MEM_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
echo "== (a) the same, memory store"
AM=$("$LOADGEN" jobs "$MEM_PORT" "$JOBS" "$LISTINGS" 32)
echo "$AM (CPU seconds: server $(cpu_s "$MEM_PID"))"
kill "$MEM_PID" && wait "$MEM_PID" 2>/dev/null || true
MEM_JOBS_PER_S=$(sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p' <<<"$AM")

JOB_ID=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"listingId":"B0","analysisType":"valuation"}' \
    "http://127.0.0.1:$HTTP_PORT/api/analysis/start" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
STATUS_URL="http://127.0.0.1:$HTTP_PORT/api/analysis/status?jobId=$JOB_ID"
echo "== (b) status requests/s with wrk (10 s each)"
B2=$(wrk -t2 -c2 -d10s "$STATUS_URL" | awk '/Requests\/sec/ {print int($2)}')
B32=$(wrk -t2 -c32 -d10s "$STATUS_URL" | awk '/Requests\/sec/ {print int($2)}')
echo "wrk -t2 -c2:  $B2 status requests/s"
echo "wrk -t2 -c32: $B32 status requests/s"

echo "== (c) redis-benchmark on the same Redis (the ceiling)"
RB=$(redis-benchmark -p "$REDIS_PORT" -t get,set -n 200000 -c 32 -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second')
echo "$RB"
SET_RPS=$(awk '/^SET:/ {print int($2)}' <<<"$RB")
GET_RPS=$(awk '/^GET:/ {print int($2)}' <<<"$RB")

echo "== (d) BullMQ $(node -p 'require("'"$HERE"'/bullmq/node_modules/bullmq/package.json").version') on the same Redis: the same $JOBS jobs, two progress updates and a result each"
D=$(cd "$HERE/bullmq" && node bench.mjs "$REDIS_PORT" "$JOBS" 64)
echo "$D (CPU seconds of redis so far: $(cpu_s "$REDIS_PID"))"
BULLMQ_JOBS_PER_S=$(sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p' <<<"$D")

echo "== ratios (to BullMQ's jobs/s and to the redis-benchmark ceiling: SET/s for jobs, GET/s for status requests)"
SWEEP_PAIRS=${SWEEP_FIGURES:-}
python3 - "$JOBS_PER_S" "$B2" "$B32" "$SET_RPS" "$GET_RPS" "$MEM_JOBS_PER_S" "$BULLMQ_JOBS_PER_S" "$JOBS" "$WORKERS" \
    "$(nproc)" "$LOAD_BEFORE" "${SWEEP_PAIRS:-}" "$JSON_OUT" <<'PY'
import json, re, sys
jobs, b2, b32, set_rps, get_rps, mem_jobs, bullmq = map(float, sys.argv[1:8])
n_jobs, workers, cores = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
load, sweep, out = sys.argv[11], sys.argv[12], sys.argv[13]
figures = {}
def add(name, value, ceiling, label):
    figures[name] = {"value": round(value), "vs_bullmq": round(value / bullmq, 3),
                     "vs_ceiling": round(value / ceiling, 3)}
    print(f"{label:<44}{value:>10,.0f}   {value / bullmq:6.2f} × BullMQ   {value / ceiling:6.3f} × ceiling")
add("jobs_per_s_redis_32_connections", jobs, set_rps, "jobs/s end to end over HTTP, Redis, 32 conns")
for conns, value in re.findall(r"(\d+) connections (\d+) jobs/s", sweep):
    add(f"jobs_per_s_redis_{conns}_connections", float(value), set_rps, f"jobs/s end to end over HTTP, Redis, {conns} conns")
add("jobs_per_s_memory_32_connections", mem_jobs, set_rps, "jobs/s end to end over HTTP, memory store")
add("status_requests_per_s_2_connections", b2, get_rps, "status requests/s (wrk, 2 connections)")
add("status_requests_per_s_32_connections", b32, get_rps, "status requests/s (wrk, 32 connections)")
add("bullmq_jobs_per_s", bullmq, set_rps, "BullMQ jobs/s (no HTTP, same Redis)")
add("redis_benchmark_set_per_s", set_rps, set_rps, "redis-benchmark SET/s (the ceiling)")
add("redis_benchmark_get_per_s", get_rps, get_rps, "redis-benchmark GET/s (the ceiling)")
if out:
    with open(out, "w") as f:
        json.dump({"machine": {"cores": cores, "loadavg_before": load}, "jobs": n_jobs, "workers": workers,
                   "ceiling": {"set_per_s": round(set_rps), "get_per_s": round(get_rps)},
                   "figures": figures}, f, indent=2)
        f.write("\n")
    print(f"figures written to {out}")
PY
true
