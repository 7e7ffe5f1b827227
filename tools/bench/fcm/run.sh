#!/usr/bin/env bash
# FcmProvider throughput against Debian's nghttpd serving static files: a POST to a static path
# gets the file back with 200, so messages:send answers {"name": ...} and /token answers an
# access token. Google's host names are pointed at it by RESOLVE. The bench is pinned to CPU 0
# and the sink to CPU 1. Build first:
#   cmake -S /work/main -B /work/main/build-fcm-rel -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   ninja -C /work/main/build-fcm-rel -j2 fcm_bench
# Usage: tools/bench/fcm/run.sh [build-dir] [window ...]
# Env: REQUESTS (default 100000), CONNECTIONS (4), MAX_IN_FLIGHT (500), FCM_OS (android),
# NGHTTPD_STREAMS (nghttpd -m, default 100).
set -euo pipefail
BUILD=${1:-/work/main/build-fcm-rel}
shift || true
WINDOWS=("$@")
[ ${#WINDOWS[@]} -gt 0 ] || WINDOWS=(200 1000)
BENCH=$(find "$BUILD" -name fcm_bench -type f -perm -u+x | head -1)
[ -n "$BENCH" ] || { echo "fcm_bench not found under $BUILD" >&2; exit 1; }
REQUESTS=${REQUESTS:-100000}
CONNECTIONS=${CONNECTIONS:-4}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-500}
FCM_OS=${FCM_OS:-android}
NGHTTPD_STREAMS=${NGHTTPD_STREAMS:-100}
PROJECT=bench-project

work=$(mktemp -d)
sink_pid=
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 -subj "/CN=fcm.googleapis.com" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:fcm.googleapis.com,DNS:oauth2.googleapis.com" \
  >/dev/null 2>&1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.pem" 2>/dev/null
mkdir -p "$work/www/v1/projects/$PROJECT"
printf '{"name":"projects/%s/messages/0:1"}' "$PROJECT" >"$work/www/v1/projects/$PROJECT/messages:send"
printf '{"access_token":"ya29.bench","expires_in":3600,"token_type":"Bearer"}' >"$work/www/token"

port=$((20000 + RANDOM % 20000))
taskset -c 1 nghttpd -m "$NGHTTPD_STREAMS" -d "$work/www" "$port" "$work/key.pem" \
  "$work/cert.pem" >"$work/nghttpd.log" 2>&1 &
sink_pid=$!
for _ in $(seq 50); do
  curl -sf --http2 --cacert "$work/cert.pem" --resolve "oauth2.googleapis.com:$port:127.0.0.1" \
    -o /dev/null "https://oauth2.googleapis.com:$port/token" && break
  sleep 0.1
done

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for w in "${WINDOWS[@]}"; do
  echo "## window=$w max_in_flight=$MAX_IN_FLIGHT connections=$CONNECTIONS os=$FCM_OS"
  taskset -c 0 "$BENCH" --fcm_url="https://fcm.googleapis.com:$port" \
    --token_uri="https://oauth2.googleapis.com:$port/token" --ca="$work/cert.pem" \
    --resolve="fcm.googleapis.com:$port:127.0.0.1,oauth2.googleapis.com:$port:127.0.0.1" \
    --key_file="$work/sa.pem" --project="$PROJECT" --os="$FCM_OS" --requests="$REQUESTS" \
    --window="$w" --max_in_flight="$MAX_IN_FLIGHT" --connections="$CONNECTIONS"
done
