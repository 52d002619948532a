#!/usr/bin/env bash
# The demo from a clean clone: installs missing Debian packages, builds (Release, -j2), then runs
# loyal-bench's default scenario: a local PBFT cluster (n = 4, f = 1) on loopback under load from
# 32 closed-loop clients, a backup that crashes and comes back, then a silent primary that forces a
# view change, printing the report (report.json, timeline.csv and chart.svg go to bench-results/).
# Extra arguments go to `loyal-bench local` (for example --protocol pbft,raft,paxos,unreplicated).
#
# Environment: LOYAL_BUILD_DIR (default build), LOYAL_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/build.sh --target loyal-bench loyal-replica loyal-client
exec "${LOYAL_BUILD_DIR:-build}/bin/loyal-bench" local "$@"
