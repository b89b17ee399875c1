#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test
# (unit tests in parallel, then integration tests against real processes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
ctest --test-dir "$build" -L unit --output-on-failure -j"$(nproc)"
ctest --test-dir "$build" -L integration --output-on-failure
