#!/usr/bin/env bash
# Installs what is missing, builds, and starts pushgate. With no arguments it runs on the
# embedded defaults: SQLite under ./data, HTTP on 127.0.0.1:8080, gRPC on 127.0.0.1:50051 and
# a demo app whose credentials it prints. Any arguments go to pushgate (e.g. --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh pushgate pushgatectl
exec build/server/pushgate "$@"
