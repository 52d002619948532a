#include "paxos_harness.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/assert.h"
#include "replica/request.h"

namespace loyal::paxos::testing {

PaxosOptions test_options(ReplicaId self, std::uint32_t replica_count, std::uint64_t seed) {
  PaxosOptions options;
  options.self = self;
  options.replica_count = replica_count;
  options.leader_timeout_min_ticks = 20;
  options.leader_timeout_max_ticks = 40;
  options.heartbeat_ticks = 5;
  options.max_open_slots = 16;
  options.max_slots_ahead = 64;
  options.max_slots_per_message = 4;
  options.prng_seed = seed;
  return options;
}

Bytes make_value(std::uint64_t tag) {
  replica::ClientRequest request;
  request.client = 0;
  request.request_number = tag;
  request.operation = to_bytes("op-" + std::to_string(tag));
  request.body = replica::encode_client_request_body(tag, request.operation);
  request.authenticator = crypto::Signature{};
  return replica::encode_batch(replica::Batch{{request}});
}

std::optional<std::string_view> deliver(PaxosCore& core, ReplicaId from, net::MessageKind kind, const Bytes& body,
                                        replica::Actions& out) {
  const net::Envelope envelope{{1, ProtocolMode::paxos, NodeId::replica(from), kind}, body, net::NoAuthenticator{}};
  replica::Validation validation = core.validate(envelope, {});
  if (const auto* reason = std::get_if<std::string_view>(&validation)) return *reason;
  core.on_message(*std::get<std::unique_ptr<const replica::ValidatedMessage>>(validation), out);
  return std::nullopt;
}

PaxosCluster::PaxosCluster(std::uint32_t replica_count, std::uint64_t seed, std::uint32_t checkpoint_interval,
                           std::function<void(PaxosOptions&)> tweak)
    : checkpoint_interval_(checkpoint_interval), tweak_(std::move(tweak)), seed_(seed), prng_(seed), nodes_(replica_count) {
  for (ReplicaId r = 0; r < replica_count; ++r) nodes_[r].core = std::make_unique<PaxosCore>(options_for(r, seed));
}

PaxosOptions PaxosCluster::options_for(ReplicaId replica, std::uint64_t seed) const {
  PaxosOptions options = test_options(replica, size(), seed);
  if (tweak_) tweak_(options);
  return options;
}

void PaxosCluster::crash(ReplicaId replica) {
  Node& node = nodes_[replica];
  node.up = false;
  node.pending.clear();  // never became durable
  node.fetch_in_progress.reset();
  std::erase_if(in_flight_, [&](const Packet& packet) { return packet.to == replica || packet.from == replica; });
}

void PaxosCluster::restart(ReplicaId replica) {
  Node& node = nodes_[replica];
  node.up = true;
  node.core = std::make_unique<PaxosCore>(options_for(replica, seed_ + 1000 + now_), node.durable);
  node.highest_appended = node.durable.empty() ? 0 : node.durable.back().id;
  // The pipeline restores the saved snapshot (the newest) before any other input.
  node.last_executed = 0;
  node.state = {};
  if (!node.snapshots.empty()) {
    const auto& [slot, snapshot] = *node.snapshots.rbegin();
    node.last_executed = slot;
    node.state = snapshot.state;
    replica::Actions actions;
    node.core->on_state_installed(slot, snapshot.digest, actions);
    handle(replica, std::move(actions));
  }
}

std::optional<ReplicaId> PaxosCluster::leader() const {
  std::optional<ReplicaId> best;
  for (ReplicaId r = 0; r < size(); ++r) {
    if (!nodes_[r].up || !nodes_[r].core->leading()) continue;
    if (!best || nodes_[r].core->own_ballot() > nodes_[*best].core->own_ballot()) best = r;
  }
  return best;
}

bool PaxosCluster::propose() {
  const auto leading = leader();
  if (!leading || !core(*leading).can_propose()) return false;
  Bytes value = make_value(next_value_++);
  const crypto::Digest digest = crypto::sha256(value);
  replica::Actions actions;
  core(*leading).propose(std::move(value), digest, actions);
  handle(*leading, std::move(actions));
  return true;
}

void PaxosCluster::handle(ReplicaId replica, replica::Actions actions) {
  Node& node = nodes_[replica];
  if (!node.up) return;
  for (const replica::PersistRecord& record : actions.persist) {
    LOYAL_ASSERT(record.id == node.highest_appended + 1, "record ids increase by one");
    node.highest_appended = record.id;
  }
  for (const replica::Outgoing& message : actions.send) send(replica, message);
  if (!actions.persist.empty() || !actions.send_after_persist.empty()) {
    PendingPersist pending{now_ + node.persist_delay, std::move(actions.persist), std::move(actions.send_after_persist)};
    if (node.persist_delay == 0 && node.pending.empty()) {
      make_durable(replica, std::move(pending));
    } else {
      node.pending.push_back(std::move(pending));
    }
  }
  if (actions.discard_records_before) {
    // Only durable records are discarded; the restatement itself is kept.
    const std::uint64_t first_kept = *actions.discard_records_before;
    std::erase_if(node.durable, [&](const replica::PersistRecord& record) { return record.id < first_kept; });
  }
  replica::Actions follow_up;
  for (const replica::CommittedBatch& batch : actions.committed) execute(replica, batch, follow_up);
  if (actions.stable_checkpoint) node.stable.push_back(*actions.stable_checkpoint);
  if (actions.fetch_state) {
    node.fetches.push_back(*actions.fetch_state);
    node.fetch_in_progress = *actions.fetch_state;
  }
  if (!follow_up.empty()) handle(replica, std::move(follow_up));
}

void PaxosCluster::make_durable(ReplicaId replica, PendingPersist pending) {
  Node& node = nodes_[replica];
  std::uint64_t last = 0;
  for (replica::PersistRecord& record : pending.records) {
    last = record.id;
    const auto state = std::get<AcceptorRecord>(decode_acceptor_record(record.payload, {}));
    node.durable_promised = std::max(node.durable_promised, state.promised);
    for (const AcceptedValue& value : state.accepted) node.durable_accepted.emplace(value.slot, value.ballot, value.digest);
    node.durable.push_back(std::move(record));
  }
  for (const replica::Outgoing& message : pending.after) send(replica, message);
  if (last == 0) return;
  replica::Actions actions;
  node.core->on_persisted(last, actions);
  handle(replica, std::move(actions));
}

void PaxosCluster::execute(ReplicaId replica, const replica::CommittedBatch& batch, replica::Actions& follow_up) {
  Node& node = nodes_[replica];
  if (batch.sequence != node.last_executed + 1) ++gap_violations_;
  if (crypto::sha256(batch.batch) != batch.digest) ++agreement_violations_;
  node.last_executed = batch.sequence;
  node.executed.push_back(batch);
  const auto [decided, first] = decided_.try_emplace(batch.sequence, batch.digest);
  if (!first && decided->second != batch.digest) ++agreement_violations_;
  crypto::Sha256 chain;
  node.state = chain.update(node.state.view()).update(batch.digest.view()).finish();
  if (batch.sequence % checkpoint_interval_ == 0) {
    // The snapshot digest is the state itself: equal states give equal digests everywhere.
    node.snapshots[batch.sequence] = Snapshot{node.state, node.state};
    if (node.fetch_in_progress && node.fetch_in_progress->sequence <= batch.sequence) node.fetch_in_progress.reset();
    node.core->on_checkpoint_taken(batch.sequence, node.state, follow_up);
  }
}

// State transfer's stand-in: installs the snapshot from the first source that holds it.
void PaxosCluster::try_install(ReplicaId replica) {
  Node& node = nodes_[replica];
  if (!node.fetch_in_progress) return;
  const replica::StateFetch fetch = *node.fetch_in_progress;
  for (const ReplicaId source : fetch.sources) {
    if (!nodes_[source].up) continue;
    const auto it = nodes_[source].snapshots.find(fetch.sequence);
    if (it == nodes_[source].snapshots.end() || it->second.digest != fetch.state_digest) continue;
    node.fetch_in_progress.reset();
    if (fetch.sequence <= node.core->stable_slot()) return;
    node.snapshots[fetch.sequence] = it->second;
    node.state = it->second.state;
    node.last_executed = fetch.sequence;
    ++node.installs;
    replica::Actions actions;
    node.core->on_state_installed(fetch.sequence, fetch.state_digest, actions);
    handle(replica, std::move(actions));
    return;
  }
}

void PaxosCluster::check_durable_before_send(ReplicaId from, const replica::Outgoing& message) {
  const Node& node = nodes_[from];
  if (message.kind == net::MessageKind::paxos_promise) {
    const Promise promise = std::get<Promise>(decode_promise(message.body, {}));
    if (node.durable_promised < promise.ballot) ++sent_before_durable_;
  } else if (message.kind == net::MessageKind::paxos_accepted) {
    const Accepted accepted = std::get<Accepted>(decode_accepted(message.body, {}));
    for (const SlotDigest& slot : accepted.slots) {
      if (!node.durable_accepted.contains({slot.slot, accepted.ballot, slot.digest})) ++sent_before_durable_;
    }
  } else if (message.kind == net::MessageKind::paxos_prepare) {
    // A proposer's promise to itself is durable before its PREPARE leaves.
    if (node.durable_promised < std::get<Prepare>(decode_prepare(message.body, {})).ballot) ++sent_before_durable_;
  }
}

void PaxosCluster::send(ReplicaId from, const replica::Outgoing& message) {
  check_durable_before_send(from, message);
  auto enqueue = [&](ReplicaId to) {
    if (!nodes_[to].up) return;
    if (cut && cut(Packet{from, to, message.kind, {}})) return;
    if (loss_percent > 0 && prng_.chance(loss_percent, 100)) return;
    in_flight_.push_back(Packet{from, to, message.kind, message.body});
  };
  if (message.to == replica::Outgoing::kAllReplicas) {
    for (ReplicaId to = 0; to < size(); ++to) {
      if (to != from) enqueue(to);
    }
  } else {
    LOYAL_ASSERT(message.to != from && message.to < size(), "a core sends to another member");
    enqueue(message.to);
  }
}

void PaxosCluster::deliver_one() {
  const std::size_t index = shuffle ? prng_.below(in_flight_.size()) : 0;
  Packet packet = std::move(in_flight_[index]);
  in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(index));
  if (!nodes_[packet.to].up) return;
  replica::Actions actions;
  const auto refused = testing::deliver(core(packet.to), packet.from, packet.kind, packet.body, actions);
  LOYAL_ASSERT(!refused, "correct replicas send only valid messages");
  handle(packet.to, std::move(actions));
}

void PaxosCluster::run(std::uint32_t max_deliveries) {
  for (std::uint32_t i = 0; i < max_deliveries && !in_flight_.empty(); ++i) deliver_one();
}

void PaxosCluster::tick(std::uint32_t ticks, std::uint32_t deliveries_per_tick) {
  for (std::uint32_t t = 0; t < ticks; ++t) {
    ++now_;
    for (ReplicaId r = 0; r < size(); ++r) {
      Node& node = nodes_[r];
      if (!node.up) continue;
      while (!node.pending.empty() && node.pending.front().ready_at <= now_) {
        PendingPersist pending = std::move(node.pending.front());
        node.pending.pop_front();
        make_durable(r, std::move(pending));
      }
      try_install(r);
      replica::Actions actions;
      node.core->on_tick(actions);
      handle(r, std::move(actions));
    }
    run(deliveries_per_tick);
  }
}

bool PaxosCluster::tick_until(const std::function<bool()>& done, std::uint32_t max_ticks) {
  for (std::uint32_t t = 0; t < max_ticks; ++t) {
    if (done()) return true;
    tick();
  }
  return done();
}

Slot PaxosCluster::min_executed_live() const {
  Slot lowest = ~Slot{0};
  for (const Node& node : nodes_) {
    if (node.up) lowest = std::min(lowest, node.last_executed);
  }
  return lowest;
}

}  // namespace loyal::paxos::testing
