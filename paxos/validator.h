#pragma once
// The only producer of Multi-Paxos's validated messages. It turns a peer's envelope (whose
// signature the pipeline has already checked) into one of the message types below, or names the
// reason it was dropped. It checks everything that needs no protocol state: the body decodes,
// lists are within kMaxSlotsPerMessage and in increasing slot order, a ballot a message proposes
// (PREPARE, ACCEPT, COMMIT) is its sender's own, every value is at most cluster::kMaxBatchBytes,
// its digest is recomputed, and it decodes as a batch (or is empty: a no-op). Whether a ballot is
// current needs the core's state and is checked there.
//
// Paxos tolerates crashes, not lies: client signatures inside batches are not re-checked here
// (the leader admitted them), but every batch is decoded, because the pipeline must be able to
// execute any value that can become chosen.
//
// Immutable after construction and thread-safe: the runtime runs validate() on its verification
// pool.

#include <string_view>

#include "common/bytes.h"
#include "net/envelope.h"
#include "paxos/messages.h"
#include "paxos/options.h"
#include "replica/protocol.h"

namespace loyal::paxos {

class PaxosValidator;

// One class per kind, each holding its decoded, checked message.
template <typename Message, net::MessageKind Kind>
class Validated final : public replica::ValidatedMessage {
 public:
  const Message& message() const { return message_; }

 private:
  friend class PaxosValidator;
  Validated(ReplicaId sender, Message message) : ValidatedMessage(Kind, sender), message_(std::move(message)) {}
  Message message_;
};

using PrepareMessage = Validated<Prepare, net::MessageKind::paxos_prepare>;
using PromiseMessage = Validated<Promise, net::MessageKind::paxos_promise>;
using AcceptMessage = Validated<Accept, net::MessageKind::paxos_accept>;
using AcceptedMessage = Validated<Accepted, net::MessageKind::paxos_accepted>;
using NackMessage = Validated<Nack, net::MessageKind::paxos_nack>;
using CommitMessage = Validated<Commit, net::MessageKind::paxos_commit>;

class PaxosValidator {
 public:
  explicit PaxosValidator(const PaxosOptions& options);

  // `frame` is not kept: Paxos keeps no messages as evidence.
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const;

 private:
  replica::Validation validate_prepare(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_promise(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_accept(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_accepted(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_nack(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_commit(ReplicaId sender, const net::Envelope& envelope) const;
  // Nullopt when the value may be chosen: its size, digest and batch encoding check out.
  std::optional<std::string_view> check_value(const crypto::Digest& digest, const Bytes& value) const;
  std::optional<std::string_view> check_values(const std::vector<SlotValue>& values) const;

  std::uint32_t replica_count_;
  net::DecodeLimits limits_;
};

}  // namespace loyal::paxos
