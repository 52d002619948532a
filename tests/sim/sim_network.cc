#include "tests/sim/sim_network.h"

#include "common/assert.h"

namespace loyal::sim {

namespace {
constexpr std::uint64_t kPerMille = 1000;
}

void SimNetwork::set_conditions(const NetworkConditions& conditions) {
  LOYAL_ASSERT(conditions.min_latency_ticks >= 1, "a frame cannot arrive in the tick it was sent");
  LOYAL_ASSERT(conditions.min_latency_ticks <= conditions.max_latency_ticks, "latency range is inverted");
  LOYAL_ASSERT(conditions.loss_per_mille <= kPerMille && conditions.duplicate_per_mille <= kPerMille &&
                   conditions.long_tail_per_mille <= kPerMille,
               "probabilities are parts per thousand");
  conditions_ = conditions;
}

Tick SimNetwork::latency() {
  Tick ticks = prng_.between(conditions_.min_latency_ticks, conditions_.max_latency_ticks);
  if (conditions_.long_tail_max_ticks > 0 && prng_.chance(conditions_.long_tail_per_mille, kPerMille)) {
    ticks += prng_.between(1, conditions_.long_tail_max_ticks);
  }
  return ticks;
}

void SimNetwork::send(Tick now, NodeId from, NodeId to, ByteView frame) {
  ++counters_.messages_sent;
  counters_.bytes_sent += frame.size();
  if (from.role == NodeRole::replica && to.role == NodeRole::replica) {
    ++counters_.replica_messages_sent;
    counters_.replica_bytes_sent += frame.size();
    counters_.largest_replica_frame_bytes = std::max<std::uint64_t>(counters_.largest_replica_frame_bytes, frame.size());
  }
  if (blocked(from, to)) {
    ++counters_.blocked;
    return;
  }
  const bool lossy = !(reliable_.contains(from) && reliable_.contains(to));
  const bool lost = lossy && prng_.chance(conditions_.loss_per_mille, kPerMille);
  const bool duplicated = prng_.chance(conditions_.duplicate_per_mille, kPerMille);
  if (lost) {
    ++counters_.lost;
    return;
  }
  const int copies = duplicated ? 2 : 1;
  if (duplicated) ++counters_.duplicated;
  for (int copy = 0; copy < copies; ++copy) {
    in_flight_.emplace(std::make_pair(now + latency(), send_counter_++),
                       Delivery{from, to, Bytes(frame.begin(), frame.end())});
  }
}

std::optional<Delivery> SimNetwork::next_due(Tick now) {
  while (!in_flight_.empty() && in_flight_.begin()->first.first <= now) {
    auto node = in_flight_.extract(in_flight_.begin());
    Delivery delivery = std::move(node.mapped());
    // A cut link also drops what was already on it.
    if (blocked(delivery.from, delivery.to)) {
      ++counters_.blocked;
      continue;
    }
    ++counters_.delivered;
    return delivery;
  }
  return std::nullopt;
}

void SimNetwork::cut(NodeId from, NodeId to) { ++cut_links_[{from, to}]; }

void SimNetwork::restore(NodeId from, NodeId to) {
  auto it = cut_links_.find({from, to});
  LOYAL_ASSERT(it != cut_links_.end(), "restoring a link that was not cut");
  if (--it->second == 0) cut_links_.erase(it);
}

void SimNetwork::isolate(NodeId node) { ++isolated_[node]; }

void SimNetwork::reconnect(NodeId node) {
  auto it = isolated_.find(node);
  LOYAL_ASSERT(it != isolated_.end(), "reconnecting a node that was not isolated");
  if (--it->second == 0) isolated_.erase(it);
}

void SimNetwork::heal() {
  cut_links_.clear();
  isolated_.clear();
}

bool SimNetwork::blocked(NodeId from, NodeId to) const {
  return isolated_.contains(from) || isolated_.contains(to) || cut_links_.contains({from, to});
}

}  // namespace loyal::sim
