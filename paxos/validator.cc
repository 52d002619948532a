#include "paxos/validator.h"

#include <memory>

#include "cluster/cluster_config.h"
#include "paxos/drop_reasons.h"
#include "replica/request.h"

namespace loyal::paxos {

namespace {

// Takes ownership of a message the validator just made; the constructors are private to the
// validator, so make_unique cannot reach them.
replica::Validation validated(const replica::ValidatedMessage* message) {
  return std::unique_ptr<const replica::ValidatedMessage>(message);
}

// Slots are positive and strictly increasing, so no slot appears twice in one message.
template <typename Entries>
bool slots_increasing(const Entries& entries, Slot above) {
  for (const auto& entry : entries) {
    if (entry.slot <= above) return false;
    above = entry.slot;
  }
  return true;
}

}  // namespace

PaxosValidator::PaxosValidator(const PaxosOptions& options)
    : replica_count_(options.replica_count), limits_(options.limits) {
  check_options(options);
}

replica::Validation PaxosValidator::validate(const net::Envelope& envelope, ByteView /*frame*/) const {
  const NodeId sender = envelope.header.sender;
  if (sender.role != NodeRole::replica || sender.index >= replica_count_) return reason::kSenderNotReplica;
  switch (envelope.header.kind) {
    case net::MessageKind::paxos_prepare: return validate_prepare(sender.index, envelope);
    case net::MessageKind::paxos_promise: return validate_promise(sender.index, envelope);
    case net::MessageKind::paxos_accept: return validate_accept(sender.index, envelope);
    case net::MessageKind::paxos_accepted: return validate_accepted(sender.index, envelope);
    case net::MessageKind::paxos_nack: return validate_nack(sender.index, envelope);
    case net::MessageKind::paxos_commit: return validate_commit(sender.index, envelope);
    default: return reason::kUnexpectedKind;
  }
}

std::optional<std::string_view> PaxosValidator::check_value(const crypto::Digest& digest, const Bytes& value) const {
  if (value.size() > cluster::kMaxBatchBytes) return reason::kValueTooLarge;
  if (crypto::sha256(value) != digest) return reason::kValueDigestMismatch;
  if (value.empty()) return std::nullopt;  // a no-op: what a new leader proposes for a gap
  if (!std::holds_alternative<replica::Batch>(replica::decode_batch(value, replica_count_, limits_))) {
    return reason::kMalformedBatch;
  }
  return std::nullopt;
}

std::optional<std::string_view> PaxosValidator::check_values(const std::vector<SlotValue>& values) const {
  if (!slots_increasing(values, 0)) return reason::kSlotsOutOfOrder;
  for (const SlotValue& value : values) {
    if (const auto refused = check_value(value.digest, value.value)) return refused;
  }
  return std::nullopt;
}

replica::Validation PaxosValidator::validate_prepare(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_prepare(envelope.body, limits_);
  if (!std::holds_alternative<Prepare>(decoded)) return reason::kMalformedPrepare;
  const Prepare& prepare = std::get<Prepare>(decoded);
  if (prepare.ballot.is_zero() || prepare.from_slot == 0) return reason::kMalformedPrepare;
  if (prepare.ballot.proposer != sender) return reason::kBallotNotSenders;
  return validated(new PrepareMessage(sender, prepare));
}

replica::Validation PaxosValidator::validate_promise(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_promise(envelope.body, limits_);
  if (!std::holds_alternative<Promise>(decoded)) return reason::kMalformedPromise;
  Promise& promise = std::get<Promise>(decoded);
  if (promise.ballot.is_zero() || promise.from_slot == 0 || promise.ballot.proposer >= replica_count_ ||
      promise.stable_slot > promise.chosen_through) {
    return reason::kMalformedPromise;
  }
  // A partial report ends at its last value; the proposer asks again from the slot after it.
  if (!promise.complete && promise.accepted.empty()) return reason::kMalformedPromise;
  if (promise.accepted.size() > kMaxSlotsPerMessage) return reason::kTooManySlots;
  if (!slots_increasing(promise.accepted, promise.from_slot - 1)) return reason::kSlotsOutOfOrder;
  for (const AcceptedValue& accepted : promise.accepted) {
    // An acceptor accepts nothing above the ballot it promised.
    if (accepted.ballot.is_zero() || accepted.ballot > promise.ballot) return reason::kMalformedPromise;
    if (const auto refused = check_value(accepted.digest, accepted.value)) return *refused;
  }
  return validated(new PromiseMessage(sender, std::move(promise)));
}

replica::Validation PaxosValidator::validate_accept(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_accept(envelope.body, limits_);
  if (!std::holds_alternative<Accept>(decoded)) return reason::kMalformedAccept;
  Accept& accept = std::get<Accept>(decoded);
  if (accept.ballot.is_zero() || accept.values.empty()) return reason::kMalformedAccept;
  if (accept.ballot.proposer != sender) return reason::kBallotNotSenders;
  if (accept.values.size() > kMaxSlotsPerMessage) return reason::kTooManySlots;
  if (const auto refused = check_values(accept.values)) return *refused;
  return validated(new AcceptMessage(sender, std::move(accept)));
}

replica::Validation PaxosValidator::validate_accepted(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_accepted(envelope.body, limits_);
  if (!std::holds_alternative<Accepted>(decoded)) return reason::kMalformedAccepted;
  Accepted& accepted = std::get<Accepted>(decoded);
  if (accepted.ballot.is_zero() || accepted.ballot.proposer >= replica_count_) return reason::kMalformedAccepted;
  if (accepted.slots.size() > kMaxSlotsPerMessage) return reason::kTooManySlots;
  if (!slots_increasing(accepted.slots, 0)) return reason::kSlotsOutOfOrder;
  return validated(new AcceptedMessage(sender, std::move(accepted)));
}

replica::Validation PaxosValidator::validate_nack(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_nack(envelope.body, limits_);
  if (!std::holds_alternative<Nack>(decoded)) return reason::kMalformedNack;
  const Nack& nack = std::get<Nack>(decoded);
  // A refusal names the higher ballot that caused it.
  if (nack.refused.is_zero() || nack.promised <= nack.refused) return reason::kMalformedNack;
  if (nack.promised.proposer >= replica_count_ || nack.refused.proposer >= replica_count_) {
    return reason::kMalformedNack;
  }
  return validated(new NackMessage(sender, nack));
}

replica::Validation PaxosValidator::validate_commit(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_commit(envelope.body, limits_);
  if (!std::holds_alternative<Commit>(decoded)) return reason::kMalformedCommit;
  Commit& commit = std::get<Commit>(decoded);
  if (commit.ballot.is_zero() || commit.stable_slot > commit.chosen_through) return reason::kMalformedCommit;
  if (commit.ballot.proposer != sender) return reason::kBallotNotSenders;
  if (commit.values.size() > kMaxSlotsPerMessage) return reason::kTooManySlots;
  if (!commit.values.empty() && commit.values.back().slot > commit.chosen_through) return reason::kMalformedCommit;
  if (const auto refused = check_values(commit.values)) return *refused;
  return validated(new CommitMessage(sender, std::move(commit)));
}

}  // namespace loyal::paxos
