#include "replica/batcher.h"

#include "common/assert.h"

namespace loyal::replica {

Batcher::Admission Batcher::add(ClientRequest request, Tick now) {
  const auto id = std::make_pair(request.client, request.request_number);
  if (queued_ids_.contains(id)) return Admission::already_queued;
  if (queue_.size() >= limits_.max_queued_requests) return Admission::queue_full;
  queued_ids_.insert(id);
  queued_bytes_ += weight(request);
  queue_.push_back(Queued{std::move(request), now});
  return Admission::queued;
}

bool Batcher::full() const {
  return queue_.size() >= limits_.max_requests || queued_bytes_ >= limits_.max_bytes;
}

bool Batcher::ready(Tick now) const {
  if (queue_.empty()) return false;
  if (full()) return true;
  return now >= queue_.front().admitted_at + limits_.linger_ticks;
}

Batch Batcher::take() {
  LOYAL_ASSERT(!queue_.empty(), "take() needs a queued request");
  Batch batch;
  std::size_t bytes = 0;
  // The first request always goes in, so a single request larger than max_bytes cannot wedge the
  // queue (admission already refused requests beyond the cluster's max_request_bytes).
  while (!queue_.empty() && batch.requests.size() < limits_.max_requests &&
         (batch.requests.empty() || bytes + weight(queue_.front().request) <= limits_.max_bytes)) {
    ClientRequest& request = queue_.front().request;
    bytes += weight(request);
    queued_bytes_ -= weight(request);
    queued_ids_.erase({request.client, request.request_number});
    batch.requests.push_back(std::move(request));
    queue_.pop_front();
  }
  return batch;
}

}  // namespace loyal::replica
