#!/usr/bin/env bash
# Installs what pushgate needs to build, run and test on Debian 12, and nothing that is
# already there. Safe to run again: it only calls apt when a package is missing.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev libabsl-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev libssl-dev libnghttp2-dev libboost1.81-dev
  # tests, fakes and benchmarks
  curl openssl sqlite3 nghttp2-client nghttp2-server wrk
  python3 python3-grpcio python3-protobuf python3-grpc-tools
  clang libclang-rt-14-dev
  # the status page's browser test (headless)
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
