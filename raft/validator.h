#pragma once
// The only producer of Raft's validated messages. It turns a peer's envelope (whose signature the
// pipeline has already checked) into a RaftMessage<Body>, or names the reason it was dropped. It
// checks everything that needs no protocol state: the sender is a member, the body decodes within
// the limits, terms are positive and no entry claims a term beyond its message's, indexes do not
// overflow, every entry's batch is within kMaxBatchBytes, hashes to its digest and decodes as a
// replica::Batch (an empty batch is a no-op). Whether a term is current is the core's business.
//
// Immutable after construction and thread-safe: the runtime runs validate() on its verification
// pool.

#include <cstdint>
#include <string_view>
#include <utility>

#include "common/bytes.h"
#include "net/envelope.h"
#include "raft/messages.h"
#include "raft/options.h"
#include "replica/protocol.h"

namespace loyal::raft {

class RaftValidator;

// One validated Raft message. VoteRequest and VoteReply serve both the pre-vote and the real vote;
// kind() tells which.
template <typename Body>
class RaftMessage final : public replica::ValidatedMessage {
 public:
  const Body& body() const { return body_; }

 private:
  friend class RaftValidator;
  RaftMessage(net::MessageKind kind, ReplicaId sender, Body body)
      : ValidatedMessage(kind, sender), body_(std::move(body)) {}
  Body body_;
};

using VoteRequestMessage = RaftMessage<VoteRequest>;
using VoteReplyMessage = RaftMessage<VoteReply>;
using AppendEntriesMessage = RaftMessage<AppendEntries>;
using AppendEntriesReplyMessage = RaftMessage<AppendEntriesReply>;
using InstallSnapshotMessage = RaftMessage<InstallSnapshot>;
using InstallSnapshotReplyMessage = RaftMessage<InstallSnapshotReply>;
using TimeoutNowMessage = RaftMessage<TimeoutNow>;

class RaftValidator {
 public:
  explicit RaftValidator(const RaftOptions& options);

  // Raft keeps no evidence: `frame` is not used.
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const;

 private:
  replica::Validation validate_vote_request(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_vote_reply(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_append_entries(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_append_entries_reply(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_install_snapshot(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_install_snapshot_reply(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_timeout_now(ReplicaId sender, const net::Envelope& envelope) const;
  // Nullopt when the entry's batch may be appended, else the reason to drop the message.
  std::optional<std::string_view> check_entry(const Entry& entry) const;

  std::uint32_t replica_count_;
  net::DecodeLimits limits_;
};

}  // namespace loyal::raft
