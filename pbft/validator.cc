#include "pbft/validator.h"

#include <memory>
#include <set>
#include <utility>

#include "crypto/digest.h"
#include "pbft/drop_reasons.h"

namespace loyal::pbft {

PrePrepareMessage::PrePrepareMessage(ReplicaId sender, PrePrepare pre_prepare, Bytes frame)
    : ValidatedMessage(net::MessageKind::pbft_pre_prepare, sender),
      pre_prepare_(std::move(pre_prepare)),
      frame_(std::move(frame)) {}

PrepareMessage::PrepareMessage(ReplicaId sender, Prepare prepare, Bytes frame)
    : ValidatedMessage(net::MessageKind::pbft_prepare, sender), prepare_(prepare), frame_(std::move(frame)) {}

CommitMessage::CommitMessage(ReplicaId sender, Commit commit, Bytes frame)
    : ValidatedMessage(net::MessageKind::pbft_commit, sender), commit_(commit), frame_(std::move(frame)) {}

CheckpointVote::CheckpointVote(ReplicaId sender, replica::CheckpointMessage checkpoint, Bytes frame)
    : ValidatedMessage(net::MessageKind::checkpoint, sender), checkpoint_(checkpoint), frame_(std::move(frame)) {}

namespace {

Bytes copy(ByteView frame) { return {frame.begin(), frame.end()}; }

// Takes ownership of a message the validator just made; the constructors are private to the
// validator, so make_unique cannot reach them.
replica::Validation validated(const replica::ValidatedMessage* message) {
  return std::unique_ptr<const replica::ValidatedMessage>(message);
}

}  // namespace

PbftValidator::PbftValidator(const PbftOptions& options, const replica::RequestAuthenticator& authenticator)
    : replica_count_(options.replica_count),
      checkpoint_interval_(options.checkpoint_interval),
      max_batch_requests_(options.max_batch_requests),
      limits_(options.limits),
      authenticator_(authenticator) {
  check_options(options);
}

replica::Validation PbftValidator::validate(const net::Envelope& envelope, ByteView frame) const {
  const NodeId sender = envelope.header.sender;
  if (sender.role != NodeRole::replica || sender.index >= replica_count_) return reason::kSenderNotReplica;
  switch (envelope.header.kind) {
    case net::MessageKind::pbft_pre_prepare: return validate_pre_prepare(sender.index, envelope, frame);
    case net::MessageKind::pbft_prepare: return validate_prepare(sender.index, envelope, frame);
    case net::MessageKind::pbft_commit: return validate_commit(sender.index, envelope, frame);
    case net::MessageKind::checkpoint: return validate_checkpoint(sender.index, envelope, frame);
    default: return reason::kUnexpectedKind;
  }
}

// Cheap checks first: the sender and the digest before decoding the batch, and the client
// signatures (the expensive part) last.
replica::Validation PbftValidator::validate_pre_prepare(ReplicaId sender, const net::Envelope& envelope,
                                                        ByteView frame) const {
  auto decoded = decode_pre_prepare(envelope.body, limits_);
  if (!std::holds_alternative<PrePrepare>(decoded)) return reason::kMalformedPrePrepare;
  PrePrepare& pre_prepare = std::get<PrePrepare>(decoded);
  if (pre_prepare.sequence == 0) return reason::kSequenceZero;
  if (sender != primary_of(pre_prepare.view, replica_count_)) return reason::kPrePrepareNotFromPrimary;
  if (crypto::sha256(pre_prepare.batch) != pre_prepare.batch_digest) return reason::kBatchDigestMismatch;
  const auto batch = replica::decode_batch(pre_prepare.batch, replica_count_, limits_);
  if (!std::holds_alternative<replica::Batch>(batch)) return reason::kMalformedBatch;
  if (const auto refused = check_batch(std::get<replica::Batch>(batch))) return *refused;
  return validated(new PrePrepareMessage(sender, std::move(pre_prepare), copy(frame)));
}

std::optional<std::string_view> PbftValidator::check_batch(const replica::Batch& batch) const {
  if (batch.requests.size() > max_batch_requests_) return reason::kBatchTooLarge;
  // A request ordered twice in one batch would be executed once anyway (the client table), but
  // only a faulty primary builds such a batch, and refusing it keeps batches honest.
  std::set<std::pair<ClientId, std::uint64_t>> seen;
  for (const replica::ClientRequest& request : batch.requests) {
    if (!seen.emplace(request.client, request.request_number).second) return reason::kDuplicateRequestInBatch;
  }
  for (const replica::ClientRequest& request : batch.requests) {
    if (!authenticator_.authentic(request)) return reason::kUnauthenticRequest;
  }
  return std::nullopt;
}

replica::Validation PbftValidator::validate_prepare(ReplicaId sender, const net::Envelope& envelope,
                                                    ByteView frame) const {
  const auto decoded = decode_prepare(envelope.body, limits_);
  if (!std::holds_alternative<Prepare>(decoded)) return reason::kMalformedPrepare;
  const Prepare& prepare = std::get<Prepare>(decoded);
  if (prepare.sequence == 0) return reason::kSequenceZero;
  // The primary's PRE-PREPARE is its vote; a PREPARE from it would count it twice.
  if (sender == primary_of(prepare.view, replica_count_)) return reason::kPrepareFromPrimary;
  return validated(new PrepareMessage(sender, prepare, copy(frame)));
}

replica::Validation PbftValidator::validate_commit(ReplicaId sender, const net::Envelope& envelope,
                                                   ByteView frame) const {
  const auto decoded = decode_commit(envelope.body, limits_);
  if (!std::holds_alternative<Commit>(decoded)) return reason::kMalformedCommit;
  const Commit& commit = std::get<Commit>(decoded);
  if (commit.sequence == 0) return reason::kSequenceZero;
  return validated(new CommitMessage(sender, commit, copy(frame)));
}

replica::Validation PbftValidator::validate_checkpoint(ReplicaId sender, const net::Envelope& envelope,
                                                       ByteView frame) const {
  const auto decoded = replica::decode_checkpoint(envelope.body, limits_);
  if (!std::holds_alternative<replica::CheckpointMessage>(decoded)) return reason::kMalformedCheckpoint;
  const auto& checkpoint = std::get<replica::CheckpointMessage>(decoded);
  // Replicas take checkpoints only at positive multiples of K; votes elsewhere can never match.
  if (checkpoint.sequence == 0 || checkpoint.sequence % checkpoint_interval_ != 0) {
    return reason::kCheckpointNotAtInterval;
  }
  return validated(new CheckpointVote(sender, checkpoint, copy(frame)));
}

}  // namespace loyal::pbft
