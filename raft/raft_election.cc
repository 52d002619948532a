// Leader election with pre-vote (§5.2, §5.4.1; thesis §9.6) and leadership transfer (thesis §3.10).

#include "common/assert.h"
#include "raft/drop_reasons.h"
#include "raft/raft_core.h"

namespace loyal::raft {

bool RaftCore::candidate_log_ok(const VoteRequest& request) const {
  return at_least_as_up_to_date(request.last_log_term, request.last_log_index, log_.last_term(), log_.last_index());
}

// A leader counts as heard from itself: it refuses pre-votes, which is what keeps a replica that
// was partitioned away from disturbing a healthy leader when it comes back.
bool RaftCore::leader_recently_heard() const {
  if (role_ == Role::leader) return true;
  return last_leader_contact_ && now_ - *last_leader_contact_ < options_.election_timeout_min_ticks;
}

void RaftCore::start_pre_vote(replica::Actions& out) {
  role_ = Role::pre_candidate;
  leader_.reset();
  votes_ = {options_.self};
  reset_election_timer();
  if (votes_.size() >= majority(options_.replica_count)) return start_election(out);
  // Nothing changed that needs to be durable: the term is only proposed.
  const VoteRequest request{current_term_ + 1, log_.last_index(), log_.last_term()};
  send_now(replica::Outgoing::kAllReplicas, net::MessageKind::raft_pre_vote, encode_vote_request(request), out);
}

void RaftCore::start_election(replica::Actions& out) {
  ++current_term_;
  voted_for_ = options_.self;
  role_ = Role::candidate;
  leader_.reset();
  votes_ = {options_.self};
  transfer_.reset();
  reset_election_timer();
  persist_hard_state(out);
  if (votes_.size() >= majority(options_.replica_count)) return become_leader(out);
  const VoteRequest request{current_term_, log_.last_index(), log_.last_term()};
  send_dependent(replica::Outgoing::kAllReplicas, net::MessageKind::raft_request_vote, encode_vote_request(request),
                 out);
}

void RaftCore::become_leader(replica::Actions& out) {
  role_ = Role::leader;
  leader_ = options_.self;
  votes_.clear();
  transfer_.reset();
  pending_install_.reset();
  heartbeat_elapsed_ = 0;
  quorum_check_elapsed_ = 0;
  progress_.assign(options_.replica_count, Progress{log_.last_index() + 1, 0, false, false});
  // The no-op of this term: committing it commits every earlier entry (§5.4.2, §8).
  append_own(Entry{current_term_, {}, noop_digest_}, out);
  broadcast_append(out);
}

void RaftCore::become_follower(Term term, std::optional<ReplicaId> leader, replica::Actions& out) {
  LOYAL_ASSERT(term >= current_term_, "terms never go back");
  if (term > current_term_) {
    current_term_ = term;
    voted_for_.reset();
    persist_hard_state(out);
    // A new term's leader offers its own snapshot; an older fetch still installs (its offer is
    // in the journal), but is not answered to anyone.
    pending_install_.reset();
  }
  if (role_ == Role::leader) {
    progress_.clear();
    reset_election_timer();
  }
  role_ = Role::follower;
  leader_ = leader;
  votes_.clear();
  transfer_.reset();
}

void RaftCore::on_pre_vote(const VoteRequestMessage& message, replica::Actions& out) {
  const VoteRequest& request = message.body();
  bool granted = false;
  if (request.term <= current_term_) {
    ignore(reason::kStaleTerm);
  } else if (leader_recently_heard()) {
    ignore(reason::kLeaderRecentlyHeard);
  } else if (!candidate_log_ok(request)) {
    ignore(reason::kCandidateLogBehind);
  } else {
    granted = true;
  }
  // A pre-vote changes nothing here, so the answer depends on no record.
  const VoteReply reply{granted ? request.term : current_term_, granted};
  send_dependent(message.sender(), net::MessageKind::raft_pre_vote_reply, encode_vote_reply(reply), out);
}

void RaftCore::on_pre_vote_reply(const VoteReplyMessage& message, replica::Actions& out) {
  const VoteReply& reply = message.body();
  if (!reply.granted) {
    if (reply.term > current_term_) return become_follower(reply.term, std::nullopt, out);
    return ignore(reason::kVoteRejected);
  }
  if (role_ != Role::pre_candidate) return ignore(reason::kNotPreCandidate);
  if (reply.term != current_term_ + 1) return ignore(reason::kStaleReply);
  votes_.insert(message.sender());
  if (votes_.size() >= majority(options_.replica_count)) start_election(out);
}

void RaftCore::on_request_vote(const VoteRequestMessage& message, replica::Actions& out) {
  const VoteRequest& request = message.body();
  if (request.term < current_term_) {
    ignore(reason::kStaleTerm);
    return send_dependent(message.sender(), net::MessageKind::raft_request_vote_reply,
                          encode_vote_reply({current_term_, false}), out);
  }
  if (request.term > current_term_) become_follower(request.term, std::nullopt, out);
  bool granted = false;
  if (voted_for_ && *voted_for_ != message.sender()) {
    ignore(reason::kVoteAlreadyGiven);
  } else if (!candidate_log_ok(request)) {
    ignore(reason::kCandidateLogBehind);
  } else {
    granted = true;
    if (!voted_for_) {
      voted_for_ = message.sender();
      persist_hard_state(out);
    }
    reset_election_timer();
  }
  // The vote (and any new term) must be durable before the answer leaves.
  send_dependent(message.sender(), net::MessageKind::raft_request_vote_reply,
                 encode_vote_reply({current_term_, granted}), out);
}

void RaftCore::on_request_vote_reply(const VoteReplyMessage& message, replica::Actions& out) {
  const VoteReply& reply = message.body();
  if (reply.term > current_term_) return become_follower(reply.term, std::nullopt, out);
  if (role_ != Role::candidate) return ignore(reason::kNotCandidate);
  if (reply.term != current_term_) return ignore(reason::kStaleReply);
  if (!reply.granted) return ignore(reason::kVoteRejected);
  votes_.insert(message.sender());
  if (votes_.size() >= majority(options_.replica_count)) become_leader(out);
}

void RaftCore::on_timeout_now(const TimeoutNowMessage& message, replica::Actions& out) {
  const Term term = message.body().term;
  if (term < current_term_) return ignore(reason::kStaleTerm);
  if (term > current_term_) become_follower(term, message.sender(), out);
  if (role_ == Role::leader || leader_ != message.sender()) return ignore(reason::kTimeoutNowNotFromLeader);
  start_election(out);
}

void RaftCore::transfer_leadership(ReplicaId target, replica::Actions& out) {
  LOYAL_ASSERT(target < options_.replica_count, "leadership goes to a member");
  if (role_ != Role::leader || target == options_.self) return;
  transfer_ = Transfer{target, now_ + options_.election_timeout_max_ticks, false};
  maybe_send_timeout_now(out);
  if (!transfer_->timeout_now_sent) send_append(target, out);
}

void RaftCore::check_quorum(replica::Actions& out) {
  std::uint32_t active = 1;  // this replica
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    if (replica == options_.self) continue;
    if (progress_[replica].recently_active) ++active;
    progress_[replica].recently_active = false;
  }
  if (active < majority(options_.replica_count)) become_follower(current_term_, std::nullopt, out);
}

void RaftCore::maybe_send_timeout_now(replica::Actions& out) {
  if (!transfer_ || transfer_->timeout_now_sent) return;
  if (progress_[transfer_->target].match < log_.last_index()) return;
  transfer_->timeout_now_sent = true;
  send_now(transfer_->target, net::MessageKind::raft_timeout_now, encode_timeout_now({current_term_}), out);
}

}  // namespace loyal::raft
