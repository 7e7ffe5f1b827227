#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit tests, integration
# tests against the real binary, and the fuzz targets for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
cd build
ctest --output-on-failure -j "${PUSHGATE_TEST_JOBS:-2}" "$@"
