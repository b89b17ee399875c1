#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) on the given C++ files, or on those changed
# since `main` when none are given. It needs the build's compile_commands.json. A whole
# tree takes hours on two cores, so it is run on what a change touches, not in CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
cd "$root"
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git diff --name-only --diff-filter=d main -- '*.cpp')
fi
[ ${#files[@]} -eq 0 ] && { echo "tidy: no C++ file changed"; exit 0; }
clang-tidy -p "$build" --quiet "${files[@]}"
