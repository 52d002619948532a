// Log compaction at the pipeline's checkpoints, InstallSnapshot through the shared state transfer
// (§7), and restating the journal.

#include <algorithm>

#include "common/assert.h"
#include "raft/drop_reasons.h"
#include "raft/raft_core.h"

namespace loyal::raft {

void RaftCore::on_checkpoint_taken(replica::Sequence sequence, const crypto::Digest& state_digest,
                                   replica::Actions& out) {
  LOYAL_ASSERT(sequence <= last_handed_out_, "a checkpoint is taken of executed batches only");
  if (sequence <= log_.base().index) return;
  log_.compact_to(SnapshotBase{sequence, *log_.term_at(sequence), state_digest});
  std::erase_if(snapshot_offers_, [&](const auto& offer) { return offer.first <= sequence; });
  out.stable_checkpoint = replica::StableCheckpoint{sequence, state_digest, {}};
  restate(out);
}

void RaftCore::restate(replica::Actions& out) {
  const std::uint64_t id = next_record_id_;
  persist(RecordType::restatement,
          encode_restatement(log_.base(), HardState{current_term_, voted_for_}, log_.entries_after_base(),
                             snapshot_offers_),
          out);
  out.discard_records_before = id;
}

void RaftCore::send_install_snapshot(ReplicaId follower, replica::Actions& out) {
  const SnapshotBase& base = log_.base();
  send_now(follower, net::MessageKind::raft_install_snapshot,
           encode_install_snapshot({current_term_, base.index, base.term, base.state_digest}), out);
}

void RaftCore::on_install_snapshot(const InstallSnapshotMessage& message, replica::Actions& out) {
  const InstallSnapshot& install = message.body();
  if (install.term < current_term_) {
    ignore(reason::kStaleTerm);
    return send_dependent(message.sender(), net::MessageKind::raft_install_snapshot_reply,
                          encode_install_snapshot_reply({current_term_, 0}), out);
  }
  if (!accept_leader(message.sender(), install.term, out)) return;
  const Index index = install.last_included_index;
  // This replica already holds the snapshot's state (its own snapshot or committed entries are at
  // or beyond it), or the entry at the snapshot's index, durable: by Log Matching its log matches
  // the leader's up to there.
  const bool holds_entry =
      log_.term_at(index) == install.last_included_term && index <= std::max(durable_index_, log_.base().index);
  if (index <= log_.base().index || index <= last_handed_out_ || holds_entry) {
    commit_bound_ = std::max(commit_bound_, index);
    advance_follower_commit(out);
    return send_dependent(message.sender(), net::MessageKind::raft_install_snapshot_reply,
                          encode_install_snapshot_reply({current_term_, index}), out);
  }
  // Heartbeats repeat InstallSnapshot while the fetch runs; asking again would restart it.
  if (pending_install_ && pending_install_->index >= index) return ignore(reason::kSnapshotFetchInProgress);
  snapshot_offers_[index] = install.last_included_term;
  while (snapshot_offers_.size() > kMaxRememberedSnapshotOffers) snapshot_offers_.erase(snapshot_offers_.begin());
  const std::uint64_t offer_record_id = next_record_id_;
  persist(RecordType::snapshot_offer, encode_snapshot_offer(index, install.last_included_term), out);
  replica::StateFetch fetch{index, install.state_digest, {message.sender()}};
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    if (replica != options_.self && replica != message.sender()) fetch.sources.push_back(replica);
  }
  pending_install_ = PendingInstall{index, install.last_included_term, std::move(fetch), offer_record_id};
}

void RaftCore::start_offered_fetch(std::uint64_t last_durable_id, replica::Actions& out) {
  if (!pending_install_ || !pending_install_->fetch || pending_install_->offer_record_id > last_durable_id) return;
  out.fetch_state = std::move(*pending_install_->fetch);
  pending_install_->fetch.reset();
}

std::optional<Term> RaftCore::recovered_term_at(Index index) const {
  if (pending_install_ && pending_install_->index == index) return pending_install_->term;
  if (const auto term = log_.term_at(index)) return term;
  const auto offer = snapshot_offers_.find(index);
  if (offer != snapshot_offers_.end()) return offer->second;
  return std::nullopt;
}

void RaftCore::on_state_installed(replica::Sequence sequence, const crypto::Digest& state_digest,
                                  replica::Actions& out) {
  LOYAL_ASSERT(sequence >= log_.base().index, "an installed snapshot is not older than the log's base");
  const std::optional<Term> term = recovered_term_at(sequence);
  // The journal keeps the offer (or the entry) of every snapshot the pipeline can install.
  LOYAL_ASSERT(term.has_value(), "the term of an installed snapshot is known");
  const SnapshotBase base{sequence, *term, state_digest};
  if (log_.term_at(sequence) == *term) {
    log_.compact_to(base);
    commit_index_ = std::max(commit_index_, sequence);
  } else {
    log_.reset(base);
    cap_durable(sequence);
    commit_index_ = sequence;
  }
  durable_index_ = std::max(durable_index_, sequence);
  commit_bound_ = std::max(commit_bound_, sequence);
  last_handed_out_ = sequence;
  std::erase_if(snapshot_offers_, [&](const auto& offer) { return offer.first <= sequence; });
  out.stable_checkpoint = replica::StableCheckpoint{sequence, state_digest, {}};
  restate(out);
  const bool answers_leader = pending_install_ && pending_install_->index == sequence;
  if (pending_install_ && pending_install_->index <= sequence) pending_install_.reset();
  if (answers_leader && role_ == Role::follower && leader_) {
    send_dependent(*leader_, net::MessageKind::raft_install_snapshot_reply,
                   encode_install_snapshot_reply({current_term_, sequence}), out);
  }
  hand_out_committed(out);
}

void RaftCore::on_install_snapshot_reply(const InstallSnapshotReplyMessage& message, replica::Actions& out) {
  const InstallSnapshotReply& reply = message.body();
  if (reply.term > current_term_) return become_follower(reply.term, std::nullopt, out);
  if (role_ != Role::leader) return ignore(reason::kNotLeader);
  if (reply.term < current_term_) return ignore(reason::kStaleReply);
  progress_[message.sender()].recently_active = true;
  follower_made_progress(message.sender(), reply.last_included_index, out);
}

}  // namespace loyal::raft
