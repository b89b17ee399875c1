#!/usr/bin/env bash
# Builds the Debian packages (drover-node, -broker, -provisioner, -client, -common) with
# dpkg-buildpackage and checks them with lintian. The .deb files land in OUT (default
# ./packages). Usage: scripts/package.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-packages}"

./scripts/install-deps.sh
# A build tree of its own, so the packages never pick up a developer's CMake cache.
rm -rf debian/build
dpkg-buildpackage -b -us -uc -j"$(nproc)"
mkdir -p "$out"
version="$(dpkg-parsechangelog -S Version)"
arch="$(dpkg --print-architecture)"
changes="../drover_${version}_${arch}.changes"
for deb in $(sed -n '/^Files:/,$p' "$changes" | awk '/\.deb$/ {print $5}'); do
  mv "../$deb" "$out/"
done
mv "$changes" ../drover_"${version}"_"${arch}".buildinfo "$out/" 2>/dev/null || true
# Every lintian tag is either fixed or overridden with its reason (debian/*.lintian-overrides).
lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$out"/*.changes
echo "packages in $out:"
ls -1 "$out"/*.deb
