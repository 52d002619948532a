#!/usr/bin/env bash
# The whole test suite from a clean clone: installs missing Debian packages, builds (Release,
# -j2), and runs every test with CTest. Extra arguments go to ctest (for example -R crypto).
#
# Environment: LOYAL_BUILD_DIR (default build), LOYAL_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

build_dir="${LOYAL_BUILD_DIR:-build}"
jobs="${LOYAL_JOBS:-2}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "$@"
