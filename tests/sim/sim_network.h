#pragma once
// The simulator's network: frames in flight between replicas and clients, delivered at a logical
// tick. Every frame gets its latency, loss and duplication from the network's own Prng, and frames
// are kept ordered by (delivery tick, send counter), so delivery order is a function of the seed
// alone. Reordering falls out of the latency distribution (a uniform base range plus an occasional
// long tail). Loss applies to every link except those between two nodes marked reliable.
// Partitions are blocked directed links, so a link can be cut one way only; isolating a node
// blocks every link into and out of it.
//
// Ownership: the network copies every frame it accepts; callers keep nothing alive for it.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "common/bytes.h"
#include "common/ids.h"
#include "common/prng.h"
#include "replica/types.h"

namespace loyal::sim {

using replica::Tick;

// Probabilities are in parts per thousand.
struct NetworkConditions {
  std::uint32_t loss_per_mille = 0;
  std::uint32_t duplicate_per_mille = 0;
  Tick min_latency_ticks = 1;  // every frame takes at least one tick, so a step never feeds itself
  Tick max_latency_ticks = 1;
  std::uint32_t long_tail_per_mille = 0;  // chance that a frame is held back further...
  Tick long_tail_max_ticks = 0;           // ...by up to this many extra ticks
  friend bool operator==(const NetworkConditions&, const NetworkConditions&) = default;
};

struct Delivery {
  NodeId from;
  NodeId to;
  Bytes frame;
};

struct NetworkCounters {
  std::uint64_t messages_sent = 0;  // frames handed to send(), whatever became of them
  std::uint64_t bytes_sent = 0;
  std::uint64_t replica_messages_sent = 0;  // replica-to-replica frames only (the protocol's cost)
  std::uint64_t replica_bytes_sent = 0;
  std::uint64_t largest_replica_frame_bytes = 0;  // the largest replica-to-replica frame sent
  std::uint64_t lost = 0;
  std::uint64_t blocked = 0;  // dropped by a partition, at send or at delivery
  std::uint64_t duplicated = 0;
  std::uint64_t delivered = 0;
  friend bool operator==(const NetworkCounters&, const NetworkCounters&) = default;
};

class SimNetwork {
 public:
  explicit SimNetwork(std::uint64_t seed) : prng_(seed) {}

  void set_conditions(const NetworkConditions& conditions);

  // Accepts a frame sent at `now`; it arrives at `now` + its latency unless lost or blocked.
  void send(Tick now, NodeId from, NodeId to, ByteView frame);

  // The next frame due at or before `now`, in (delivery tick, send order), or nothing. Frames
  // sent while deliveries of `now` are drained arrive at later ticks.
  std::optional<Delivery> next_due(Tick now);

  // Frames between two reliable nodes are never lost (they may still be delayed, duplicated, or
  // blocked by a partition).
  void mark_reliable(NodeId node) { reliable_.insert(node); }

  // Cuts are counted, so overlapping cuts of one link need as many restores.
  void cut(NodeId from, NodeId to);
  void restore(NodeId from, NodeId to);
  void isolate(NodeId node);
  void reconnect(NodeId node);
  // Removes every cut and isolation.
  void heal();
  bool blocked(NodeId from, NodeId to) const;

  const NetworkCounters& counters() const { return counters_; }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  Tick latency();

  Prng prng_;
  NetworkConditions conditions_;
  std::uint64_t send_counter_ = 0;
  std::map<std::pair<Tick, std::uint64_t>, Delivery> in_flight_;
  std::set<NodeId> reliable_;
  std::map<std::pair<NodeId, NodeId>, std::uint32_t> cut_links_;
  std::map<NodeId, std::uint32_t> isolated_;
  NetworkCounters counters_;
};

}  // namespace loyal::sim
