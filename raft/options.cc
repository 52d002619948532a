#include "raft/options.h"

#include "common/assert.h"

namespace loyal::raft {

void check_options(const RaftOptions& options) {
  LOYAL_ASSERT(options.replica_count >= 1, "Raft needs at least one replica");
  LOYAL_ASSERT(options.replica_count <= net::kMaxReplicas, "n within the wire's replica limit");
  LOYAL_ASSERT(options.self < options.replica_count, "this replica is a member");
  LOYAL_ASSERT(options.heartbeat_ticks > 0, "heartbeats need a positive period");
  LOYAL_ASSERT(options.election_timeout_min_ticks > options.heartbeat_ticks,
               "followers hear at least one heartbeat before they suspect the leader");
  LOYAL_ASSERT(options.election_timeout_max_ticks >= options.election_timeout_min_ticks,
               "the election timeout range is not empty");
  LOYAL_ASSERT(options.max_entries_per_append > 0 && options.max_entries_per_append <= kMaxEntriesPerAppend,
               "entries per AppendEntries within the wire's limit");
  LOYAL_ASSERT(options.max_uncommitted_entries > 0, "the leader may hold at least one uncommitted entry");
}

}  // namespace loyal::raft
