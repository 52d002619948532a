#pragma once
// What loyal-sim prints: one line per seed, the failure report with the command that replays it,
// and the cost table. Everything here is a function of the options and results only (no clock),
// so a replay prints the same bytes.

#include <string>
#include <vector>

#include "tests/sim/simulation.h"

namespace loyal::sim {

// "seed 42: committed 3120 requests, 24 checkpoints, 51234 messages, 0 violations", followed by
// ", byzantine 2=replay" when the run had Byzantine replicas (those `--byzantine random` drew).
std::string seed_line(const SimResult& result);

// The loyal-sim command line that reruns exactly `options` (test hooks have no flags and are
// left out).
std::string replay_command(const SimOptions& options);

// Every violation (property, seed, tick, details; a progress violation names the bound), and the
// replay command; one line each.
std::string failure_report(const SimOptions& options, const SimResult& result);

// One row of the cost table: a fault-free run at one cluster size.
struct CostRow {
  std::uint32_t replicas = 0;
  std::uint32_t max_faulty = 0;
  SimResult result;
};

// Messages and bytes per committed request and per batch, next to PBFT's normal-case count of
// 2n(n-1) replica-to-replica messages per batch.
std::string cost_table(const SimOptions& options, const std::vector<CostRow>& rows);

}  // namespace loyal::sim
