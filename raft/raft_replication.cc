// Log replication and commitment (§5.3, §5.4.2, figure 2).

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "raft/drop_reasons.h"
#include "raft/raft_core.h"

namespace loyal::raft {

void RaftCore::propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) {
  LOYAL_ASSERT(can_propose(), "propose() only when can_propose()");
  // `digest` is the pipeline's SHA-256 of `batch` (the Protocol contract): trusted, not recomputed.
  append_own(Entry{current_term_, std::move(batch), digest}, out);
  const Index index = log_.last_index();
  // Followers that are streaming get the entry now; the others catch up from their replies and
  // the heartbeats.
  for (ReplicaId follower = 0; follower < options_.replica_count; ++follower) {
    if (follower == options_.self) continue;
    const Progress& progress = progress_[follower];
    if (progress.matched && progress.next == index) send_append(follower, out);
  }
}

// The leader's entries go out at once (AppendEntries does not wait for the leader's own disk,
// thesis §10.2.1); they count towards the commit index for this replica only once durable.
void RaftCore::append_own(Entry entry, replica::Actions& out) {
  std::vector<Entry> entries{std::move(entry)};
  const Index index = log_.last_index() + 1;
  log_.append(entries.front());
  persist(RecordType::log_suffix, encode_log_suffix(index, entries), out);
}

void RaftCore::broadcast_append(replica::Actions& out) {
  for (ReplicaId follower = 0; follower < options_.replica_count; ++follower) {
    if (follower == options_.self) continue;
    Progress& progress = progress_[follower];
    // A heartbeat re-sends everything not yet acknowledged.
    if (progress.matched) progress.next = progress.match + 1;
    send_append(follower, out);
  }
}

void RaftCore::send_append(ReplicaId follower, replica::Actions& out) {
  Progress& progress = progress_[follower];
  if (progress.next <= log_.base().index) return send_install_snapshot(follower, out);
  const Index prev_log_index = progress.next - 1;
  const std::optional<Term> prev_log_term = log_.term_at(prev_log_index);
  LOYAL_ASSERT(prev_log_term.has_value(), "nextIndex stays within the leader's log");
  AppendEntries append{current_term_, prev_log_index, *prev_log_term, {}, commit_index_};
  std::uint64_t batch_bytes = 0;
  for (Index index = progress.next;
       index <= log_.last_index() && append.entries.size() < options_.max_entries_per_append; ++index) {
    const Entry& entry = log_.at(index);
    if (!append.entries.empty() && batch_bytes + entry.batch.size() > kMaxAppendBatchBytes) break;
    batch_bytes += entry.batch.size();
    append.entries.push_back(entry);
  }
  if (progress.matched) progress.next = prev_log_index + append.entries.size() + 1;
  send_now(follower, net::MessageKind::raft_append_entries, encode_append_entries(append), out);
}

bool RaftCore::accept_leader(ReplicaId sender, Term term, replica::Actions& out) {
  if (term < current_term_) {
    ignore(reason::kStaleTerm);
    // The stale leader learns the newer term from the answer and steps down.
    send_dependent(sender, net::MessageKind::raft_append_entries_reply,
                   encode_append_entries_reply({current_term_, false, 0, 0, std::nullopt}), out);
    return false;
  }
  if (term == current_term_ && role_ == Role::leader) {
    ignore(reason::kSecondLeaderInTerm);
    return false;
  }
  if (term > current_term_ || role_ != Role::follower || leader_ != sender) become_follower(term, sender, out);
  last_leader_contact_ = now_;
  reset_election_timer();
  return true;
}

// Where the leader should retry: the first index of the term that conflicts at prevLogIndex, or
// one past this replica's log when it is too short.
AppendEntriesReply RaftCore::reject_hint(Index prev_log_index) const {
  AppendEntriesReply reply{current_term_, false, 0, log_.last_index() + 1, std::nullopt};
  if (prev_log_index > log_.last_index()) return reply;
  const Term conflict_term = *log_.term_at(prev_log_index);
  Index first = prev_log_index;
  while (first - 1 > log_.base().index && log_.term_at(first - 1) == conflict_term) --first;
  reply.conflict_index = first;
  reply.conflict_term = conflict_term;
  return reply;
}

void RaftCore::on_append_entries(const AppendEntriesMessage& message, replica::Actions& out) {
  const AppendEntries& append = message.body();
  if (!accept_leader(message.sender(), append.term, out)) return;
  const Index base = log_.base().index;
  // Entries up to the snapshot base were committed, so they match any leader's; only a
  // prevLogIndex above the base is checked.
  const bool consistent = append.prev_log_index <= base ||
                          (append.prev_log_index <= log_.last_index() &&
                           log_.term_at(append.prev_log_index) == append.prev_log_term);
  if (!consistent) {
    ignore(reason::kLogMismatch);
    return send_dependent(message.sender(), net::MessageKind::raft_append_entries_reply,
                          encode_append_entries_reply(reject_hint(append.prev_log_index)), out);
  }
  // Skip what is already here (same index and term means the same entry, by Log Matching); the
  // first entry that differs or is new starts the suffix to write.
  std::size_t first_new = append.entries.size();
  for (std::size_t i = 0; i < append.entries.size(); ++i) {
    const Index index = append.prev_log_index + 1 + i;
    if (index <= base) continue;
    if (index <= log_.last_index() && log_.term_at(index) == append.entries[i].term) continue;
    first_new = i;
    break;
  }
  if (first_new < append.entries.size()) {
    const Index first_index = append.prev_log_index + 1 + first_new;
    // Leader Completeness says a correct leader never sends this; such a message is not followed.
    if (first_index <= commit_index_) return ignore(reason::kConflictBelowCommit);
    log_.truncate_from(first_index);
    cap_durable(first_index - 1);
    std::vector<Entry> suffix(append.entries.begin() + static_cast<std::ptrdiff_t>(first_new), append.entries.end());
    for (const Entry& entry : suffix) log_.append(entry);
    persist(RecordType::log_suffix, encode_log_suffix(first_index, suffix), out);
  }
  const Index matched = append.prev_log_index + append.entries.size();
  commit_bound_ = std::max(commit_bound_, std::min(append.leader_commit, matched));
  advance_follower_commit(out);
  // With a record written in this call, the answer waits for it; without one, it claims only
  // what is already durable.
  const Index acknowledged = out.persist.empty() ? std::min(matched, std::max(durable_index_, base)) : matched;
  send_dependent(message.sender(), net::MessageKind::raft_append_entries_reply,
                 encode_append_entries_reply({current_term_, true, acknowledged, 0, std::nullopt}), out);
}

void RaftCore::on_append_entries_reply(const AppendEntriesReplyMessage& message, replica::Actions& out) {
  const AppendEntriesReply& reply = message.body();
  if (reply.term > current_term_) return become_follower(reply.term, std::nullopt, out);
  if (role_ != Role::leader) return ignore(reason::kNotLeader);
  if (reply.term < current_term_) return ignore(reason::kStaleReply);
  progress_[message.sender()].recently_active = true;
  if (reply.success) return follower_made_progress(message.sender(), reply.match_index, out);
  Progress& progress = progress_[message.sender()];
  Index next = reply.conflict_index;
  if (reply.conflict_term) {
    // The leader's last entry of the follower's conflicting term, if it has that term at all.
    for (Index index = log_.last_index(); index > log_.base().index; --index) {
      const Term term = *log_.term_at(index);
      if (term < *reply.conflict_term) break;
      if (term == *reply.conflict_term) {
        next = index + 1;
        break;
      }
    }
  }
  next = std::clamp(next, progress.match + 1, log_.last_index() + 1);
  if (progress.matched && next >= progress.next) return;
  progress.next = next;
  send_append(message.sender(), out);
}

void RaftCore::follower_made_progress(ReplicaId follower, Index match, replica::Actions& out) {
  if (match > log_.last_index()) return ignore(reason::kMatchBeyondLog);
  Progress& progress = progress_[follower];
  progress.match = std::max(progress.match, match);
  progress.matched = true;
  progress.next = std::max(progress.next, progress.match + 1);
  advance_leader_commit(out);
  if (role_ != Role::leader) return;
  maybe_send_timeout_now(out);
  if (progress.next <= log_.last_index()) send_append(follower, out);
}

// The highest index a majority holds (this replica counting what is durable here), if it is of
// the current term: an entry of an earlier term is never committed by counting (figure 8).
void RaftCore::advance_leader_commit(replica::Actions& out) {
  std::vector<Index> matches;
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    matches.push_back(replica == options_.self ? durable_index_ : progress_[replica].match);
  }
  const std::size_t quorum = majority(options_.replica_count);
  std::nth_element(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(quorum - 1), matches.end(),
                   std::greater<>());
  const Index candidate = matches[quorum - 1];
  if (candidate <= commit_index_ || log_.term_at(candidate) != current_term_) return;
  commit_index_ = candidate;
  hand_out_committed(out);
}

void RaftCore::advance_follower_commit(replica::Actions& out) {
  const Index candidate = std::min(commit_bound_, durable_index_);
  if (candidate <= commit_index_) return;
  commit_index_ = std::min(candidate, log_.last_index());
  hand_out_committed(out);
}

// Two rules keep execution safe:
//  - The pipeline drains the Actions of on_persisted() (which it calls as soon as a call's
//    records are durable) before it executes that call's own committed batches. So a call that
//    writes records hands nothing out: its on_persisted() does, keeping execution in index order.
//  - Only entries durable here are handed out (a leader's commit index may run ahead of its own
//    disk, counted on its followers'). A checkpoint is then always taken at an index whose term
//    this replica's journal holds, which is what a restart needs to rebuild its snapshot base.
void RaftCore::hand_out_committed(replica::Actions& out) {
  if (!out.persist.empty()) return;
  const Index limit = std::min(commit_index_, std::max(durable_index_, log_.base().index));
  while (last_handed_out_ < limit) {
    const Index index = last_handed_out_ + 1;
    const Entry& entry = log_.at(index);
    out.committed.push_back(replica::CommittedBatch{index, entry.batch, entry.digest});
    last_handed_out_ = index;
  }
}

}  // namespace loyal::raft
