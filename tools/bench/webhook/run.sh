#!/usr/bin/env bash
# Webhook throughput and latency on one core.
#
#   tools/bench/webhook/run.sh <server-binary> [config] [extra server args...]
#
# <server-binary> is `pushgate` or `webhook_bench_server` (both take --config <file>); config
# defaults to bench-config.json next to this script. The server runs pinned to CPU 0 in a fresh
# temporary directory (so a relative data_dir starts empty); wrk and the burst tool run pinned
# to CPU 1. Steps: 3 s warm-up, then `wrk -t1 -c64 -d10s --latency`, then a burst of 1,000
# POSTs over 64 connections (webhook_burst), then a row count from the database.
#
# Environment: BENCH_URL (default http://127.0.0.1:18080, must match the config's
# http.address), BENCH_USER / BENCH_PASSWORD (default cometchat / bench-pw, as in
# bench-config.json), DURATION (default 10s), CONNECTIONS (default 64), BURST_BIN (path of
# webhook_burst; default: looked up next to the server binary and in ../tools/bench/webhook).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 <server-binary> [config.json] [extra server args...]" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=$(cd "$here/../../.." && pwd)
binary=$(realpath "$1")
config=$(realpath "${2:-$here/bench-config.json}")
shift $(( $# >= 2 ? 2 : 1 ))
extra_args=("$@")

url=${BENCH_URL:-http://127.0.0.1:18080}
user=${BENCH_USER:-cometchat}
password=${BENCH_PASSWORD:-bench-pw}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}

burst=${BURST_BIN:+$(realpath "$BURST_BIN")}
if [ -z "$burst" ]; then
  for candidate in "$(dirname "$binary")/webhook_burst" \
                   "$(dirname "$binary")/../tools/bench/webhook/webhook_burst"; do
    if [ -x "$candidate" ]; then burst=$candidate; break; fi
  done
fi

for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/pushgate-bench.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# ~0.9 KB: the chat fixture without its pretty-printing whitespace.
/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"), ensure_ascii=False), end="")' \
  "$src_dir/tests/fixtures/cometchat/chat.json" > "$work/chat.min.json"
export WEBHOOK_BODY_FILE="$work/chat.min.json"
export WEBHOOK_AUTHORIZATION="Basic $(printf '%s:%s' "$user" "$password" | base64 -w0)"
export WEBHOOK_PATH=/webhook

cd "$work"
taskset -c 0 "$binary" --config "$config" "${extra_args[@]}" > server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat server.log >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null || { echo "run.sh: server did not come up" >&2; cat server.log >&2; exit 1; }

echo "== server: $binary ${extra_args[*]} (CPU 0), body $(wc -c < "$WEBHOOK_BODY_FILE") bytes"
echo "== warm-up: 3 s"
taskset -c 1 wrk -t1 -c"$connections" -d3s -s "$here/webhook.lua" "$url" > /dev/null

# Server CPU time (all threads, user + system) in clock ticks. On a shared machine the req/s
# figure moves with other load; CPU time per request does not, so both are printed.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)

echo "== wrk -t1 -c$connections -d$duration --latency (CPU 1)"
before=$(cpu_ticks)
taskset -c 1 wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/webhook.lua" "$url" \
  | tee "$work/wrk.txt"
after=$(cpu_ticks)
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
if [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
  awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN {
    us = t / hz * 1e6 / n;
    printf "server CPU: %.1f s for %d requests = %.1f us/request (%.0f req/s per fully available core)\n", t / hz, n, us, 1e6 / us }'
fi

if [ -n "$burst" ]; then
  echo "== burst: 1000 POSTs, $connections connections (CPU 1)"
  taskset -c 1 "$burst" --url "$url/webhook" --body-file "$WEBHOOK_BODY_FILE" \
    --authorization "$WEBHOOK_AUTHORIZATION" --requests 1000 --connections "$connections" || true
else
  echo "== burst: skipped (webhook_burst not found; set BURST_BIN)"
fi

echo "== server metrics"
curl -fsS "$url/metrics" | grep -E '^pushgate_(http_requests_total|webhook_ingest_seconds_(count|sum)|store_write_queue_depth)' || true
db=$(find "$work" -name pushgate.db | head -n1)
if [ -n "$db" ] && command -v sqlite3 >/dev/null; then
  echo "== notifications stored: $(sqlite3 "$db" 'select count(*) from notifications')"
fi
