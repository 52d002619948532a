#!/usr/bin/env bash
# Builds loyal's image (deploy/docker/Dockerfile), tagged loyal:latest unless LOYAL_IMAGE says
# otherwise. The Dockerfile starts from debian:bookworm-slim. Where no registry answers, this script
# makes that base locally from Debian's packages: debootstrap --variant=minbase bookworm, then
# docker import under that same name, so the Dockerfile builds unchanged everywhere. A rebuild after
# a source change reuses the cached package layers.
#
# Needs a running Docker engine, and for a local base debootstrap and root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/../.."

image="${LOYAL_IMAGE:-loyal:latest}"
base="debian:bookworm-slim"
mirror="${LOYAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi

if ! docker info >/dev/null 2>&1; then
  echo "build-image: no Docker engine answers (docker info failed); install docker.io and start dockerd" >&2
  exit 1
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  if timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
    echo "build-image: pulled $base"
  else
    if ! command -v debootstrap >/dev/null 2>&1; then
      echo "build-image: $base is not here, no registry answers, and debootstrap is missing (apt-get install debootstrap)" >&2
      exit 1
    fi
    rootfs="$(mktemp -d)"
    trap '"${as_root[@]}" rm -rf "$rootfs"' EXIT
    echo "build-image: making $base locally (debootstrap --variant=minbase bookworm from $mirror)"
    "${as_root[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    "${as_root[@]}" tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
  fi
fi

docker build -f deploy/docker/Dockerfile -t "$image" .
echo "build-image: $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'))"
