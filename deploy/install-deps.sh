#!/usr/bin/env bash
# Installs the Debian 12 packages loyal builds and tests with. Does nothing when all are present.
# Runs apt-get through sudo when not root. Nothing else is downloaded: every dependency is a
# Debian package.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsodium-dev libssl-dev
  libzmq3-dev cppzmq-dev
  capnproto libcapnp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libtomlplusplus-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: not root and sudo is missing; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
