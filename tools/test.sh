#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: the fuzz targets for a
# bounded time (PUSHGATE_FUZZ_SECONDS per target, default 30), then every unit and integration
# test through ctest. Extra arguments go to ctest (e.g. -R Webhook).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
if [ "${PUSHGATE_FUZZ_SECONDS:-30}" != 0 ]; then
  tests/fuzz/run_fuzzers.sh build-fuzz "${PUSHGATE_FUZZ_SECONDS:-30}" 2>&1 | tail -n 40
fi
cd build
ctest --output-on-failure -j "${PUSHGATE_TEST_JOBS:-2}" "$@"
