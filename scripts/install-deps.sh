#!/usr/bin/env bash
# Installs the Debian 12 packages Drover builds, tests and runs with, then the browser
# tests' npm packages (tests/browser, exactly as package-lock.json pins them). Does
# nothing when they are all present already; uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3 lld
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libssl-dev libre2-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format clang-tidy openssl
  libcurl4-openssl-dev libgloox-dev prosody python3-aiosmtpd python3-slixmpp
  libsqlite3-dev libcpp-httplib-dev
  openssh-client openssh-server
  puppetserver puppet-agent curl
  iproute2 e2fsprogs cloud-init
  debhelper lintian help2man dpkg-dev
  mmdebstrap systemd-container
  libnats-dev nats-server libevent-dev
  prometheus
  chromium
  # MCollective's agent DDLs and its Ruby DDL code, which the `drover ddl import` tests
  # convert and compare with (tests/unit/ddl/mcollective_ddls_test.cpp). Only the library:
  # the mcollective package would also install and start the mcollectived service.
  mcollective-common
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
# node and npm for the browser tests: Debian's packages where no other Node.js is
# installed (a Node.js that bundles npm conflicts with Debian's npm package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -ne 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# puppeteer-core drives Debian's chromium; it downloads no browser of its own.
browser="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if ! cmp -s "$browser/package-lock.json" "$browser/node_modules/.installed-lock.json"; then
  echo "installing the browser tests' npm packages in $browser/node_modules"
  npm ci --prefix "$browser" --no-audit --no-fund --loglevel=error
  cp "$browser/package-lock.json" "$browser/node_modules/.installed-lock.json"
fi
