#!/usr/bin/env bash
# The whole test suite from a clean clone: installs missing Debian packages, builds (Release,
# -j2), and runs every test with CTest. Extra arguments go to ctest (for example -R crypto).
#
# Environment: LOYAL_BUILD_DIR (default build), LOYAL_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/build.sh
ctest --test-dir "${LOYAL_BUILD_DIR:-build}" --output-on-failure -j "${LOYAL_JOBS:-2}" "$@"
