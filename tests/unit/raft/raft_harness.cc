#include "raft_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "crypto/signing.h"
#include "net/envelope_codec.h"
#include "replica/request.h"

namespace loyal::raft::testing {

RaftOptions test_options(ReplicaId self, std::uint32_t replica_count, std::uint64_t seed) {
  RaftOptions options;
  options.self = self;
  options.replica_count = replica_count;
  options.election_timeout_min_ticks = 10;
  options.election_timeout_max_ticks = 20;
  options.heartbeat_ticks = 3;
  options.max_entries_per_append = 8;
  options.max_uncommitted_entries = 64;
  options.prng_seed = seed;
  return options;
}

TestBatch make_batch(std::string_view operation) {
  replica::ClientRequest request{0, 1, to_bytes(operation), {}, crypto::Signature{}};
  request.body = replica::encode_client_request_body(1, request.operation);
  Bytes bytes = replica::encode_batch(replica::Batch{{request}});
  const crypto::Digest digest = crypto::sha256(bytes);
  return TestBatch{std::move(bytes), digest};
}

Entry make_entry(Term term, std::string_view operation) {
  TestBatch batch = make_batch(operation);
  return Entry{term, std::move(batch.batch), batch.digest};
}

replica::Validation validate_at(const RaftCore& core, ReplicaId from, net::MessageKind kind, ByteView body) {
  const net::Envelope envelope{{kClusterId, ProtocolMode::raft, NodeId::replica(from), kind},
                               Bytes(body.begin(), body.end()),
                               net::NoAuthenticator{}};
  const Bytes frame = net::encode_envelope(envelope);
  return core.validate(envelope, frame);
}

replica::Actions deliver_to(RaftCore& core, ReplicaId from, net::MessageKind kind, ByteView body) {
  replica::Actions actions;
  replica::Validation validation = validate_at(core, from, kind, body);
  if (const auto* refused = std::get_if<std::string_view>(&validation)) {
    ADD_FAILURE() << "validator refused a test message: " << *refused;
    return actions;
  }
  core.on_message(*std::get<std::unique_ptr<const replica::ValidatedMessage>>(validation), actions);
  return actions;
}

std::vector<replica::Outgoing> sent_of_kind(const replica::Actions& actions, net::MessageKind kind,
                                            bool after_persist) {
  std::vector<replica::Outgoing> out;
  for (const replica::Outgoing& message : after_persist ? actions.send_after_persist : actions.send) {
    if (message.kind == kind) out.push_back(message);
  }
  return out;
}

RaftHarness::RaftHarness(std::uint32_t replica_count, std::uint64_t seed, std::function<void(RaftOptions&)> tweak)
    : nodes_(replica_count), prng_(seed) {
  for (ReplicaId replica = 0; replica < replica_count; ++replica) {
    Node& node = nodes_[replica];
    node.options = test_options(replica, replica_count, seed);
    if (tweak) tweak(node.options);
    node.core = std::make_unique<RaftCore>(node.options);
  }
}

void RaftHarness::sync(ReplicaId replica) {
  Node& node = nodes_[replica];
  std::optional<std::uint64_t> last;
  if (!node.unsynced.empty()) last = node.unsynced.back().id;
  for (replica::PersistRecord& record : node.unsynced) {
    EXPECT_TRUE(node.durable.empty() || record.id > node.durable.back().id) << "records are appended in id order";
    node.durable.push_back(std::move(record));
  }
  node.unsynced.clear();
  // The restating record is durable now, so what it restated may go.
  if (node.discard_before) {
    const std::uint64_t first_kept = *node.discard_before;
    std::erase_if(node.durable, [&](const replica::PersistRecord& record) { return record.id < first_kept; });
    node.discard_before.reset();
  }
  std::vector<Held> held = std::move(node.held);
  node.held.clear();
  for (const Held& batch : held) {
    for (const replica::Outgoing& message : batch.messages) send(replica, message);
  }
  if (!last) return;
  replica::Actions after;
  node.core->on_persisted(*last, after);
  handle(replica, std::move(after));
}

void RaftHarness::restart(ReplicaId replica) {
  Node& node = nodes_[replica];
  node.unsynced.clear();
  node.held.clear();
  node.discard_before.reset();
  // State transfers under way die with the process.
  std::erase_if(fetches_, [&](const auto& fetch) { return fetch.first == replica; });
  node.core = std::make_unique<RaftCore>(node.options, node.durable);
  node.last_executed = 0;
  node.state = {};
  if (node.saved) {
    node.last_executed = node.saved->sequence;
    node.state = node.saved->state;
    replica::Actions actions;
    node.core->on_state_installed(node.saved->sequence, node.saved->state, actions);
    handle(replica, std::move(actions));
  }
  check();
}

crypto::Digest RaftHarness::propose(ReplicaId leader, std::string_view operation) {
  EXPECT_TRUE(core(leader).can_propose());
  TestBatch batch = make_batch(operation);
  replica::Actions actions;
  core(leader).propose(batch.batch, batch.digest, actions);
  handle(leader, std::move(actions));
  return batch.digest;
}

void RaftHarness::transfer_leadership(ReplicaId leader, ReplicaId target) {
  replica::Actions actions;
  core(leader).transfer_leadership(target, actions);
  handle(leader, std::move(actions));
}

void RaftHarness::run(std::uint64_t max_messages) {
  for (std::uint64_t delivered = 0; (!network_.empty() || !fetches_.empty()) && delivered < max_messages;
       ++delivered) {
    if (!fetches_.empty()) {
      const auto [replica, fetch] = fetches_.front();
      fetches_.pop_front();
      complete_fetch(replica, fetch);
      continue;
    }
    const std::size_t pick = reorder ? prng_.below(network_.size()) : 0;
    Packet packet = std::move(network_[pick]);
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(pick));
    if (!nodes_[packet.from].connected || !nodes_[packet.to].connected) continue;
    replica::Actions actions = deliver_to(core(packet.to), packet.from, packet.message.kind, packet.message.body);
    handle(packet.to, std::move(actions));
    check();
  }
}

void RaftHarness::tick(std::uint32_t ticks) {
  for (std::uint32_t i = 0; i < ticks; ++i) {
    for (ReplicaId replica = 0; replica < size(); ++replica) {
      replica::Actions actions;
      core(replica).on_tick(actions);
      handle(replica, std::move(actions));
      check();
    }
    run();
  }
}

bool RaftHarness::tick_until(const std::function<bool()>& done, std::uint32_t max_ticks) {
  for (std::uint32_t i = 0; i < max_ticks; ++i) {
    if (done()) return true;
    tick(1);
  }
  return done();
}

std::optional<ReplicaId> RaftHarness::leader() const {
  std::optional<ReplicaId> found;
  for (ReplicaId replica = 0; replica < nodes_.size(); ++replica) {
    const RaftCore& candidate = *nodes_[replica].core;
    if (!nodes_[replica].connected || candidate.role() != Role::leader) continue;
    if (!found || candidate.current_term() > nodes_[*found].core->current_term()) found = replica;
  }
  return found;
}

void RaftHarness::handle(ReplicaId replica, replica::Actions actions) {
  record_transcript(replica, actions);
  Node& node = nodes_[replica];
  for (const replica::PersistRecord& record : actions.persist) node.unsynced.push_back(record);
  if (actions.discard_records_before) node.discard_before = actions.discard_records_before;
  for (const replica::Outgoing& message : actions.send) send(replica, message);
  if (!actions.persist.empty()) {
    node.held.push_back(Held{actions.persist.back().id, std::move(actions.send_after_persist)});
    if (!node.manual_sync) sync(replica);
  } else {
    for (const replica::Outgoing& message : actions.send_after_persist) send(replica, message);
  }
  replica::Actions follow_up;
  for (const replica::CommittedBatch& batch : actions.committed) execute(replica, batch, follow_up);
  if (actions.stable_checkpoint) {
    EXPECT_LE(actions.stable_checkpoint->sequence, node.last_executed);
    node.stable.push_back(*actions.stable_checkpoint);
  }
  if (actions.fetch_state) {
    node.fetches.push_back(*actions.fetch_state);
    // State transfer takes a while: it completes from run(), like a message.
    if (auto_fetch) fetches_.emplace_back(replica, *actions.fetch_state);
  }
  if (!follow_up.empty()) handle(replica, std::move(follow_up));
}

void RaftHarness::send(ReplicaId from, const replica::Outgoing& message) {
  auto enqueue = [&](ReplicaId to) {
    if (!nodes_[from].connected || !nodes_[to].connected) return;
    if (lose && lose(from, to, message.kind)) return;
    if (loss_percent > 0 && prng_.below(100) < loss_percent) return;
    network_.push_back(Packet{from, to, message});
  };
  if (message.to != replica::Outgoing::kAllReplicas) return enqueue(message.to);
  for (ReplicaId to = 0; to < size(); ++to) {
    if (to != from) enqueue(to);
  }
}

void RaftHarness::execute(ReplicaId replica, const replica::CommittedBatch& batch, replica::Actions& follow_up) {
  Node& node = nodes_[replica];
  if (batch.sequence != node.last_executed + 1) {
    violated_ = true;
    ADD_FAILURE() << "replica " << replica << " executes " << batch.sequence << " after " << node.last_executed;
  }
  if (crypto::sha256(batch.batch) != batch.digest) {
    violated_ = true;
    ADD_FAILURE() << "replica " << replica << " got a batch that does not match its digest at " << batch.sequence;
  }
  const auto [agreed, first] = agreed_.emplace(batch.sequence, batch.digest);
  if (!first && agreed->second != batch.digest) {
    violated_ = true;
    ADD_FAILURE() << "replicas disagree at index " << batch.sequence;
  }
  node.last_executed = batch.sequence;
  crypto::Sha256 chain;
  node.state = chain.update(node.state.view()).update(batch.digest.view()).finish();
  node.executed.push_back(batch);
  if (checkpoint_interval != 0 && batch.sequence % checkpoint_interval == 0) {
    node.snapshots[batch.sequence] = node.state;
    node.saved = Snapshot{batch.sequence, node.state};
    node.core->on_checkpoint_taken(batch.sequence, node.state, follow_up);
  }
}

void RaftHarness::complete_fetch(ReplicaId replica, const replica::StateFetch& fetch) {
  Node& node = nodes_[replica];
  // A fetch overtaken by the replica's own execution is dropped, as the pipeline does.
  if (node.last_executed >= fetch.sequence) return;
  for (const ReplicaId source : fetch.sources) {
    const auto held = nodes_[source].snapshots.find(fetch.sequence);
    if (held == nodes_[source].snapshots.end() || held->second != fetch.state_digest) continue;
    node.state = held->second;
    node.last_executed = fetch.sequence;
    node.snapshots[fetch.sequence] = held->second;
    node.saved = Snapshot{fetch.sequence, held->second};
    ++node.installs;
    replica::Actions actions;
    node.core->on_state_installed(fetch.sequence, fetch.state_digest, actions);
    return handle(replica, std::move(actions));
  }
}

void RaftHarness::record_transcript(ReplicaId replica, const replica::Actions& actions) {
  const std::string who = "r" + std::to_string(replica) + " ";
  for (const auto& record : actions.persist) {
    transcript_.push_back(who + "persist " + std::to_string(record.id) + " " + std::to_string(record.type) + " " +
                          crypto::sha256(record.payload).hex().substr(0, 16));
  }
  auto sends = [&](const std::vector<replica::Outgoing>& messages, const char* label) {
    for (const auto& message : messages) {
      transcript_.push_back(who + label + " " + std::to_string(message.to) + " " +
                            std::string(net::to_string(message.kind)) + " " +
                            crypto::sha256(message.body).hex().substr(0, 16));
    }
  };
  sends(actions.send, "send");
  sends(actions.send_after_persist, "send_after_persist");
  for (const auto& batch : actions.committed) {
    transcript_.push_back(who + "commit " + std::to_string(batch.sequence) + " " + batch.digest.hex().substr(0, 16));
  }
  if (actions.stable_checkpoint) transcript_.push_back(who + "stable " + std::to_string(actions.stable_checkpoint->sequence));
  if (actions.fetch_state) transcript_.push_back(who + "fetch " + std::to_string(actions.fetch_state->sequence));
  if (actions.discard_records_before) {
    transcript_.push_back(who + "discard " + std::to_string(*actions.discard_records_before));
  }
}

void RaftHarness::check() {
  for (ReplicaId replica = 0; replica < nodes_.size(); ++replica) {
    const RaftCore& candidate = *nodes_[replica].core;
    if (candidate.role() != Role::leader) continue;
    const auto [known, first] = leaders_by_term_.emplace(candidate.current_term(), replica);
    if (!first && known->second != replica) {
      violated_ = true;
      ADD_FAILURE() << "two leaders in term " << candidate.current_term() << ": " << known->second << " and "
                    << replica;
    }
  }
}

void RaftHarness::check_log_matching() {
  for (ReplicaId a = 0; a < size(); ++a) {
    for (ReplicaId b = a + 1; b < size(); ++b) {
      const RaftCore& left = core(a);
      const RaftCore& right = core(b);
      const Index first = std::max(left.snapshot_index(), right.snapshot_index()) + 1;
      const Index last = std::min(left.last_log_index(), right.last_log_index());
      bool matching_from_here = false;
      // Walking down from the top: once two entries agree on their term, every entry below must
      // be identical.
      for (Index index = last; index >= first && index > 0; --index) {
        const bool same_term = left.term_at(index) == right.term_at(index);
        matching_from_here = matching_from_here || same_term;
        if (matching_from_here && (!same_term || left.digest_at(index) != right.digest_at(index))) {
          violated_ = true;
          ADD_FAILURE() << "replicas " << a << " and " << b << " break Log Matching at index " << index;
          return;
        }
      }
    }
  }
}

}  // namespace loyal::raft::testing
