#include "raft/validator.h"

#include <memory>
#include <utility>

#include "cluster/cluster_config.h"
#include "crypto/digest.h"
#include "raft/drop_reasons.h"
#include "replica/request.h"

namespace loyal::raft {

namespace {

// Takes ownership of a message the validator just made; the constructors are private to the
// validator, so make_unique cannot reach them.
replica::Validation validated(const replica::ValidatedMessage* message) {
  return std::unique_ptr<const replica::ValidatedMessage>(message);
}

}  // namespace

RaftValidator::RaftValidator(const RaftOptions& options)
    : replica_count_(options.replica_count), limits_(options.limits) {
  check_options(options);
}

replica::Validation RaftValidator::validate(const net::Envelope& envelope, ByteView) const {
  const NodeId sender = envelope.header.sender;
  if (sender.role != NodeRole::replica || sender.index >= replica_count_) return reason::kSenderNotReplica;
  switch (envelope.header.kind) {
    case net::MessageKind::raft_pre_vote:
    case net::MessageKind::raft_request_vote: return validate_vote_request(sender.index, envelope);
    case net::MessageKind::raft_pre_vote_reply:
    case net::MessageKind::raft_request_vote_reply: return validate_vote_reply(sender.index, envelope);
    case net::MessageKind::raft_append_entries: return validate_append_entries(sender.index, envelope);
    case net::MessageKind::raft_append_entries_reply: return validate_append_entries_reply(sender.index, envelope);
    case net::MessageKind::raft_install_snapshot: return validate_install_snapshot(sender.index, envelope);
    case net::MessageKind::raft_install_snapshot_reply:
      return validate_install_snapshot_reply(sender.index, envelope);
    case net::MessageKind::raft_timeout_now: return validate_timeout_now(sender.index, envelope);
    default: return reason::kUnexpectedKind;
  }
}

replica::Validation RaftValidator::validate_vote_request(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_vote_request(envelope.body, limits_);
  if (!std::holds_alternative<VoteRequest>(decoded)) return reason::kMalformedVoteRequest;
  const VoteRequest& request = std::get<VoteRequest>(decoded);
  if (request.term == 0) return reason::kTermZero;
  if (request.last_log_term > request.term) return reason::kLogTermAboveMessage;
  return validated(new VoteRequestMessage(envelope.header.kind, sender, request));
}

// A rejection may carry term 0: a replica that never saw a term refusing a pre-vote.
replica::Validation RaftValidator::validate_vote_reply(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_vote_reply(envelope.body, limits_);
  if (!std::holds_alternative<VoteReply>(decoded)) return reason::kMalformedVoteReply;
  return validated(new VoteReplyMessage(envelope.header.kind, sender, std::get<VoteReply>(decoded)));
}

replica::Validation RaftValidator::validate_append_entries(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_append_entries(envelope.body, limits_, kMaxEntriesPerAppend);
  if (!std::holds_alternative<AppendEntries>(decoded)) return reason::kMalformedAppendEntries;
  AppendEntries& append = std::get<AppendEntries>(decoded);
  if (append.term == 0) return reason::kTermZero;
  if (append.prev_log_index > ~Index{0} - kMaxEntriesPerAppend) return reason::kIndexOverflow;
  // Terms along a leader's log never decrease and never exceed the leader's own term.
  Term previous = append.prev_log_term;
  if (previous > append.term) return reason::kLogTermAboveMessage;
  for (const Entry& entry : append.entries) {
    if (entry.term < previous || entry.term > append.term) return reason::kLogTermAboveMessage;
    previous = entry.term;
  }
  for (const Entry& entry : append.entries) {
    if (const auto refused = check_entry(entry)) return *refused;
  }
  return validated(new AppendEntriesMessage(envelope.header.kind, sender, std::move(append)));
}

std::optional<std::string_view> RaftValidator::check_entry(const Entry& entry) const {
  if (entry.batch.size() > cluster::kMaxBatchBytes) return reason::kBatchTooLarge;
  if (crypto::sha256(entry.batch) != entry.digest) return reason::kBatchDigestMismatch;
  // The pipeline executes committed batches without checking them again.
  if (!entry.batch.empty() &&
      !std::holds_alternative<replica::Batch>(replica::decode_batch(entry.batch, replica_count_, limits_))) {
    return reason::kMalformedBatch;
  }
  return std::nullopt;
}

replica::Validation RaftValidator::validate_append_entries_reply(ReplicaId sender,
                                                                 const net::Envelope& envelope) const {
  auto decoded = decode_append_entries_reply(envelope.body, limits_);
  if (!std::holds_alternative<AppendEntriesReply>(decoded)) return reason::kMalformedAppendEntriesReply;
  const AppendEntriesReply& reply = std::get<AppendEntriesReply>(decoded);
  if (reply.term == 0) return reason::kTermZero;
  return validated(new AppendEntriesReplyMessage(envelope.header.kind, sender, reply));
}

replica::Validation RaftValidator::validate_install_snapshot(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_install_snapshot(envelope.body, limits_);
  if (!std::holds_alternative<InstallSnapshot>(decoded)) return reason::kMalformedInstallSnapshot;
  const InstallSnapshot& install = std::get<InstallSnapshot>(decoded);
  if (install.term == 0 || install.last_included_term == 0) return reason::kTermZero;
  if (install.last_included_term > install.term) return reason::kLogTermAboveMessage;
  return validated(new InstallSnapshotMessage(envelope.header.kind, sender, install));
}

replica::Validation RaftValidator::validate_install_snapshot_reply(ReplicaId sender,
                                                                   const net::Envelope& envelope) const {
  auto decoded = decode_install_snapshot_reply(envelope.body, limits_);
  if (!std::holds_alternative<InstallSnapshotReply>(decoded)) return reason::kMalformedInstallSnapshotReply;
  const InstallSnapshotReply& reply = std::get<InstallSnapshotReply>(decoded);
  if (reply.term == 0) return reason::kTermZero;
  return validated(new InstallSnapshotReplyMessage(envelope.header.kind, sender, reply));
}

replica::Validation RaftValidator::validate_timeout_now(ReplicaId sender, const net::Envelope& envelope) const {
  auto decoded = decode_timeout_now(envelope.body, limits_);
  if (!std::holds_alternative<TimeoutNow>(decoded)) return reason::kMalformedTimeoutNow;
  const TimeoutNow& timeout_now = std::get<TimeoutNow>(decoded);
  if (timeout_now.term == 0) return reason::kTermZero;
  return validated(new TimeoutNowMessage(envelope.header.kind, sender, timeout_now));
}

}  // namespace loyal::raft
