#pragma once
// PBFT's parameters and the quorum size they imply. One PbftOptions configures both the validator
// and the core, so the two always agree on n, K and the limits.

#include <cstdint>

#include "cluster/cluster_config.h"
#include "cluster/pbft_bounds.h"
#include "common/ids.h"
#include "net/limits.h"
#include "replica/types.h"

namespace loyal::pbft {

static_assert(cluster::kMaxReplicas == net::kMaxReplicas, "the cluster file and the wire agree on n's limit");

struct PbftOptions {
  ReplicaId self = 0;
  std::uint64_t cluster_id = 0;             // in the envelopes this replica signs
  std::uint32_t replica_count = 4;          // n
  std::uint32_t max_faulty = 1;             // f, with n >= 3f+1
  std::uint32_t checkpoint_interval = 128;  // K: a checkpoint at every multiple of K
  std::uint32_t window = 256;               // L: sequence numbers in (h, h + L] may be in progress
  // A replica re-sends its own votes for slots that are not yet committed-local this often, so one
  // lost message cannot stall a sequence number forever.
  replica::Tick retransmit_ticks = 100;
  // A backup that has known of a request this long without executing it (and with no request
  // executed in between) suspects the primary and starts a view change.
  replica::Tick request_timeout_ticks = 600;
  // A view change that has a quorum of VIEW-CHANGEs but no NEW-VIEW after this long gives way to
  // the next view; each consecutive failure doubles it (up to 2^kMaxViewChangeBackoffShift times).
  replica::Tick view_change_timeout_ticks = 600;
  net::DecodeLimits limits;
  std::uint32_t max_batch_requests = cluster::kMaxBatchRequests;  // requests one PRE-PREPARE may carry
};

inline constexpr std::uint32_t kMaxViewChangeBackoffShift = 10;

// Stops the process when the options break a relationship the protocol depends on (n >= 3f+1, L a
// multiple of K and at least 2K, self a member, every limit positive and within the wire's). These
// are configuration bugs: the cluster loader already refuses such files.
void check_options(const PbftOptions& options);

// Replicas that must vouch for a decision: the paper's 2f+1 when n = 3f+1. The cluster file allows
// n = 3f+2 and 3f+3 as well (f = (n-1)/3), where two sets of 2f+1 may meet only in faulty
// replicas; ceil((n+f+1)/2) keeps every two quorums sharing f+1 replicas, so at least one correct
// one, and is still reachable with f replicas silent (it never exceeds n-f).
constexpr std::uint32_t quorum_size(std::uint32_t replica_count, std::uint32_t max_faulty) {
  return (replica_count + max_faulty + 2) / 2;
}

static_assert(quorum_size(4, 1) == 3 && quorum_size(7, 2) == 5 && quorum_size(10, 3) == 7, "2f+1 at n = 3f+1");
static_assert(quorum_size(5, 1) == 4 && quorum_size(6, 1) == 4, "two quorums share f+1 replicas");
static_assert(quorum_size(6, 1) <= 6 - 1 && quorum_size(5, 1) <= 5 - 1, "reachable with f silent");
static_assert(cluster::pbft_largest_quorum(4) == quorum_size(4, 1) && cluster::pbft_largest_quorum(13) == quorum_size(13, 4) &&
                  cluster::pbft_largest_quorum(128) == quorum_size(128, 42),
              "the loader's size bounds use PBFT's quorum");
static_assert(cluster::kMaxMessageBodyBytes == net::kMaxBodyBytes, "the loader's size bounds use the wire's limit");
// The batcher stops at batch_max_bytes of encoded requests (replica::batched_size), except that a
// batch always takes its first request, whose body is at most max_request_bytes <= kMaxBatchBytes
// and whose MAC vector at most n entries: a PRE-PREPARE's attachment always fits one frame.
static_assert(cluster::kMaxBatchBytes + 64 + 8 + cluster::kMaxReplicas * 24 + cluster::kSignedVoteFrameBytes <=
                  net::kMaxBodyBytes,
              "the largest batch fits a PRE-PREPARE");

}  // namespace loyal::pbft
