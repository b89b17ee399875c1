#!/usr/bin/env bash
# Configures and builds Drover into ./build (or $DROVER_BUILD_DIR).
#
#   scripts/build.sh [TARGET...]    default: everything (tests and benchmarks included)
#
# The other scripts name what they need: drover-demo (scripts/demo.sh), drover-tests
# (scripts/test.sh); see the end of CMakeLists.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${DROVER_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
targets=()
for target in "$@"; do targets+=(--target "$target"); done
echo "building ${*:-Drover} in $build ..."
if ! cmake --build "$build" -j"$(nproc)" "${targets[@]}" >"$build/build.log" 2>&1; then
  cat "$build/build.log"
  exit 1
fi
