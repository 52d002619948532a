#!/usr/bin/env bash
# The demo from a clean clone: installs missing Debian packages, builds (Release, -j2), then runs
# loyal-bench's default scenario: a local PBFT cluster (n = 4, f = 1) on loopback under load from
# 32 closed-loop clients, with a crashed backup and a faulty primary on schedule, printing the
# report (and writing report.json, timeline.csv and chart.svg under bench-results/).
# Extra arguments go to `loyal-bench local` (for example --protocol pbft,raft,paxos,unreplicated).
#
# Environment: LOYAL_BUILD_DIR (default build), LOYAL_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh

build_dir="${LOYAL_BUILD_DIR:-build}"
jobs="${LOYAL_JOBS:-2}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs" --target loyal-bench loyal-replica loyal-client
exec "$build_dir/bin/loyal-bench" local "$@"
