// PbftCore's checkpoint half: CHECKPOINT votes, the stable checkpoint that moves the low
// watermark and garbage-collects the log, and noticing when this replica needs state transfer.

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "pbft/drop_reasons.h"
#include "pbft/pbft_core.h"

namespace loyal::pbft {

void PbftCore::on_checkpoint_taken(Sequence sequence, const crypto::Digest& state_digest, replica::Actions& out) {
  const HoldSendsUntilPersisted hold(out);
  LOYAL_ASSERT(sequence > 0 && sequence % options_.checkpoint_interval == 0, "checkpoints at multiples of K");
  LOYAL_ASSERT(sequence <= last_committed_, "a checkpoint follows the execution of what it covers");
  // Already stable (a snapshot installed by state transfer, say): nothing left to vote for.
  if (sequence <= low_watermark_) return;
  const Bytes& frame = record_own_checkpoint(sequence, state_digest);
  broadcast(net::MessageKind::checkpoint, replica::encode_checkpoint({sequence, state_digest}), frame, out);
  check_stability(sequence, out);
}

const Bytes& PbftCore::record_own_checkpoint(Sequence sequence, const crypto::Digest& state_digest) {
  checkpoints_.record_own(sequence, state_digest);
  // Signed now, not when it is sent: a certificate this replica's vote completes (its VIEW-CHANGE's
  // checkpoint proof, its StableRecord) must hold the frame even if the checkpoint becomes stable
  // in the very call that took it, or is installed by state transfer without a vote sent.
  const Bytes body = replica::encode_checkpoint({sequence, state_digest});
  return own_checkpoint_frames_.insert_or_assign(sequence, sign(net::MessageKind::checkpoint, body)).first->second;
}

void PbftCore::on_checkpoint(const CheckpointVote& message, replica::Actions& out) {
  const replica::CheckpointMessage& checkpoint = message.checkpoint();
  if (checkpoint.sequence == low_watermark_ && low_watermark_ > 0 && !stable_proof_complete()) {
    return complete_stable_proof(checkpoint.sequence, checkpoint.state_digest, {message.sender()}, {message.frame()},
                                 out);
  }
  if (checkpoint.sequence <= low_watermark_) return ignore(reason::kStaleCheckpoint);
  if (const auto refused =
          checkpoints_.record(message.sender(), checkpoint.sequence, checkpoint.state_digest, message.frame())) {
    return ignore(*refused);
  }
  check_stability(checkpoint.sequence, out);
}

// Votes at `sequence` changed (another replica's, or this replica's own).
void PbftCore::check_stability(Sequence sequence, replica::Actions& out) {
  std::optional<CheckpointCertificate> certificate = checkpoints_.stable_certificate(sequence);
  if (!certificate && sequence > low_watermark_) return fetch_if_a_checkpoint_behind(sequence, out);
  if (!certificate || sequence <= low_watermark_) return;
  if (certificate->includes_own) return advance_low_watermark(std::move(*certificate), out);
  // Stable without this replica: either its own state at `sequence` differs from what a quorum
  // agreed on, or it has not executed that far. In the second case the batches may still be
  // arriving, but the others are about to discard the log below `sequence` and stop re-sending
  // it, so waiting could leave this replica behind for good.
  if (checkpoints_.own(sequence) || sequence > last_committed_) request_state(*certificate, out);
}

// A replica a whole checkpoint interval behind a checkpoint that f+1 others vouch for (so a correct
// one among them: the digest is the correct state's) fetches it without waiting for a quorum. It
// may never see a quorum: restarted from a journal whose snapshot is older than the others' stable
// checkpoint, its own earlier vote is one of that quorum, and with f replicas faulty no other can
// replace it (Castro & Liskov's weak certificate for state transfer, TOCS 2002 §5.3.2). Once it
// installed the state, its own CHECKPOINT completes the proof. Less than an interval behind, it is
// still catching up by itself, and a fetch would cost more than it saves.
void PbftCore::fetch_if_a_checkpoint_behind(Sequence sequence, replica::Actions& out) {
  if (sequence < last_committed_ + options_.checkpoint_interval) return;
  if (std::optional<CheckpointCertificate> weak = checkpoints_.matching_votes(sequence, options_.max_faulty + 1)) {
    request_state(*weak, out);
  }
}

void PbftCore::advance_low_watermark(CheckpointCertificate certificate, replica::Actions& out) {
  low_watermark_ = certificate.sequence;
  log_.erase(log_.begin(), log_.upper_bound(low_watermark_));
  checkpoints_.discard_through(low_watermark_);
  own_checkpoint_frames_.erase(own_checkpoint_frames_.begin(), own_checkpoint_frames_.lower_bound(low_watermark_));
  out.stable_checkpoint = replica::StableCheckpoint{certificate.sequence, certificate.state_digest, certificate.frames};
  stable_certificate_ = std::move(certificate);
  persist_stable_checkpoint(out);
}

void PbftCore::request_state(const CheckpointCertificate& certificate, replica::Actions& out) {
  if (certificate.sequence <= state_requested_) return;
  state_requested_ = certificate.sequence;
  fetch_certificate_ = certificate;
  out.fetch_state = replica::StateFetch{certificate.sequence, certificate.state_digest, certificate.signers};
}

bool PbftCore::stable_proof_complete() const {
  return stable_certificate_ &&
         stable_certificate_->frames.size() + (stable_certificate_->includes_own ? 1 : 0) >= quorum_;
}

void PbftCore::complete_stable_proof(Sequence sequence, const crypto::Digest& digest,
                                     const std::vector<ReplicaId>& signers, const std::vector<Bytes>& frames,
                                     replica::Actions& out) {
  LOYAL_ASSERT(signers.size() == frames.size(), "one frame per signer");
  if (sequence != low_watermark_ || !stable_certificate_ || stable_proof_complete() ||
      stable_certificate_->state_digest != digest) {
    return;
  }
  CheckpointCertificate& certificate = *stable_certificate_;
  for (std::size_t i = 0; i < signers.size(); ++i) {
    const bool known = std::find(certificate.signers.begin(), certificate.signers.end(), signers[i]) !=
                       certificate.signers.end();
    if (signers[i] == options_.self || known) continue;
    certificate.signers.push_back(signers[i]);
    certificate.frames.push_back(frames[i]);
  }
  if (!stable_proof_complete()) return;
  persist_stable_checkpoint(out);
  // A VIEW-CHANGE sent without the proof was refused everywhere: this one will count.
  if (!view_active_) {
    make_own_view_change();
    retransmit_view_change(out);
    check_view_change_quorum(out);
  }
}

void PbftCore::on_state_installed(Sequence sequence, const crypto::Digest& state_digest, replica::Actions& out) {
  LOYAL_ASSERT(sequence > low_watermark_, "state transfer installs a checkpoint above the stable one");
  const HoldSendsUntilPersisted hold(out);
  record_own_checkpoint(sequence, state_digest);
  const bool restored = restore_checkpoint_proof(sequence, state_digest);
  stable_certificate_ = checkpoints_.stable_certificate(sequence);
  if (fetch_certificate_ && fetch_certificate_->sequence == sequence && fetch_certificate_->state_digest == state_digest) {
    stable_certificate_ = std::move(*fetch_certificate_);
    stable_certificate_->includes_own = true;
  }
  fetch_certificate_.reset();
  // Without a proof (the StableRecord of the saved snapshot was lost with an unsynced round, say)
  // this replica still knows the digest it installed, and collects the others' CHECKPOINTs for it
  // (complete_stable_proof): until then its VIEW-CHANGEs would be refused.
  if (!stable_certificate_ || stable_certificate_->state_digest != state_digest) {
    stable_certificate_ = CheckpointCertificate{sequence, state_digest, {}, {}, true};
  }
  low_watermark_ = sequence;
  last_committed_ = sequence;
  last_assigned_ = std::max(last_assigned_, sequence);
  log_.erase(log_.begin(), log_.upper_bound(low_watermark_));
  checkpoints_.discard_through(low_watermark_);
  own_checkpoint_frames_.erase(own_checkpoint_frames_.begin(), own_checkpoint_frames_.lower_bound(low_watermark_));
  // Restarted from the journal's own proof, nothing new; a state transfer's proof is this replica's
  // from now on, and a restart must find it.
  if (!restored && stable_proof_complete()) persist_stable_checkpoint(out);
  // Requests the snapshot executed never reach on_request_executed here; the ones still pending
  // are reported again when their clients retransmit, so the request timer starts afresh.
  pending_requests_.clear();
  request_deadline_.reset();
  // The pipeline's state is now the snapshot's, so execution continues right above it: with
  // slots that committed while the state was on its way, or (when the replica's own state had
  // diverged) with the batches it executed before, once more on the correct state.
  execute_in_order(out);
}

}  // namespace loyal::pbft
