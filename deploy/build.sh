#!/usr/bin/env bash
# Installs missing Debian packages and builds loyal (Release, -j2): what the demo and the test
# suite both start with. Extra arguments go to `cmake --build` (for example --target loyal-bench).
#
# Environment: LOYAL_BUILD_DIR (default build), LOYAL_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

build_dir="${LOYAL_BUILD_DIR:-build}"
jobs="${LOYAL_JOBS:-2}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs" "$@"
