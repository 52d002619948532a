#include "pbft/options.h"

#include "common/assert.h"

namespace loyal::pbft {

void check_options(const PbftOptions& options) {
  LOYAL_ASSERT(options.replica_count >= 3 * options.max_faulty + 1, "PBFT needs n >= 3f+1");
  LOYAL_ASSERT(options.replica_count <= net::kMaxReplicas, "n within the wire's replica limit");
  LOYAL_ASSERT(options.self < options.replica_count, "this replica is a member");
  LOYAL_ASSERT(options.checkpoint_interval > 0, "checkpoints at multiples of a positive K");
  LOYAL_ASSERT(options.window % options.checkpoint_interval == 0, "L advances by whole checkpoint intervals");
  LOYAL_ASSERT(options.window >= 2 * static_cast<std::uint64_t>(options.checkpoint_interval),
               "L holds at least two checkpoints, so ordering continues while the next one becomes stable");
  LOYAL_ASSERT(options.window <= cluster::kMaxWindow, "L within the cluster file's limit");
  LOYAL_ASSERT(options.retransmit_ticks > 0, "retransmission needs a positive period");
  LOYAL_ASSERT(options.request_timeout_ticks > options.retransmit_ticks,
               "a request gets at least one retransmission round before the primary is suspected");
  LOYAL_ASSERT(options.view_change_timeout_ticks > options.retransmit_ticks,
               "a view change gets at least one retransmission round before it is given up");
  LOYAL_ASSERT(options.max_batch_requests > 0 && options.max_batch_requests <= cluster::kMaxBatchRequests,
               "batch request limit within the cluster file's");
}

}  // namespace loyal::pbft
