#pragma once
// The only producer of PBFT's validated messages. It turns a peer's envelope (whose signature the
// pipeline has already checked) into one of the message types below, or names the reason it was
// dropped. It checks everything that needs no protocol state: the body decodes, a PRE-PREPARE
// comes from the primary of its view and carries a batch whose digest, size and client requests
// are all valid, a PREPARE does not come from the primary. View, watermark and duplicate checks
// need the core's state and happen in the core (pbft/pbft_core.h).
//
// Immutable after construction and thread-safe: the runtime runs validate() on its verification
// pool. Every message keeps the exact envelope bytes it came in (`frame`): signed messages kept as
// bytes are the evidence that prepared and stable-checkpoint certificates are made of.

#include <string_view>

#include "common/bytes.h"
#include "net/envelope.h"
#include "crypto/signer.h"
#include "pbft/messages.h"
#include "pbft/new_view.h"
#include "pbft/options.h"
#include "pbft/view_change.h"
#include "replica/protocol.h"
#include "replica/request.h"
#include "replica/request_auth.h"

namespace loyal::pbft {

class PbftValidator;

// A PRE-PREPARE with the batch its digest names. `frame` is the signed envelope without the batch
// (net::without_attachment): the evidence a certificate carries, digest-sized.
//
// With MAC client authentication a replica checks only its own entry of each request's MAC
// vector, and a faulty client can make entries that hold at some replicas and not at others. Such
// a batch is not dropped: `requests_authentic_here()` is false, and the core decides (it will not
// vote for the batch itself, but follows 2f backups that did, since f+1 correct replicas among
// them authenticated every request; and a batch a NEW-VIEW re-issued is certified already).
class PrePrepareMessage final : public replica::ValidatedMessage {
 public:
  const PrePrepare& pre_prepare() const { return pre_prepare_; }
  const Bytes& batch() const { return batch_; }
  const Bytes& frame() const { return frame_; }
  bool requests_authentic_here() const { return requests_authentic_here_; }

 private:
  friend class PbftValidator;
  PrePrepareMessage(ReplicaId sender, PrePrepare pre_prepare, Bytes batch, Bytes frame, bool requests_authentic_here);
  PrePrepare pre_prepare_;
  Bytes batch_;
  Bytes frame_;
  bool requests_authentic_here_;
};

// A replica's request for the batch with a digest, which it needs to send or execute.
class BatchRequestMessage final : public replica::ValidatedMessage {
 public:
  const BatchRequest& request() const { return request_; }

 private:
  friend class PbftValidator;
  BatchRequestMessage(ReplicaId sender, BatchRequest request);
  BatchRequest request_;
};

// A batch whose SHA-256 is `reply().batch_digest` and which decodes as a batch. Its client requests
// are not authenticated again: the core takes it only for a digest a certificate or a quorum of
// COMMITs already fixed, and correct replicas checked the requests when they accepted it.
class BatchReplyMessage final : public replica::ValidatedMessage {
 public:
  const BatchReply& reply() const { return reply_; }
  const Bytes& batch() const { return batch_; }

 private:
  friend class PbftValidator;
  BatchReplyMessage(ReplicaId sender, BatchReply reply, Bytes batch);
  BatchReply reply_;
  Bytes batch_;
};

class PrepareMessage final : public replica::ValidatedMessage {
 public:
  const Prepare& prepare() const { return prepare_; }
  const Bytes& frame() const { return frame_; }

 private:
  friend class PbftValidator;
  PrepareMessage(ReplicaId sender, Prepare prepare, Bytes frame);
  Prepare prepare_;
  Bytes frame_;
};

class CommitMessage final : public replica::ValidatedMessage {
 public:
  const Commit& commit() const { return commit_; }
  const Bytes& frame() const { return frame_; }

 private:
  friend class PbftValidator;
  CommitMessage(ReplicaId sender, Commit commit, Bytes frame);
  Commit commit_;
  Bytes frame_;
};

// A CHECKPOINT: the sender's claim that its state after executing `sequence` has `state_digest`.
class CheckpointVote final : public replica::ValidatedMessage {
 public:
  const replica::CheckpointMessage& checkpoint() const { return checkpoint_; }
  const Bytes& frame() const { return frame_; }

 private:
  friend class PbftValidator;
  CheckpointVote(ReplicaId sender, replica::CheckpointMessage checkpoint, Bytes frame);
  replica::CheckpointMessage checkpoint_;
  Bytes frame_;
};

// A VIEW-CHANGE whose checkpoint proof and prepared certificates all check out.
class ViewChangeMessage final : public replica::ValidatedMessage {
 public:
  const CheckedViewChange& view_change() const { return view_change_; }

 private:
  friend class PbftValidator;
  explicit ViewChangeMessage(CheckedViewChange view_change);
  CheckedViewChange view_change_;
};

// A NEW-VIEW from the new view's primary with a quorum of valid VIEW-CHANGEs for its view from
// distinct replicas, whose re-issued PRE-PREPAREs are exactly those the VIEW-CHANGEs imply.
class NewViewMessage final : public replica::ValidatedMessage {
 public:
  View view() const { return view_; }
  const NewViewPlan& plan() const { return plan_; }
  const Bytes& frame() const { return frame_; }
  const Bytes& body() const { return body_; }

 private:
  friend class PbftValidator;
  NewViewMessage(ReplicaId sender, View view, NewViewPlan plan, Bytes frame, Bytes body);
  View view_;
  NewViewPlan plan_;
  Bytes frame_;
  Bytes body_;
};

class PbftValidator {
 public:
  // `authenticator` checks the client requests inside batches and `verifier` the replica
  // signatures embedded in VIEW-CHANGE and NEW-VIEW; both must outlive the validator.
  PbftValidator(const PbftOptions& options, const replica::RequestAuthenticator& authenticator,
                const crypto::Verifier& verifier);

  // `frame` is the envelope's exact bytes; the returned message keeps a copy.
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const;

 private:
  replica::Validation validate_pre_prepare(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_prepare(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_commit(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_checkpoint(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_view_change(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_new_view(ReplicaId sender, const net::Envelope& envelope, ByteView frame) const;
  replica::Validation validate_batch_request(ReplicaId sender, const net::Envelope& envelope) const;
  replica::Validation validate_batch_reply(ReplicaId sender, const net::Envelope& envelope) const;
  // Embedded frames belong to the cluster of the envelope that carries them, which the pipeline's
  // decoder has already checked.
  EvidenceContext evidence_context(const net::Envelope& envelope) const;
  // The batch in `bytes` when it decodes, holds at most max_batch_requests requests and no request
  // twice, else the reason to drop it. Its clients are not authenticated here (check_clients).
  std::variant<replica::Batch, std::string_view> decode_checked_batch(ByteView bytes) const;
  // Nullopt when every request's client authenticator holds here, else kUnauthenticRequest.
  std::optional<std::string_view> check_clients(const replica::Batch& batch) const;

  std::uint32_t replica_count_;
  std::uint32_t checkpoint_interval_;
  std::uint32_t max_batch_requests_;
  std::uint32_t quorum_;
  std::uint32_t window_;
  net::DecodeLimits limits_;
  const replica::RequestAuthenticator& authenticator_;
  const crypto::Verifier& verifier_;
};

}  // namespace loyal::pbft
