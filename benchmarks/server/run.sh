#!/usr/bin/env bash
# Server figures (issue 3): start a redis-server and dealscope-server on free loopback ports, then
#  (a) 20,000 jobs end to end over HTTP (start, then batch status until all terminal) → jobs/s,
#      on the Redis store (32 client connections, then SWEEP="64 128" more) and on the memory store
#  (b) status requests/s with wrk
#  (c) redis-benchmark GET/SET on the same Redis → the ceiling, and the ratios.
# Usage: benchmarks/server/run.sh [BUILD_DIR]   (needs dealscope-server and dealscope-server-loadgen built)
set -euo pipefail
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
SERVER="$BUILD/app/server/dealscope-server"
LOADGEN="$BUILD/benchmarks/server/dealscope-server-loadgen"
JOBS=${JOBS:-20000}
WORKERS=${WORKERS:-2}
for bin in "$SERVER" "$LOADGEN"; do
    [[ -x $bin ]] || { echo "missing $bin: cmake --build $BUILD --target dealscope-server dealscope-server-loadgen" >&2; exit 1; }
done
for tool in redis-server redis-benchmark wrk; do
    command -v $tool >/dev/null || { echo "missing $tool (apt-get install redis-server redis-tools wrk)" >&2; exit 1; }
done

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

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run; server: $WORKERS workers; $JOBS jobs over $LISTINGS listings"
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

echo "== ratios"
python3 - "$JOBS_PER_S" "$B32" "$SET_RPS" "$GET_RPS" "$MEM_JOBS_PER_S" <<'PY'
import sys
jobs, status, set_rps, get_rps, mem_jobs = map(float, sys.argv[1:])
print(f"jobs/s end to end : {jobs:,.0f}  = {jobs / set_rps:.3f} × Redis SET/s ({set_rps:,.0f}); memory store {mem_jobs:,.0f}")
print(f"status requests/s : {status:,.0f}  = {status / get_rps:.3f} × Redis GET/s ({get_rps:,.0f})")
print(f"target (issue 3)  : ~8,000–10,000 jobs/s end to end (BullMQ without HTTP)")
PY
[[ -n ${SWEEP_FIGURES:-} ]] && echo "jobs/s, Redis store, by client connections: 32 connections $JOBS_PER_S jobs/s; ${SWEEP_FIGURES%; }"
true
