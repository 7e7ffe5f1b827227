#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + libFuzzer) and runs each for a bounded time.
#
#   tests/fuzz/run_fuzzers.sh <build_dir> <seconds>
#
# <build_dir> is configured on first use (clang, RelWithDebInfo, -DPUSHGATE_FUZZ=ON, every
# library instrumented with -fsanitize=fuzzer-no-link,address). Seeds come from
# tests/fuzz/corpus/<target>/ and are copied into <build_dir>/fuzz/corpus/<target>/, where new
# inputs accumulate, so the checked-in corpus never changes by itself. A crash, leak or
# timeout leaves its reproducer in <build_dir>/fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 <build_dir> [seconds per target, default 30]" >&2
  exit 2
fi
build_dir=$1
seconds=${2:-30}
jobs=${JOBS:-2}
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=$(cd "$fuzz_dir/../.." && pwd)
targets=(webhook_fuzz push_builders_fuzz config_fuzz)

if [ -f "$build_dir/CMakeCache.txt" ]; then
  compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
  if [[ "$compiler" != *clang* ]]; then
    echo "run_fuzzers: $build_dir is configured with $compiler; use a fresh directory" >&2
    exit 2
  fi
  cmake -S "$src_dir" -B "$build_dir" -DPUSHGATE_FUZZ=ON >/dev/null
else
  CC=clang CXX=clang++ cmake -S "$src_dir" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPUSHGATE_FUZZ=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer" >/dev/null
fi
ninja -C "$build_dir" -j"$jobs" "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  corpus="$build_dir/fuzz/corpus/$name"
  artifacts="$build_dir/fuzz/artifacts/$name/"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$fuzz_dir/corpus/$name/"* "$corpus/" 2>/dev/null || true
  binary=$(find "$build_dir" -type f -name "$target" -perm -u+x | head -n1)
  dict_args=()
  dict="$fuzz_dir/$name.dict"
  # The builders read stored webhook bodies: the webhook's dictionary is theirs too.
  [ "$name" = push_builders ] && dict="$fuzz_dir/webhook.dict"
  [ -f "$dict" ] && dict_args=(-dict="$dict")
  echo "run_fuzzers: $target for ${seconds}s"
  if ! "$binary" "${dict_args[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus"; then
    echo "run_fuzzers: $target FAILED; reproducers in $artifacts" >&2
    status=1
  fi
done
exit $status
