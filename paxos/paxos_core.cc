// PaxosCore's dispatch, the acceptor's half (PREPARE and ACCEPT), ticks, persistence and sending.

#include "paxos/paxos_core.h"

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "paxos/drop_reasons.h"

namespace loyal::paxos {

namespace {

const PaxosOptions& checked(const PaxosOptions& options) {
  check_options(options);
  return options;
}

// Each replica draws different timeouts from the same configured seed.
std::uint64_t prng_seed_for(const PaxosOptions& options) {
  return options.prng_seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(options.self) + 1));
}

// Only PaxosValidator makes Paxos messages; any other type here is a pipeline bug.
template <typename Message>
const auto& as(const replica::ValidatedMessage& message) {
  const auto* typed = dynamic_cast<const Message*>(&message);
  LOYAL_ASSERT(typed != nullptr, "Paxos messages come from PaxosValidator");
  return typed->message();
}

}  // namespace

PaxosCore::PaxosCore(const PaxosOptions& options, std::vector<replica::PersistRecord> recovered)
    : options_(checked(options)), validator_(options), prng_(prng_seed_for(options)) {
  for (const replica::PersistRecord& record : recovered) recover(record);
  if (!recovered.empty()) {
    next_record_id_ = recovered.back().id + 1;
    durable_record_id_ = recovered.back().id;
  }
  // A restarted proposer never reuses a ballot: its promise to itself was durable before any
  // PREPARE of that ballot left.
  highest_round_seen_ = promised_.round;
  reset_leader_timer();
}

replica::Validation PaxosCore::validate(const net::Envelope& envelope, ByteView frame) const {
  return validator_.validate(envelope, frame);
}

void PaxosCore::on_message(const replica::ValidatedMessage& message, replica::Actions& out) {
  const ReplicaId sender = message.sender();
  // The pipeline never delivers this replica's own messages; one arriving is a replay.
  if (sender == options_.self) return ignore(reason::kOwnMessage);
  switch (message.kind()) {
    case net::MessageKind::paxos_prepare: return on_prepare(sender, as<PrepareMessage>(message), out);
    case net::MessageKind::paxos_promise: return on_promise(sender, as<PromiseMessage>(message), out);
    case net::MessageKind::paxos_accept: return on_accept(sender, as<AcceptMessage>(message), out);
    case net::MessageKind::paxos_accepted: return on_accepted(sender, as<AcceptedMessage>(message), out);
    case net::MessageKind::paxos_nack: return on_nack(as<NackMessage>(message));
    case net::MessageKind::paxos_commit: return on_commit(sender, as<CommitMessage>(message), out);
    default: LOYAL_ASSERT(false, "PaxosValidator passes only Paxos's kinds");
  }
}

// ---- acceptor ------------------------------------------------------------------------------

void PaxosCore::on_prepare(ReplicaId sender, const Prepare& prepare, replica::Actions& out) {
  if (prepare.ballot < promised_) {
    send_to(sender, net::MessageKind::paxos_nack, encode_nack({promised_, prepare.ballot}), out);
    return ignore(reason::kPrepareBelowPromise);
  }
  note_ballot(prepare.ballot);
  if (prepare.ballot > promised_) {
    promised_ = prepare.ballot;
    persist(kPromiseRecord, AcceptorRecord{promised_, stable_slot_, stable_digest_, {}}, out);
  }
  // A candidate is campaigning: give it a whole timeout before competing with it.
  ticks_without_leader_ = 0;
  send_when_durable({sender, net::MessageKind::paxos_promise, encode_promise(make_promise(prepare.ballot, prepare.from_slot))},
                    out);
}

// Values accepted from `from_slot` on, as many as one message carries; the candidate asks for
// the rest from where this part ends.
Promise PaxosCore::make_promise(const Ballot& ballot, Slot from_slot) const {
  // Everything at or below the stable slot is chosen, even before a restarted replica's snapshot
  // is installed.
  Promise promise{ballot, from_slot, {}, true, std::max(last_committed_, stable_slot_), stable_slot_, stable_digest_};
  std::size_t value_bytes = 0;
  for (auto it = accepted_.lower_bound(std::max(from_slot, stable_slot_ + 1)); it != accepted_.end(); ++it) {
    const bool full = promise.accepted.size() >= options_.max_slots_per_message ||
                      value_bytes + it->second.value.size() > kMaxValueBytesPerMessage;
    if (full && !promise.accepted.empty()) {
      promise.complete = false;
      break;
    }
    value_bytes += it->second.value.size();
    promise.accepted.push_back(AcceptedValue{it->first, it->second.ballot, it->second.digest, it->second.value});
  }
  return promise;
}

void PaxosCore::on_accept(ReplicaId sender, const Accept& accept, replica::Actions& out) {
  if (accept.ballot < promised_) {
    send_to(sender, net::MessageKind::paxos_nack, encode_nack({promised_, accept.ballot}), out);
    return ignore(reason::kAcceptBelowPromise);
  }
  note_ballot(accept.ballot);
  const bool promise_raised = accept.ballot > promised_;
  promised_ = accept.ballot;
  heard_leader(accept.ballot);
  AcceptorRecord record{promised_, stable_slot_, stable_digest_, {}};
  Accepted reply{accept.ballot, {}, last_committed_};
  for (const SlotValue& value : accept.values) {
    // Compacted here: chosen and executed, so nothing to accept; chosen_through tells the leader.
    if (value.slot <= stable_slot_) continue;
    if (value.slot > last_committed_ + options_.max_slots_ahead) {
      ignore(reason::kSlotTooFarAhead);
      continue;
    }
    accepted_[value.slot] = Acceptance{accept.ballot, value.digest, value.value};
    record.accepted.push_back(AcceptedValue{value.slot, accept.ballot, value.digest, value.value});
    reply.slots.push_back(SlotDigest{value.slot, value.digest});
  }
  if (promise_raised || !record.accepted.empty()) persist(kAcceptedRecord, record, out);
  send_when_durable({sender, net::MessageKind::paxos_accepted, encode_accepted(reply)}, out);
}

// ---- ticks ---------------------------------------------------------------------------------

void PaxosCore::on_tick(replica::Actions& out) {
  ++now_;
  if (role_ == Role::leader) return leader_heartbeat(out);
  if (++ticks_without_leader_ >= leader_timeout_) return start_phase1(out);
  if (role_ == Role::candidate && ++ticks_since_heartbeat_ >= options_.heartbeat_ticks) {
    ticks_since_heartbeat_ = 0;
    resend_prepares(out);
  }
}

void PaxosCore::heard_leader(const Ballot& ballot) {
  if (ballot < leader_ballot_) return;
  leader_ballot_ = ballot;
  ticks_without_leader_ = 0;
}

void PaxosCore::reset_leader_timer() {
  ticks_without_leader_ = 0;
  leader_timeout_ = prng_.between(options_.leader_timeout_min_ticks, options_.leader_timeout_max_ticks);
}

replica::ProtocolStatus PaxosCore::status() const {
  replica::ProtocolStatus status;
  status.epoch = std::max(highest_round_seen_, promised_.round);
  if (role_ == Role::leader) {
    status.leader = options_.self;
  } else if (role_ == Role::follower && !leader_ballot_.is_zero() && leader_ballot_ >= promised_ &&
             ticks_without_leader_ < leader_timeout_) {
    status.leader = leader_ballot_.proposer;
  }
  status.last_committed = last_committed_;
  status.stable_checkpoint = stable_slot_;
  return status;
}

std::optional<AcceptedSummary> PaxosCore::accepted_at(Slot slot) const {
  const auto it = accepted_.find(slot);
  if (it == accepted_.end()) return std::nullopt;
  return AcceptedSummary{it->second.ballot, it->second.digest};
}

std::optional<crypto::Digest> PaxosCore::chosen_digest(Slot slot) const {
  const auto it = chosen_.find(slot);
  if (it == chosen_.end()) return std::nullopt;
  return it->second.digest;
}

// ---- persistence and sending ---------------------------------------------------------------

std::uint64_t PaxosCore::persist(std::uint32_t type, const AcceptorRecord& record, replica::Actions& out) {
  const std::uint64_t id = next_record_id_++;
  out.persist.push_back(replica::PersistRecord{id, type, encode_acceptor_record(record)});
  return id;
}

// The journal makes records durable in id order, so a message that depends on the newest record
// depends on nothing else. In the pipeline every record is durable by the end of the call that
// made it, so nothing is ever held there; a harness that delays durability sees messages held.
void PaxosCore::send_when_durable(replica::Outgoing message, replica::Actions& out) {
  if (!out.persist.empty()) return out.send_after_persist.push_back(std::move(message));
  const std::uint64_t newest = next_record_id_ - 1;
  if (newest > durable_record_id_) {
    held_until_durable_.emplace_back(newest, std::move(message));
    return;
  }
  out.send.push_back(std::move(message));
}

void PaxosCore::on_persisted(std::uint64_t last_durable_id, replica::Actions& out) {
  durable_record_id_ = std::max(durable_record_id_, last_durable_id);
  auto released = std::stable_partition(held_until_durable_.begin(), held_until_durable_.end(),
                                        [&](const auto& held) { return held.first <= durable_record_id_; });
  for (auto it = held_until_durable_.begin(); it != released; ++it) out.send.push_back(std::move(it->second));
  held_until_durable_.erase(held_until_durable_.begin(), released);

  if (own_promise_record_ && *own_promise_record_ <= durable_record_id_) {
    own_promise_record_.reset();
    own_promise_durable_ = true;
    check_phase1(out);
  }
  std::vector<Slot> newly_accepted;
  for (auto& [slot, proposal] : proposals_) {
    if (proposal.own_record && *proposal.own_record <= durable_record_id_) {
      proposal.own_record.reset();
      proposal.accepted_by.insert(options_.self);
      newly_accepted.push_back(slot);
    }
  }
  const Slot committed_before = last_committed_;
  for (const Slot slot : newly_accepted) check_chosen(slot, out);
  if (role_ == Role::leader && last_committed_ > committed_before) broadcast_commit(out);
}

void PaxosCore::broadcast(net::MessageKind kind, Bytes body, replica::Actions& out) const {
  if (options_.replica_count == 1) return;
  out.send.push_back(replica::Outgoing{replica::Outgoing::kAllReplicas, kind, std::move(body)});
}

void PaxosCore::send_to(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const {
  out.send.push_back(replica::Outgoing{to, kind, std::move(body)});
}

}  // namespace loyal::paxos
