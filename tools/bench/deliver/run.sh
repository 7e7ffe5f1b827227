#!/usr/bin/env bash
# Delivery benchmark: webhook in → durable queue → APNs out, against two sinks.
#
#   tools/bench/deliver/run.sh fast    [BUILD_DIR]   # nghttpd (Debian nghttp2-server): throughput
#   tools/bench/deliver/run.sh latency [BUILD_DIR]   # the Node fake APNs + 20 ms: latency at 1,000/s
#   tools/bench/deliver/run.sh fcm     [BUILD_DIR]   # as fast, but FCM HTTP v1 into nghttpd
#
# fast: USERS recipients with one APNs registration each, NOTIFICATIONS chats spread over them
#   (one delivery per notification). Two runs, each on a fresh data dir:
#   drain  the notifications are stored with the engine disabled, then pushgate restarts with
#          the engine on and sends the backlog: the delivery engine's own rate;
#   e2e    the engine runs while the webhook takes the notifications as fast as it answers:
#          ingest and delivery share the machine.
#   nghttpd serves an empty file per recipient's token path (POST gets the file: 200) and checks
#   no JWT. (Its --echo-upload mode would spare the files, but it spools every upload through a
#   temporary file and then costs the machine more CPU than pushgate does.)
# fcm: like fast (drain and e2e), with one FCM (Android) registration per recipient and the app's
#   `fcm` service account pointed at nghttpd: a static messages:send file answers every send with
#   {"name": ...}, a static token file answers the OAuth2 grant (no JWT check).
# latency: RATE webhooks per second for NOTIFICATIONS in total against the strict fake with 20 ms
#   added to every answer; reports received_at → provider-accepted percentiles.
#
# Environment: USERS, NOTIFICATIONS, RATE, CONNECTIONS (webhook client), MAX_IN_FLIGHT and
# CLAIM_BATCH (engine; default 256 each, the gateway's own defaults), KEEP=1 (keep the work
# dir), LOG_LEVEL (pushgate's; default warn; info adds e.g. the HTTP/2 client's passes and
# completions at shutdown), SKIP_E2E=1 (fast and fcm: the drain run only).
# BUILD_DIR defaults to build-engine-rel (cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo; targets
# pushgate and deliver_bench).
set -euo pipefail

mode=${1:-fast}
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${2:-$root/build-engine-rel}" && pwd)
pushgate=$build/server/pushgate
bench=$build/tools/bench/deliver/deliver_bench
[ -x "$pushgate" ] && [ -x "$bench" ] || { echo "build pushgate and deliver_bench in $build" >&2; exit 2; }

work=$(mktemp -d /tmp/deliver-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] && echo "work dir kept: $work" || rm -rf "$work"
}
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   nproc: $(nproc)   build: $build"
echo "engine: max_in_flight=${MAX_IN_FLIGHT:-256} claim_batch=${CLAIM_BATCH:-256}"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/tls.key" -out "$work/tls.crt" -days 1 -subj /CN=bench-sink \
  -addext "subjectAltName=IP:127.0.0.1,DNS:api.push.apple.com,DNS:api.sandbox.push.apple.com,DNS:fcm.googleapis.com,DNS:oauth2.googleapis.com" \
  2>/dev/null
openssl ecparam -genkey -name prime256v1 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/AuthKey.p8"
openssl pkey -in "$work/AuthKey.p8" -pubout -out "$work/pub.pem"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The service account the fcm mode's app sends as; nghttpd never checks its signature.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/sa.pem" 2>/dev/null
/usr/bin/python3 - "$work/sa.pem" > "$work/sa.json" <<'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "bench-project",
                  "private_key_id": "0123456789abcdef", "private_key": open(sys.argv[1]).read(),
                  "client_email": "bench@bench-project.iam.gserviceaccount.com",
                  "token_uri": "https://oauth2.googleapis.com/token"}))
PY

# The app's provider section: APNs, or FCM with CHANNEL=fcm. $1 sink port.
provider_config() {
  if [ "${CHANNEL:-apns}" = fcm ]; then
    cat <<JSON
    "fcm": {
      "service_account": {"file": "$work/sa.json"},
      "fcm_url": "https://fcm.googleapis.com:$1",
      "token_uri": "https://oauth2.googleapis.com:$1/token",
      "ca_file": "$work/tls.crt",
      "resolve": ["fcm.googleapis.com:$1:127.0.0.1", "oauth2.googleapis.com:$1:127.0.0.1"]
    }
JSON
  else
    cat <<JSON
    "apns": {
      "team_id": "TEAMID6789", "key_id": "KEYID12345", "p8_key": {"file": "$work/AuthKey.p8"},
      "bundle_id": "com.example.chat",
      "sandbox_url": "https://api.sandbox.push.apple.com:$1",
      "production_url": "https://api.push.apple.com:$1",
      "ca_file": "$work/tls.crt",
      "resolve": ["api.sandbox.push.apple.com:$1:127.0.0.1", "api.push.apple.com:$1:127.0.0.1"]
    }
JSON
  fi
}

# $1 data dir, $2 sink port, $3 engine.enabled
write_config() {
  cat > "$1.json" <<JSON
{
  "data_dir": "$1",
  "log_level": "${LOG_LEVEL:-warn}",
  "http": {"address": "127.0.0.1:0"},
  "grpc": {"address": "127.0.0.1:0", "plaintext": true},
  "limits": {"grpc": {"requests_per_second": 0}},
  "engine": {"enabled": $3, "max_in_flight": ${MAX_IN_FLIGHT:-256}, "claim_batch": ${CLAIM_BATCH:-256}},
  "apps": [{
    "app_id": "app123",
    "webhook": {"basic_auth": [{"username": "cometchat", "password": {"value": "secret-pass"}}]},
    "api_keys": [{"name": "bench", "key": {"value": "bench-api-key"}, "role": "admin"}],
$(provider_config "$2")
  }]
}
JSON
}

# Starts pushgate on config $1.json; sets PG_PID, HTTP_PORT, GRPC_PORT.
start_pushgate() {
  "$pushgate" --config "$1.json" > "$1.out" 2> "$1.log" &
  PG_PID=$!
  pids+=("$PG_PID")
  for _ in $(seq 1 300); do
    if grep -q "pushgate listening" "$1.out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  HTTP_PORT=$(sed -n 's/.*http_port=\([0-9]*\).*/\1/p' "$1.out")
  GRPC_PORT=$(sed -n 's/.*grpc_port=\([0-9]*\).*/\1/p' "$1.out")
  [ -n "$HTTP_PORT" ] || { cat "$1.log" >&2; exit 1; }
}

stop_pushgate() { kill -TERM "$PG_PID"; wait "$PG_PID" || true; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# CPU time of each of pushgate's threads so far (ms), by thread name.
thread_cpu() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm")" "$(awk '{print ($14 + $15) * 10}' "$t/stat")"
  done | awk '{ms[$1] += $2} END {for (n in ms) if (ms[n] > 0) printf "%s=%dms ", n, ms[n]; print ""}'
}

register() {
  "$bench" register --grpc "127.0.0.1:$GRPC_PORT" --api-key bench-api-key --users "$USERS" \
    --platform "${CHANNEL:-apns}"
}

post() {  # $1 rate
  "$bench" post --webhook "http://127.0.0.1:$HTTP_PORT/webhook" --users "$USERS" \
    --notifications "$NOTIFICATIONS" --rate "$1" --connections "${CONNECTIONS:-32}" \
    --fixture "$root/tests/fixtures/cometchat/chat.json"
}

report() {  # $1 data dir
  "$bench" report --db "$1/pushgate.db" --notifications "$NOTIFICATIONS"
}

case "$mode" in
  fast|fcm)
    USERS=${USERS:-20000}
    NOTIFICATIONS=${NOTIFICATIONS:-200000}
    port=$(free_port)
    if [ "$mode" = fcm ]; then
      CHANNEL=fcm
      mkdir -p "$work/www/v1/projects/bench-project"
      printf '{"name":"projects/bench-project/messages/0:1"}' \
        > "$work/www/v1/projects/bench-project/messages:send"
      printf '{"access_token":"ya29.bench","expires_in":3600,"token_type":"Bearer"}' > "$work/www/token"
    else
      "$bench" sink-files --dir "$work/www" --users "$USERS"
    fi
    nghttpd -d "$work/www" "$port" "$work/tls.key" "$work/tls.crt" > "$work/nghttpd.log" 2>&1 &
    sink_pid=$!
    pids+=("$sink_pid")
    sleep 0.3

    echo "== drain: $NOTIFICATIONS stored first, then sent by the engine alone (nghttpd sink, ${CHANNEL:-apns})"
    echo "   (its latencies include the wait for the restart: only the rates mean something)"
    data=$work/drain
    write_config "$data" "$port" false
    start_pushgate "$data"
    register
    post 0
    stop_pushgate
    write_config "$data" "$port" true
    start_pushgate "$data"
    t0=$(cpu_ticks "$PG_PID")
    report "$data"
    echo "pushgate CPU during the drain: $(( ($(cpu_ticks "$PG_PID") - t0) * 10 )) ms (both cores)"
    echo "by thread since start: $(thread_cpu "$PG_PID")"
    # The sink shares the 2 cores: what the client's segments and frames cost it counts too.
    echo "nghttpd (sink) CPU since start: $(( $(cpu_ticks "$sink_pid") * 10 )) ms"
    stop_pushgate

    [ "${SKIP_E2E:-0}" = 1 ] && exit 0
    echo "== e2e: webhook and engine at once (nghttpd sink, ${CHANNEL:-apns})"
    data=$work/e2e
    write_config "$data" "$port" true
    start_pushgate "$data"
    register
    t0=$(cpu_ticks "$PG_PID")
    post 0
    report "$data"
    echo "pushgate CPU for the run: $(( ($(cpu_ticks "$PG_PID") - t0) * 10 )) ms (both cores)"
    echo "by thread since start: $(thread_cpu "$PG_PID")"
    stop_pushgate
    ;;
  latency)
    USERS=${USERS:-1000}
    NOTIFICATIONS=${NOTIFICATIONS:-20000}
    RATE=${RATE:-1000}
    node "$root/tests/fakes/apns/fake_apns.js" --cert "$work/tls.crt" --key "$work/tls.key" \
      --jwt-public-key "$work/pub.pem" --key-id KEYID12345 --team-id TEAMID6789 \
      --bundle-id com.example.chat > "$work/fake.out" 2> "$work/fake.log" &
    fake_pid=$!
    pids+=("$fake_pid")
    for _ in $(seq 1 100); do grep -q apns_port "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/.*apns_port=\([0-9]*\).*/\1/p' "$work/fake.out")
    control=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$work/fake.out")
    curl -s -X POST -d '{"ms":20}' "http://127.0.0.1:$control/control/latency" > /dev/null

    echo "== latency: $RATE/s for $NOTIFICATIONS notifications, fake APNs answering after 20 ms"
    data=$work/latency
    write_config "$data" "$port" true
    start_pushgate "$data"
    register
    t0=$(cpu_ticks "$PG_PID")
    post "$RATE"
    report "$data"
    echo "pushgate CPU for the run: $(( ($(cpu_ticks "$PG_PID") - t0) * 10 )) ms (both cores)"
    echo "by thread since start: $(thread_cpu "$PG_PID")"
    echo "fake APNs (node) CPU since start: $(( $(cpu_ticks "$fake_pid") * 10 )) ms"
    curl -s "http://127.0.0.1:$control/control/stats"; echo
    stop_pushgate
    ;;
  *)
    echo "usage: $0 fast|fcm|latency [BUILD_DIR]" >&2
    exit 2
    ;;
esac
