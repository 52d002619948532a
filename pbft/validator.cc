#include "pbft/validator.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "crypto/digest.h"
#include "net/envelope_codec.h"
#include "pbft/drop_reasons.h"

namespace loyal::pbft {

PrePrepareMessage::PrePrepareMessage(ReplicaId sender, PrePrepare pre_prepare, Bytes batch, Bytes frame,
                                     bool requests_authentic_here)
    : ValidatedMessage(net::MessageKind::pbft_pre_prepare, sender),
      pre_prepare_(pre_prepare),
      batch_(std::move(batch)),
      frame_(std::move(frame)),
      requests_authentic_here_(requests_authentic_here) {}

BatchRequestMessage::BatchRequestMessage(ReplicaId sender, BatchRequest request)
    : ValidatedMessage(net::MessageKind::pbft_batch_request, sender), request_(request) {}

BatchReplyMessage::BatchReplyMessage(ReplicaId sender, BatchReply reply, Bytes batch)
    : ValidatedMessage(net::MessageKind::pbft_batch_reply, sender), reply_(reply), batch_(std::move(batch)) {}

PrepareMessage::PrepareMessage(ReplicaId sender, Prepare prepare, Bytes frame)
    : ValidatedMessage(net::MessageKind::pbft_prepare, sender), prepare_(prepare), frame_(std::move(frame)) {}

CommitMessage::CommitMessage(ReplicaId sender, Commit commit, Bytes frame)
    : ValidatedMessage(net::MessageKind::pbft_commit, sender), commit_(commit), frame_(std::move(frame)) {}

CheckpointVote::CheckpointVote(ReplicaId sender, replica::CheckpointMessage checkpoint, Bytes frame)
    : ValidatedMessage(net::MessageKind::checkpoint, sender), checkpoint_(checkpoint), frame_(std::move(frame)) {}

ViewChangeMessage::ViewChangeMessage(CheckedViewChange view_change)
    : ValidatedMessage(net::MessageKind::pbft_view_change, view_change.sender), view_change_(std::move(view_change)) {}

NewViewMessage::NewViewMessage(ReplicaId sender, View view, NewViewPlan plan, Bytes frame, Bytes body)
    : ValidatedMessage(net::MessageKind::pbft_new_view, sender),
      view_(view),
      plan_(std::move(plan)),
      frame_(std::move(frame)),
      body_(std::move(body)) {}

namespace {

Bytes copy(ByteView frame) { return {frame.begin(), frame.end()}; }

// Takes ownership of a message the validator just made; the constructors are private to the
// validator, so make_unique cannot reach them.
replica::Validation validated(const replica::ValidatedMessage* message) {
  return std::unique_ptr<const replica::ValidatedMessage>(message);
}

}  // namespace

PbftValidator::PbftValidator(const PbftOptions& options, const replica::RequestAuthenticator& authenticator,
                             const crypto::Verifier& verifier)
    : replica_count_(options.replica_count),
      checkpoint_interval_(options.checkpoint_interval),
      max_batch_requests_(options.max_batch_requests),
      quorum_(quorum_size(options.replica_count, options.max_faulty)),
      window_(options.window),
      limits_(options.limits),
      authenticator_(authenticator),
      verifier_(verifier) {
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
    case net::MessageKind::pbft_view_change: return validate_view_change(sender.index, envelope, frame);
    case net::MessageKind::pbft_new_view: return validate_new_view(sender.index, envelope, frame);
    case net::MessageKind::pbft_batch_request: return validate_batch_request(sender.index, envelope);
    case net::MessageKind::pbft_batch_reply: return validate_batch_reply(sender.index, envelope);
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
  const Bytes& batch = envelope.attachment;
  if (crypto::sha256(batch) != pre_prepare.batch_digest) return reason::kBatchDigestMismatch;
  // An empty batch is a null request: what a new primary re-issues for a gap in the log.
  if (batch.empty()) return validated(new PrePrepareMessage(sender, pre_prepare, {}, copy(frame), true));
  const auto decoded_batch = decode_checked_batch(batch);
  if (const auto* malformed = std::get_if<std::string_view>(&decoded_batch)) return *malformed;
  const auto refused = check_clients(std::get<replica::Batch>(decoded_batch));
  // A client's signature reads the same at every replica, so a batch with a bad one is the
  // primary's fault. A MAC entry is checked here only, and may fail here alone: that one is left
  // to the core (PrePrepareMessage).
  const bool mac_entry_failed =
      refused == reason::kUnauthenticRequest && authenticator_.client_auth() == cluster::ClientAuth::mac;
  if (refused && !mac_entry_failed) return *refused;
  return validated(
      new PrePrepareMessage(sender, pre_prepare, batch, net::without_attachment(envelope), !refused.has_value()));
}

replica::Validation PbftValidator::validate_batch_request(ReplicaId sender, const net::Envelope& envelope) const {
  const auto decoded = decode_batch_request(envelope.body, limits_);
  if (!std::holds_alternative<BatchRequest>(decoded)) return reason::kMalformedBatchRequest;
  return validated(new BatchRequestMessage(sender, std::get<BatchRequest>(decoded)));
}

replica::Validation PbftValidator::validate_batch_reply(ReplicaId sender, const net::Envelope& envelope) const {
  const auto decoded = decode_batch_reply(envelope.body, limits_);
  if (!std::holds_alternative<BatchReply>(decoded)) return reason::kMalformedBatchReply;
  const BatchReply& reply = std::get<BatchReply>(decoded);
  if (crypto::sha256(envelope.attachment) != reply.batch_digest) return reason::kBatchDigestMismatch;
  // Execution decodes every committed batch and stops the process if one does not decode.
  if (!envelope.attachment.empty()) {
    const auto batch = decode_checked_batch(envelope.attachment);
    if (const auto* malformed = std::get_if<std::string_view>(&batch)) return *malformed;
  }
  return validated(new BatchReplyMessage(sender, reply, envelope.attachment));
}

std::variant<replica::Batch, std::string_view> PbftValidator::decode_checked_batch(ByteView bytes) const {
  auto decoded = replica::decode_batch(bytes, replica_count_, limits_);
  if (!std::holds_alternative<replica::Batch>(decoded)) return reason::kMalformedBatch;
  replica::Batch& batch = std::get<replica::Batch>(decoded);
  if (batch.requests.size() > max_batch_requests_) return reason::kBatchTooLarge;
  // A request ordered twice in one batch would be executed once anyway (the client table), but
  // only a faulty primary builds such a batch, and refusing it keeps batches honest.
  std::set<std::pair<ClientId, std::uint64_t>> seen;
  for (const replica::ClientRequest& request : batch.requests) {
    if (!seen.emplace(request.client, request.request_number).second) return reason::kDuplicateRequestInBatch;
  }
  return std::move(batch);
}

std::optional<std::string_view> PbftValidator::check_clients(const replica::Batch& batch) const {
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

EvidenceContext PbftValidator::evidence_context(const net::Envelope& envelope) const {
  return EvidenceContext{
      .decode = net::DecodeContext{.cluster_id = envelope.header.cluster_id,
                                   .mode = ProtocolMode::pbft,
                                   .replica_count = replica_count_,
                                   .client_count = 0,
                                   .limits = limits_},
      .quorum = quorum_,
      .window = window_,
      .checkpoint_interval = checkpoint_interval_,
      .max_view_change_bytes = cluster::pbft_view_change_limit_bytes(replica_count_, window_),
      .verifier = &verifier_,
  };
}

replica::Validation PbftValidator::validate_view_change(ReplicaId sender, const net::Envelope& envelope,
                                                        ByteView frame) const {
  CheckedViewChangeOrReason checked = check_view_change(sender, envelope.body, frame, evidence_context(envelope));
  if (const auto* refused = std::get_if<std::string_view>(&checked)) return *refused;
  return validated(new ViewChangeMessage(std::move(std::get<CheckedViewChange>(checked))));
}

// Every embedded VIEW-CHANGE must be valid: a correct primary includes only valid ones, so one
// invalid VIEW-CHANGE is enough to refuse the whole NEW-VIEW (and can never count towards it).
replica::Validation PbftValidator::validate_new_view(ReplicaId sender, const net::Envelope& envelope,
                                                     ByteView frame) const {
  const auto decoded = decode_new_view(envelope.body, limits_, std::max(replica_count_, window_));
  if (!std::holds_alternative<NewView>(decoded)) return reason::kMalformedNewView;
  const NewView& new_view = std::get<NewView>(decoded);
  if (new_view.view == 0 || new_view.view_changes.size() > replica_count_) return reason::kMalformedNewView;
  if (sender != primary_of(new_view.view, replica_count_)) return reason::kNewViewNotFromPrimary;
  const EvidenceContext context = evidence_context(envelope);
  std::vector<CheckedViewChange> view_changes;
  std::set<ReplicaId> senders;
  for (const Bytes& embedded : new_view.view_changes) {
    CheckedViewChangeOrReason checked = check_embedded_view_change(embedded, context);
    if (!std::holds_alternative<CheckedViewChange>(checked)) return reason::kNewViewBadViewChange;
    CheckedViewChange& view_change = std::get<CheckedViewChange>(checked);
    if (view_change.view != new_view.view) return reason::kNewViewBadViewChange;
    if (!senders.insert(view_change.sender).second) return reason::kNewViewBadViewChange;
    view_changes.push_back(std::move(view_change));
  }
  if (view_changes.size() < quorum_) return reason::kNewViewTooFewViewChanges;
  NewViewPlan plan = plan_new_view(new_view.view, view_changes);
  if (encode_pre_prepares(plan) != new_view.pre_prepares) return reason::kNewViewWrongPrePrepares;
  return validated(new NewViewMessage(sender, new_view.view, std::move(plan), copy(frame), envelope.body));
}

}  // namespace loyal::pbft
