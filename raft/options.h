#pragma once
// Raft's parameters. One RaftOptions configures both the validator and the core, so the two always
// agree on n and the limits.

#include <cstdint>

#include "cluster/cluster_config.h"
#include "common/ids.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::raft {

// Entries one AppendEntries may carry (and the validator accepts).
inline constexpr std::uint32_t kMaxEntriesPerAppend = 1024;
// Batch bytes one AppendEntries may carry in total: with the entry headers and the envelope it
// still fits a frame. A single entry is always sent, however large: one batch fits by itself.
inline constexpr std::uint64_t kMaxAppendBatchBytes = cluster::kMaxBatchBytes;
// Snapshot offers remembered for a restart (only the latest few can still be installing).
inline constexpr std::uint32_t kMaxRememberedSnapshotOffers = 4;

static_assert(cluster::kMaxBatchBytes <= kMaxAppendBatchBytes, "one batch always fits one AppendEntries");
static_assert(kMaxAppendBatchBytes + 64 * std::uint64_t{kMaxEntriesPerAppend} < net::kMaxBodyBytes,
              "a full AppendEntries fits one envelope body");

struct RaftOptions {
  ReplicaId self = 0;
  std::uint32_t replica_count = 3;  // n; a majority is n/2 + 1
  // A follower that hears from no leader for a timeout drawn uniformly from [min, max] (drawn
  // afresh for every election) starts one.
  replica::Tick election_timeout_min_ticks = 150;
  replica::Tick election_timeout_max_ticks = 300;
  // The leader sends AppendEntries to every follower this often; they double as retransmission.
  replica::Tick heartbeat_ticks = 30;
  std::uint32_t max_entries_per_append = 64;
  // Entries the leader may hold beyond its commit index before propose() is refused.
  std::uint32_t max_uncommitted_entries = 256;
  bool pre_vote = true;
  std::uint64_t prng_seed = 1;  // mixed with `self`, so replicas draw different timeouts
  net::DecodeLimits limits;
};

// Stops the process when the options make no sense (these are configuration bugs: the cluster
// loader refuses such files): n in [1, kMaxReplicas], self a member, 0 < heartbeat < min <= max,
// every limit positive and within the wire's.
void check_options(const RaftOptions& options);

constexpr std::uint32_t majority(std::uint32_t replica_count) { return replica_count / 2 + 1; }

static_assert(majority(1) == 1 && majority(3) == 2 && majority(4) == 3 && majority(5) == 3);

}  // namespace loyal::raft
