#!/usr/bin/env bash
# Configures and builds Drover into ./build (or $DROVER_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${DROVER_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
echo "building Drover in $build ..."
if ! cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1; then
  cat "$build/build.log"
  exit 1
fi
