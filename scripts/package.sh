#!/usr/bin/env bash
# Builds the Debian packages (drover-node, -broker, -provisioner, -client, -common) with
# dpkg-buildpackage and checks them with lintian. The .deb files land in OUT (default
# ./packages). Usage: scripts/package.sh [OUT]
#
# The build runs in a copy of the source tree under $DROVER_PACKAGE_WORK (default
# ./build/package): what git tracks, plus new files not ignored. So it never picks up a
# developer's CMake cache, and dpkg-buildpackage's files next to the source stay there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/packages}")"
work="$(realpath -m "${DROVER_PACKAGE_WORK:-$root/build/package}")"

"$root/scripts/install-deps.sh"
rm -rf "$work"
mkdir -p "$work/drover" "$out"
# Tracked files deleted in the working tree are left out, as a commit would leave them.
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do
    if [ -e "$file" ]; then cp -P --parents -t "$work/drover" "$file"; fi
  done)
# The copy has no git: the commit its programs' --version names is written beside it.
commit="$(git -C "$root" rev-parse --short=12 HEAD)"
git -C "$root" diff --quiet HEAD -- || commit="$commit-modified"
echo "$commit" >"$work/drover/.build-commit"
cd "$work/drover"
dpkg-buildpackage -b -us -uc -j"$(nproc)"
version="$(dpkg-parsechangelog -S Version)"
arch="$(dpkg --print-architecture)"
changes="$work/drover_${version}_${arch}.changes"
rm -f "$out"/drover-*.deb "$out"/drover_*.changes "$out"/drover_*.buildinfo
for deb in $(sed -n '/^Files:/,$p' "$changes" | awk '/\.deb$/ {print $5}'); do
  mv "$work/$deb" "$out/"
done
mv "$changes" "$work/drover_${version}_${arch}.buildinfo" "$out/"
# Every lintian tag is either fixed or overridden with its reason (debian/*.lintian-overrides).
lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$out"/*.changes
echo "packages in $out:"
ls -1 "$out"/*.deb
