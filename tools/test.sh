#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   tools/test.sh         the normal build (build/: server, client, tests; no benchmarks) and
#                         its whole ctest suite, fast tests (-LE slow) then slow ones (-L slow:
#                         crashes, provider faults, hostile input, soak). About 15 minutes from a
#                         fresh clone on 2 cores (docs/BENCHMARKS.md, "Build time").
#   tools/test.sh --all   what CI proves (.ci/run), about 45 minutes: the above with the
#                         benchmarks built too, then
#     - the fuzz targets, each for PUSHGATE_FUZZ_SECONDS (default 30; 0 skips them);
#     - the whole suite under ASan+UBSan (build-asan/) and under TSan (build-tsan/), through
#       tools/sanitize.sh; PUSHGATE_SANITIZERS picks them (default "address thread"; "" skips).
# Extra arguments go to every ctest run (e.g. -R Webhook).
#
# The suites mostly wait (on timers, sockets and child processes) while the builds use both
# cores, so each suite runs in the background while the next build compiles: the normal suite
# during the fuzzers and the ASan build, the ASan suite during the TSan build. Only one suite
# runs at a time. Each suite's output goes to build-logs/<suite>.log and is shown when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = "--all" ]; then
  all=1
  shift
fi
started=$SECONDS
say() { echo "test.sh [$((SECONDS - started)) s] $*"; }
logs=build-logs
mkdir -p "$logs"
failed=()
running_name=""
running_pid=""

# Starts a suite in the background (at most one runs at a time).
start_suite() {
  local name=$1
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  running_name=$name
  running_pid=$!
  say "$name started (log: $logs/$name.log)"
}

# Waits for the running suite and reports it.
finish_suite() {
  [ -n "$running_pid" ] || return 0
  if wait "$running_pid"; then
    say "$running_name passed"
    grep -E "tests passed|Total Test time" "$logs/$running_name.log" || true
  else
    say "$running_name FAILED:"
    tail -n 300 "$logs/$running_name.log"
    failed+=("$running_name")
  fi
  running_pid=""
}

normal_suite() {
  cd build
  ctest --output-on-failure -j "${PUSHGATE_TEST_JOBS:-2}" -LE slow "$@"
  ctest --output-on-failure -j "${PUSHGATE_TEST_JOBS:-2}" -L slow "$@"
}

tools/setup.sh
if [ "$all" = 0 ]; then
  # The per-directory targets of Ninja: everything but tools/bench.
  tools/build.sh server/all client/all tests/all
  say "normal build done"
  start_suite tests normal_suite "$@"
  finish_suite
  if [ ${#failed[@]} -gt 0 ]; then
    say "FAILED"
    exit 1
  fi
  say "all passed (tools/test.sh --all adds the fuzzers and the sanitizer builds)"
  exit 0
fi

tools/build.sh
say "normal build done"
start_suite tests normal_suite "$@"

if [ "${PUSHGATE_FUZZ_SECONDS:-30}" != 0 ]; then
  if tests/fuzz/run_fuzzers.sh build-fuzz "${PUSHGATE_FUZZ_SECONDS:-30}" >"$logs/fuzz.log" 2>&1; then
    say "fuzzers passed"
    grep -E "^run_fuzzers|^Done|cov:.*corp" "$logs/fuzz.log" | grep -E "run_fuzzers|Done" || true
  else
    say "fuzzers FAILED:"
    tail -n 80 "$logs/fuzz.log"
    failed+=(fuzz)
  fi
fi

for kind in ${PUSHGATE_SANITIZERS-address thread}; do
  tools/sanitize.sh build "$kind"
  say "$kind sanitizer build done"
  finish_suite
  start_suite "sanitize-$kind" tools/sanitize.sh test "$kind" "$@"
done
finish_suite

if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "all passed"
