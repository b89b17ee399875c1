#!/usr/bin/env bash
# The test command: installs what is missing, builds the tests and the programs they run
# (target drover-tests: no benchmarks but the one unit test of their logic), runs every
# test: unit tests in parallel, then integration tests against real processes, then the
# image suite (ctest -L image): the Debian packages (scripts/package.sh, with lintian),
# baked into images (scripts/image.sh) whose booted copies are enrolled, named and
# provisioned, and one upgraded; last a bounded fuzz run of every decoder
# (scripts/fuzz.sh, $DROVER_FUZZ_SECONDS per target, 15 by default).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" drover-tests

ctest --test-dir "$build" -L unit --output-on-failure -j"$(nproc)"

# The packages, then the fuzz targets, build at the lowest priority while the integration
# tests (then the image suite) run: those mostly wait on servers and processes, and the
# builds take the CPU they leave. One build at a time: two at once slowed the puppetserver
# suites more than they saved. setsid puts the builds in a scheduling group of their own
# where the kernel groups by session (autogroup), so that group is niced too: nice alone
# would only order processes within it. Two integration tests run at a time (each has its
# own ports, directories and network names), except the puppetserver suites, which run
# alone (RUN_SERIAL).
packages="$build/packages"
rm -f "$build/package.status"
# A failed fuzz build is not final here: the fuzz stage below builds again and shows it.
ROOT="$root" BUILD="$build" PACKAGES="$packages" setsid nice -n 19 bash -c '
  echo 19 >/proc/self/autogroup 2>/dev/null || true
  DROVER_PACKAGE_WORK="$BUILD/package" "$ROOT/scripts/package.sh" "$PACKAGES" \
    >"$BUILD/package.log" 2>&1
  echo $? >"$BUILD/package.status"
  "$ROOT/scripts/fuzz.sh" build >"$BUILD/fuzz-build.log" 2>&1 || true' &
background=$!
trap 'kill -- -"$background" 2>/dev/null || true' EXIT
ctest --test-dir "$build" -L integration --output-on-failure -j"$(nproc)"

# The packages are done once package.sh said how it ended; the fuzz build goes on.
while [ ! -s "$build/package.status" ] && kill -0 "$background" 2>/dev/null; do sleep 1; done
if [ "$(cat "$build/package.status" 2>/dev/null)" != 0 ]; then
  cat "$build/package.log"
  echo "scripts/package.sh failed (log above, also in $build/package.log)" >&2
  exit 1
fi
tail -n 7 "$build/package.log"
# A fleet node's image (drover-node alone) and a control machine's (all the daemons).
"$root/scripts/image.sh" "$packages" "$build/image/node" node >"$build/image-node.log" 2>&1 &
node_image=$!
"$root/scripts/image.sh" "$packages" "$build/image/control" node broker provisioner client \
  >"$build/image-control.log" 2>&1 || { cat "$build/image-control.log"; exit 1; }
wait "$node_image" || { cat "$build/image-node.log"; exit 1; }
DROVER_IMAGE_DIR="$build/image" DROVER_PACKAGES_DIR="$packages" \
  ctest --test-dir "$build" -L image --output-on-failure
wait "$background" || true
# Built beside the tests above; this only runs them.
"$root/scripts/fuzz.sh" "${DROVER_FUZZ_SECONDS:-15}"
