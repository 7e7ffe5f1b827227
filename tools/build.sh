#!/usr/bin/env bash
# Configures and builds pushgate into build/ (RelWithDebInfo). Used by run.sh and test.sh.
#   tools/build.sh                      # everything: server, client, tests, benchmarks
#   tools/build.sh pushgate pushgatectl # only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${PUSHGATE_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${PUSHGATE_BUILD_TYPE:-RelWithDebInfo}"
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
# Two jobs: the reference machine has two cores; more jobs only thrash.
cmake --build "$BUILD_DIR" -j "${PUSHGATE_BUILD_JOBS:-2}" "${targets[@]}"
