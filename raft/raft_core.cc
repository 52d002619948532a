#include "raft/raft_core.h"

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "raft/drop_reasons.h"

namespace loyal::raft {

namespace {

// Checked before any member is built from them.
const RaftOptions& checked(const RaftOptions& options) {
  check_options(options);
  return options;
}

// Replicas sharing a seed still draw different timeouts.
std::uint64_t timeout_seed(const RaftOptions& options) {
  return options.prng_seed ^ ((std::uint64_t{options.self} + 1) * 0x9e3779b97f4a7c15ULL);
}

// Only RaftValidator makes Raft messages; any other type here is a pipeline bug.
template <typename Message>
const Message& as(const replica::ValidatedMessage& message) {
  const auto* typed = dynamic_cast<const Message*>(&message);
  LOYAL_ASSERT(typed != nullptr, "Raft messages come from RaftValidator");
  return *typed;
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::follower: return "follower";
    case Role::pre_candidate: return "pre_candidate";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
  }
  return "unknown";
}

RaftCore::RaftCore(const RaftOptions& options, std::vector<replica::PersistRecord> recovered)
    : options_(checked(options)),
      validator_(options),
      prng_(timeout_seed(options)),
      noop_digest_(crypto::sha256({})) {
  RecoveredRaftState state = recover(recovered);
  current_term_ = state.hard_state.term;
  voted_for_ = state.hard_state.voted_for;
  log_ = std::move(state.log);
  snapshot_offers_ = std::move(state.snapshot_offers);
  next_record_id_ = state.last_record_id + 1;
  // Everything recovered was durable; everything up to the base was committed (and the pipeline
  // restores that snapshot through on_state_installed()).
  durable_index_ = log_.last_index();
  commit_index_ = log_.base().index;
  last_handed_out_ = log_.base().index;
  reset_election_timer();
}

replica::Validation RaftCore::validate(const net::Envelope& envelope, ByteView frame) const {
  return validator_.validate(envelope, frame);
}

void RaftCore::on_message(const replica::ValidatedMessage& message, replica::Actions& out) {
  // The pipeline never delivers this replica's own messages; one arriving is a replay.
  if (message.sender() == options_.self) return ignore(reason::kOwnMessage);
  switch (message.kind()) {
    case net::MessageKind::raft_pre_vote: return on_pre_vote(as<VoteRequestMessage>(message), out);
    case net::MessageKind::raft_request_vote: return on_request_vote(as<VoteRequestMessage>(message), out);
    case net::MessageKind::raft_pre_vote_reply: return on_pre_vote_reply(as<VoteReplyMessage>(message), out);
    case net::MessageKind::raft_request_vote_reply:
      return on_request_vote_reply(as<VoteReplyMessage>(message), out);
    case net::MessageKind::raft_append_entries: return on_append_entries(as<AppendEntriesMessage>(message), out);
    case net::MessageKind::raft_append_entries_reply:
      return on_append_entries_reply(as<AppendEntriesReplyMessage>(message), out);
    case net::MessageKind::raft_install_snapshot:
      return on_install_snapshot(as<InstallSnapshotMessage>(message), out);
    case net::MessageKind::raft_install_snapshot_reply:
      return on_install_snapshot_reply(as<InstallSnapshotReplyMessage>(message), out);
    case net::MessageKind::raft_timeout_now: return on_timeout_now(as<TimeoutNowMessage>(message), out);
    default: LOYAL_ASSERT(false, "RaftValidator passes only Raft's kinds");
  }
}

bool RaftCore::can_propose() const {
  return role_ == Role::leader && !transfer_ &&
         log_.last_index() - commit_index_ < options_.max_uncommitted_entries;
}

void RaftCore::on_tick(replica::Actions& out) {
  ++now_;
  if (role_ == Role::leader) {
    if (transfer_ && now_ >= transfer_->deadline) transfer_.reset();
    if (++quorum_check_elapsed_ >= options_.election_timeout_max_ticks) {
      quorum_check_elapsed_ = 0;
      check_quorum(out);
      if (role_ != Role::leader) return;
    }
    if (++heartbeat_elapsed_ >= options_.heartbeat_ticks) {
      heartbeat_elapsed_ = 0;
      broadcast_append(out);
    }
    return;
  }
  if (++election_elapsed_ < election_timeout_) return;
  if (options_.pre_vote) return start_pre_vote(out);
  start_election(out);
}

void RaftCore::on_persisted(std::uint64_t last_durable_id, replica::Actions& out) {
  bool moved = false;
  while (!unsynced_.empty() && unsynced_.front().first <= last_durable_id) {
    if (unsynced_.front().second > durable_index_) {
      durable_index_ = unsynced_.front().second;
      moved = true;
    }
    unsynced_.pop_front();
  }
  if (moved && role_ == Role::leader) advance_leader_commit(out);
  if (moved && role_ != Role::leader) advance_follower_commit(out);
  // What a call that wrote records committed is handed out now (see hand_out_committed()).
  hand_out_committed(out);
  start_offered_fetch(last_durable_id, out);
}

replica::ProtocolStatus RaftCore::status() const {
  return replica::ProtocolStatus{current_term_, leader_, last_handed_out_, log_.base().index};
}

std::optional<crypto::Digest> RaftCore::digest_at(Index index) const {
  if (index <= log_.base().index || index > log_.last_index()) return std::nullopt;
  return log_.at(index).digest;
}

std::optional<ReplicaId> RaftCore::transfer_target() const {
  if (!transfer_) return std::nullopt;
  return transfer_->target;
}

Index RaftCore::match_index(ReplicaId follower) const {
  return role_ == Role::leader && follower < progress_.size() ? progress_[follower].match : 0;
}

Index RaftCore::next_index(ReplicaId follower) const {
  return role_ == Role::leader && follower < progress_.size() ? progress_[follower].next : 0;
}

void RaftCore::persist(RecordType type, Bytes payload, replica::Actions& out) {
  const std::uint64_t id = next_record_id_++;
  out.persist.push_back(replica::PersistRecord{id, static_cast<std::uint32_t>(type), std::move(payload)});
  unsynced_.emplace_back(id, log_.last_index());
}

// A term and a vote changed by one call make one record.
void RaftCore::persist_hard_state(replica::Actions& out) {
  Bytes payload = encode_hard_state(HardState{current_term_, voted_for_});
  if (!out.persist.empty() && out.persist.back().id + 1 == next_record_id_ &&
      out.persist.back().type == static_cast<std::uint32_t>(RecordType::hard_state)) {
    out.persist.back().payload = std::move(payload);
    return;
  }
  persist(RecordType::hard_state, std::move(payload), out);
}

void RaftCore::cap_durable(Index index) {
  durable_index_ = std::min(durable_index_, index);
  for (auto& record : unsynced_) record.second = std::min(record.second, index);
}

void RaftCore::send_dependent(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const {
  auto& queue = out.persist.empty() ? out.send : out.send_after_persist;
  queue.push_back(replica::Outgoing{to, kind, std::move(body)});
}

void RaftCore::send_now(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const {
  out.send.push_back(replica::Outgoing{to, kind, std::move(body)});
}

void RaftCore::reset_election_timer() {
  election_elapsed_ = 0;
  election_timeout_ = prng_.between(options_.election_timeout_min_ticks, options_.election_timeout_max_ticks);
}

}  // namespace loyal::raft
