#!/usr/bin/env bash
# The test command: installs what is missing, builds the tests and the programs they run
# (target drover-tests: no benchmarks but the one unit test of their logic), runs every
# test (unit tests in parallel, then integration tests against real processes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" drover-tests
ctest --test-dir "$build" -L unit --output-on-failure -j"$(nproc)"
ctest --test-dir "$build" -L integration --output-on-failure
