#include "paxos/options.h"

#include "common/assert.h"

namespace loyal::paxos {

void check_options(const PaxosOptions& options) {
  LOYAL_ASSERT(options.replica_count >= 1 && options.replica_count <= net::kMaxReplicas,
               "n within the wire's replica limit");
  LOYAL_ASSERT(options.self < options.replica_count, "this replica is a member");
  LOYAL_ASSERT(options.heartbeat_ticks > 0, "heartbeats need a positive period");
  LOYAL_ASSERT(options.leader_timeout_min_ticks > options.heartbeat_ticks,
               "a follower waits at least one heartbeat before suspecting the leader");
  LOYAL_ASSERT(options.leader_timeout_max_ticks >= options.leader_timeout_min_ticks, "timeout range is not empty");
  LOYAL_ASSERT(options.max_open_slots > 0 && options.max_open_slots <= cluster::kMaxWindow,
               "open slots within the cluster file's window limit");
  LOYAL_ASSERT(options.max_slots_ahead >= options.max_open_slots,
               "acceptors take every slot a leader may have open");
  LOYAL_ASSERT(options.max_slots_per_message > 0 && options.max_slots_per_message <= kMaxSlotsPerMessage,
               "slots per message within the wire's limit");
}

}  // namespace loyal::paxos
