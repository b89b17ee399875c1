#!/usr/bin/env bash
# Bakes a base image: a minimal Debian 12 root made with mmdebstrap, with systemd as its
# init, cloud-init for first-boot user data, Puppet's agent for the classic flow, and the
# Drover packages of PACKAGES (scripts/package.sh made them) installed by apt, the way an
# image pipeline would install them. Nothing is configured: a machine booted from it is
# given its broker, CA and token by user data (etc/cloud-init/user-data.yaml).
#
#   scripts/image.sh PACKAGES OUT [ROLE...]
#
# ROLE: node (the default), broker, provisioner, client: drover-ROLE is installed for
# each (drover-common comes with them). A fleet's base image has the node alone.
#
# OUT is the image's root directory (replaced). The .deb files downloaded from the Debian
# mirror are kept in $DROVER_IMAGE_CACHE (default /var/cache/drover-image/apt), so a
# second bake downloads nothing it already has. Needs root (mmdebstrap's root mode).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/image.sh PACKAGES OUT [ROLE...]  (ROLE: node broker provisioner client)" >&2
  exit 2
fi
packages="$(realpath "$1")"
out="$2"
shift 2
roles=("$@")
[ ${#roles[@]} -gt 0 ] || roles=(node)
cache="${DROVER_IMAGE_CACHE:-/var/cache/drover-image/apt}"
mirror="${DROVER_IMAGE_MIRROR:-http://deb.debian.org/debian}"

./scripts/install-deps.sh
debs=()
for role in common "${roles[@]}"; do
  case "$role" in
    common | node | broker | provisioner | client) ;;
    *) echo "image: unknown role '$role' (node, broker, provisioner, client)" >&2; exit 2 ;;
  esac
  deb="$(ls -1 "$packages"/drover-"$role"_*.deb 2>/dev/null | sort -V | tail -1 || true)"
  if [ -z "$deb" ]; then
    echo "image: no drover-$role_*.deb in $packages (scripts/package.sh $packages makes them)" >&2
    exit 2
  fi
  debs+=("$deb")
done

mkdir -p "$cache"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
started=$(date +%s)
# The base: systemd as PID 1 with dbus (systemctl, the journal), iproute2 and procps for
# the network and the units, cloud-init (NoCloud or a cloud's datasource) and Puppet.
base=systemd,systemd-sysv,dbus,iproute2,procps,ca-certificates,cloud-init,puppet-agent
# The local .deb files are outside the chroot: copied in, then installed by apt inside it,
# which also pulls their dependencies from the mirror. The downloaded archives go back to
# the cache; the image keeps none.
hooks=(
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
  --setup-hook="sync-in $cache /var/cache/apt/archives/"
  --customize-hook='mkdir -p "$1"/tmp/drover-debs'
)
for deb in "${debs[@]}"; do
  hooks+=(--customize-hook="copy-in $deb /tmp/drover-debs/")
done
hooks+=(
  --customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/drover-debs/*.deb"'
  --customize-hook='rm -rf "$1"/tmp/drover-debs'
  --customize-hook="sync-out /var/cache/apt/archives $cache"
  # Each machine booted from a copy makes its own machine id at first boot.
  --customize-hook='rm -f "$1"/etc/machine-id; touch "$1"/etc/machine-id'
)
mmdebstrap --quiet --variant=minbase --include="$base" \
  --skip=download/empty --skip=essential/unlink \
  "${hooks[@]}" bookworm "$out" "$mirror"
echo "image in $out ($(du -sh "$out" | cut -f1), $(($(date +%s) - started)) s):"
chroot "$out" dpkg-query -W -f='  ${Package} ${Version}\n' 'drover-*'
