#!/usr/bin/env bash
# Http2Client throughput against Debian's nghttpd serving a static file (POSTs to a static path
# get the file back with 200), with the real APNs host name pointed at it by RESOLVE.
# The bench is pinned to CPU 0 (its client thread and the producer share that core) and the
# sink to CPU 1. Build first:
#   cmake -S /work/main -B /work/main/build-http2-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   ninja -C /work/main/build-http2-rel -j2 http2_bench
# Usage: tools/bench/http2/run.sh [build-dir] [max_in_flight ...]
# Env: REQUESTS (default 200000), CONNECTIONS (4), NGHTTPD_STREAMS (nghttpd -m, default 100),
# BENCH_PRELOAD (e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 to try another allocator).
set -euo pipefail
BUILD=${1:-/work/main/build-http2-rel}
shift || true
IN_FLIGHT=("$@")
[ ${#IN_FLIGHT[@]} -gt 0 ] || IN_FLIGHT=(100 400 1000)
BENCH=$(find "$BUILD" -name http2_bench -type f -perm -u+x | head -1)
[ -n "$BENCH" ] || { echo "http2_bench not found under $BUILD" >&2; exit 1; }
REQUESTS=${REQUESTS:-200000}
CONNECTIONS=${CONNECTIONS:-4}
NGHTTPD_STREAMS=${NGHTTPD_STREAMS:-100}
HOST=api.sandbox.push.apple.com
TOKEN=5b1c0f6a1d2e3f405162738495a6b7c8d9e0f1021324354657687980a1b2c3d4

work=$(mktemp -d)
sink_pid=
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$HOST" >/dev/null 2>&1
mkdir -p "$work/www/3/device"
printf '{}' >"$work/www/3/device/$TOKEN"

port=$((20000 + RANDOM % 20000))
taskset -c 1 nghttpd -m "$NGHTTPD_STREAMS" -d "$work/www" "$port" "$work/key.pem" \
  "$work/cert.pem" >"$work/nghttpd.log" 2>&1 &
sink_pid=$!
for _ in $(seq 50); do
  curl -sf --http2 --cacert "$work/cert.pem" --resolve "$HOST:$port:127.0.0.1" \
    -o /dev/null "https://$HOST:$port/3/device/$TOKEN" && break
  sleep 0.1
done

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${IN_FLIGHT[@]}"; do
  echo "## max_in_flight=$n connections=$CONNECTIONS nghttpd -m $NGHTTPD_STREAMS"
  taskset -c 0 env ${BENCH_PRELOAD:+LD_PRELOAD=$BENCH_PRELOAD} "$BENCH" --url="https://$HOST:$port/3/device/$TOKEN" --ca="$work/cert.pem" \
    --resolve="$HOST:$port:127.0.0.1" --requests="$REQUESTS" --max_in_flight="$n" \
    --connections="$CONNECTIONS"
done
