#pragma once
// Collects admitted requests on the leader and cuts them into batches: when a batch is full (by
// requests or bytes) or when its oldest request has waited `linger_ticks`. The queue is bounded;
// a request that does not fit is refused (the client retransmits later). A request already queued
// is not queued twice (clients retransmit to every replica, and backups forward).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>

#include "replica/request.h"
#include "replica/types.h"

namespace loyal::replica {

struct BatcherLimits {
  std::uint32_t max_requests = 64;
  std::uint32_t max_bytes = 256 * 1024;
  Tick linger_ticks = 1;
  std::uint32_t max_queued_requests = 4096;
  // With nothing of this leader's in flight there is nothing to batch behind: the queue is cut at
  // once instead of lingering (a lone client then sees no linger tick). Under load, batches fill
  // while earlier ones are in flight and the linger bounds how long a partial one waits.
  bool cut_when_idle = true;
  // The leader's own batches proposed and not yet executed, at most: a partial batch waits for a
  // slot, gathering what arrives meanwhile, so a CPU-bound cluster orders fewer, fuller batches (each
  // costs the same signatures however full). A full batch is proposed regardless.
  std::uint32_t max_in_flight_batches = 1;
};

class Batcher {
 public:
  enum class Admission { queued, already_queued, queue_full };

  explicit Batcher(BatcherLimits limits) : limits_(limits) {}

  Admission add(ClientRequest request, Tick now);

  // A batch should be cut now: a full one is waiting, or the oldest request lingered long enough.
  bool ready(Tick now) const;
  // A whole batch (by requests or bytes) is waiting.
  bool full() const;
  // The next batch, oldest requests first. Precondition: !empty().
  Batch take();

  bool empty() const { return queue_.empty(); }
  std::size_t size() const { return queue_.size(); }

 private:
  struct Queued {
    ClientRequest request;
    Tick admitted_at = 0;
  };
  // Bytes the request adds to the encoded batch, its authenticator included: batch_max_bytes
  // bounds the PRE-PREPARE on the wire, whatever n and the client authentication.
  static std::size_t weight(const ClientRequest& request) { return batched_size(request); }

  BatcherLimits limits_;
  std::deque<Queued> queue_;
  std::set<std::pair<ClientId, std::uint64_t>> queued_ids_;
  std::size_t queued_bytes_ = 0;
};

}  // namespace loyal::replica
