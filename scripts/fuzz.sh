#!/usr/bin/env bash
# Fuzzes every decoder of untrusted bytes with libFuzzer (tests/fuzz/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 s, every target
#   scripts/fuzz.sh build                                 builds every target, runs none
#
# Builds the fuzz targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in
# ./build-fuzz (or $DROVER_FUZZ_BUILD_DIR), then runs each target for the given time on a
# copy of its checked-in corpus, one per core at once ($DROVER_FUZZ_JOBS to change that).
# Exits non-zero when any target crashes, leaks, times out or breaks a property; the
# crashing input is kept and its path printed. Add it to tests/fuzz/corpus/<target>/ with
# the fix so every test run replays it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"
shift || true
build_only=false
if [ "$seconds" = build ]; then build_only=true; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=()
  for source in "$root"/tests/fuzz/fuzz_*.cpp; do
    name="$(basename "$source" .cpp)"
    targets+=("${name#fuzz_}")
  done
fi

started=$(date +%s)
echo "configuring the fuzz build in $build ..."
mkdir -p "$build"
# -O1 -g1, as libFuzzer's documentation builds: about half the compile time of -O2 -g,
# and sanitizer reports keep file:line.
CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S "$root" -B "$build" -DDROVER_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
echo "building: ${targets[*]/#/fuzz_}"
if ! cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1; then
  cat "$build/build.log"
  exit 1
fi
echo "built in $(($(date +%s) - started)) s"
if $build_only; then exit 0; fi

runs="$build/fuzz-runs"
jobs="${DROVER_FUZZ_JOBS:-$(nproc)}"
# One target's run; its exit status says whether it found anything.
fuzz_one() {
  local name="$1" work="$runs/$1"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$root/tests/fuzz/corpus/$name/." "$work/corpus/"
  # -timeout: an input running over 10 s is a finding; -rss_limit_mb: so is one using 2 GiB.
  "$build/tests/fuzz/fuzz_$name" "$work/corpus" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" >"$work/fuzz.log" 2>&1
}

# Each libFuzzer run uses one core: $jobs of them at once, reported in target order.
echo "fuzzing ${#targets[@]} targets for $seconds s each, $jobs at a time ..."
declare -A pid_of
running=0
for name in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$name" &
  pid_of[$name]=$!
  running=$((running + 1))
done
failed=()
for name in "${targets[@]}"; do
  work="$runs/$name"
  if wait "${pid_of[$name]}"; then
    echo -n "fuzz_$name: "
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" \
      "$work/fuzz.log" | tr '\n' ' '
    grep -E "^#[0-9]+.*DONE" "$work/fuzz.log" | tail -1 || echo
  else
    failed+=("$name")
    echo "FAILED: fuzz_$name (log: $work/fuzz.log)"
    grep -E "ERROR:|SUMMARY:|fuzz property violated|uncaught|Test unit written to" "$work/fuzz.log" |
      head -20 || true
    for artifact in "$work"/artifacts/*; do
      [ -e "$artifact" ] && echo "crash input: $artifact"
    done
  fi
done

echo "fuzzing took $(($(date +%s) - started)) s in total"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz targets that failed: ${failed[*]}"
  exit 1
fi
