#pragma once
// Raft's deterministic core (Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm", extended version; pre-vote and leadership transfer from Ongaro's thesis §9.6 and
// §3.10). Log indexes are the pipeline's sequence numbers.
//
// Election (raft_election.cc): a follower that hears from no leader for a randomized election
// timeout becomes a pre-candidate and asks for pre-votes for term + 1 without bumping its term; a
// replica grants one only if it has not heard from a leader within election_timeout_min_ticks and
// the asker's log is at least as up to date as its own. With a majority of pre-votes (or with
// pre_vote off) it becomes a candidate: term + 1, a vote for itself, RequestVote to all. Votes:
// at most one per term, for a candidate whose log is at least as up to date (§5.4.1). A majority
// of votes makes a leader, which appends a no-op entry of its term at once so that entries of
// earlier terms can commit with it. Any message with a higher term makes a replica a follower of
// that term (except a pre-vote request, whose term is only proposed). A leader that has heard
// from no majority for election_timeout_max_ticks steps down (check-quorum, thesis §6.2): with
// pre-vote the others would otherwise never unseat a leader cut off in a minority, and the
// pipeline would keep forwarding requests to it.
//
// Replication (raft_replication.cc): AppendEntries with prevLogIndex/prevLogTerm; a follower
// that passes the consistency check deletes a conflicting suffix, appends, and acknowledges its
// match index; a reject carries a hint (conflict index and term) so the leader's nextIndex jumps.
// The leader sends AppendEntries every heartbeat_ticks from each follower's nextIndex (at most
// max_entries_per_append entries), which also retransmits what was lost. The commit index moves
// only by counting a majority of match indexes for an entry of the current term (§5.4.2); the
// leader counts itself only for entries that are durable here. Followers learn the commit index
// from leaderCommit, bounded by what matches the leader and is durable here.
//
// Snapshots (raft_snapshot.cc): see on_checkpoint_taken() and on_state_installed() below. A
// follower whose nextIndex falls at or below the leader's snapshot gets InstallSnapshot and
// fetches the snapshot through the pipeline's state transfer.
//
// What goes out in Actions:
//  - persist: hard state (term, vote), log suffixes, restatements after compaction, snapshot
//    offers. Record ids increase by one from the largest recovered id.
//  - send: pre-votes, AppendEntries, InstallSnapshot, TimeoutNow, and replies that depend on no
//    record of the same call.
//  - send_after_persist: RequestVote (they depend on the new term and own vote), votes granted,
//    and every reply whose content depends on a record written in the same call (a new term,
//    appended entries).
//  - committed: every index up to the commit index that is durable here, once, in order; again
//    above an installed snapshot. A call that writes records hands nothing out itself: the
//    on_persisted() that follows it does (the pipeline drains that one first; see
//    hand_out_committed()).
//  - stable_checkpoint: at every compaction and install. fetch_state: on InstallSnapshot, from
//    the on_persisted() that reports the snapshot offer durable.
//  - discard_records_before: the id of each restatement.
//
// Ownership: the pipeline owns the core and calls it from one thread (validate() from any).
// Nothing here reads a clock, starts a thread or iterates an unordered container: the same inputs
// give the same Actions, byte for byte.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/prng.h"
#include "crypto/digest.h"
#include "raft/log.h"
#include "raft/messages.h"
#include "raft/options.h"
#include "raft/records.h"
#include "raft/validator.h"
#include "replica/protocol.h"

namespace loyal::raft {

enum class Role { follower, pre_candidate, candidate, leader };

std::string_view to_string(Role role);

class RaftCore final : public replica::Protocol {
 public:
  // Stops the process if `options` make no sense (see check_options). `recovered` are this
  // replica's journal records in id order (replica/protocol.h, "Restart"); a restarted replica is
  // a follower with its term, vote, log and snapshot base, and re-learns the commit index.
  explicit RaftCore(const RaftOptions& options, std::vector<replica::PersistRecord> recovered = {});

  ProtocolMode mode() const override { return ProtocolMode::raft; }
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const override;
  void on_message(const replica::ValidatedMessage& message, replica::Actions& out) override;
  // This replica leads, is not transferring leadership, and holds fewer than
  // max_uncommitted_entries entries beyond the commit index.
  bool can_propose() const override;
  void propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) override;
  void on_tick(replica::Actions& out) override;
  void on_persisted(std::uint64_t last_durable_id, replica::Actions& out) override;
  // Precondition: `sequence` <= status().last_committed. Compacts the log up to it, reports it as
  // the stable checkpoint, restates the rest in one record and lets the older ones go.
  void on_checkpoint_taken(replica::Sequence sequence, const crypto::Digest& state_digest,
                           replica::Actions& out) override;
  // The snapshot at `sequence` is installed (state transfer after InstallSnapshot, or a restart
  // handing back the saved snapshot). Precondition: `sequence` >= snapshot_index(). Entries after
  // it are kept if the entry at `sequence` has the snapshot's term (the leader's, or for a restart
  // the recovered one), else the whole log is dropped. Committed batches resume at sequence + 1.
  void on_state_installed(replica::Sequence sequence, const crypto::Digest& state_digest,
                          replica::Actions& out) override;
  replica::ProtocolStatus status() const override;

  // Leadership transfer (thesis §3.10): the leader stops taking proposals, brings `target` up to
  // date and sends it TimeoutNow, upon which `target` starts an election at once (no pre-vote).
  // Given up after election_timeout_max_ticks. Does nothing unless this replica leads and
  // `target` is another member.
  void transfer_leadership(ReplicaId target, replica::Actions& out);

  // Read-only views for tests and the simulator's checkers.
  Term current_term() const { return current_term_; }
  Role role() const { return role_; }
  std::optional<ReplicaId> voted_for() const { return voted_for_; }
  std::optional<ReplicaId> leader() const { return leader_; }
  Index commit_index() const { return commit_index_; }
  Index last_log_index() const { return log_.last_index(); }
  Index snapshot_index() const { return log_.base().index; }
  // The highest index up to which this replica's log is on stable storage.
  Index durable_index() const { return durable_index_; }
  std::optional<Term> term_at(Index index) const { return log_.term_at(index); }
  // The batch digest of the entry at `index`, if the log holds it (not for the snapshot base).
  std::optional<crypto::Digest> digest_at(Index index) const;
  // The election timeout drawn for the current election period.
  replica::Tick election_timeout() const { return election_timeout_; }
  std::optional<ReplicaId> transfer_target() const;
  // The leader's view of a follower (0 when not leading).
  Index match_index(ReplicaId follower) const;
  Index next_index(ReplicaId follower) const;
  // Valid messages the core did not act on, by reason (raft/drop_reasons.h).
  const std::map<std::string_view, std::uint64_t>& ignored() const { return ignored_; }

 private:
  struct Progress {
    Index next = 1;
    Index match = 0;
    // Until the first success the leader probes with one AppendEntries at a time; afterwards it
    // streams, moving nextIndex past what it sent.
    bool matched = false;
    bool recently_active = false;  // answered since the last quorum check
  };
  struct Transfer {
    ReplicaId target = 0;
    replica::Tick deadline = 0;
    bool timeout_now_sent = false;
  };
  struct PendingInstall {
    Index index = 0;
    Term term = 0;
    // The fetch waits until the offer's record is durable: a snapshot installed and saved must
    // never be one whose term a restart cannot find.
    std::optional<replica::StateFetch> fetch;
    std::uint64_t offer_record_id = 0;
  };

  // Election (raft_election.cc).
  void on_pre_vote(const VoteRequestMessage& message, replica::Actions& out);
  void on_request_vote(const VoteRequestMessage& message, replica::Actions& out);
  void on_pre_vote_reply(const VoteReplyMessage& message, replica::Actions& out);
  void on_request_vote_reply(const VoteReplyMessage& message, replica::Actions& out);
  void on_timeout_now(const TimeoutNowMessage& message, replica::Actions& out);
  void start_pre_vote(replica::Actions& out);
  void start_election(replica::Actions& out);
  void become_leader(replica::Actions& out);
  // Becomes a follower of `term` (persisting it when it is new) that follows `leader`.
  void become_follower(Term term, std::optional<ReplicaId> leader, replica::Actions& out);
  bool candidate_log_ok(const VoteRequest& request) const;
  bool leader_recently_heard() const;
  void maybe_send_timeout_now(replica::Actions& out);
  // A leader that has not heard from a majority for election_timeout_max_ticks steps down.
  void check_quorum(replica::Actions& out);

  // Replication (raft_replication.cc).
  void on_append_entries(const AppendEntriesMessage& message, replica::Actions& out);
  void on_append_entries_reply(const AppendEntriesReplyMessage& message, replica::Actions& out);
  // A message from the leader of `term`: returns false (after answering with the current term)
  // when it is stale; otherwise this replica follows the sender.
  bool accept_leader(ReplicaId sender, Term term, replica::Actions& out);
  AppendEntriesReply reject_hint(Index prev_log_index) const;
  void send_append(ReplicaId follower, replica::Actions& out);
  void broadcast_append(replica::Actions& out);
  void append_own(Entry entry, replica::Actions& out);
  void follower_made_progress(ReplicaId follower, Index match, replica::Actions& out);
  void advance_leader_commit(replica::Actions& out);
  void advance_follower_commit(replica::Actions& out);
  void hand_out_committed(replica::Actions& out);

  // Snapshots (raft_snapshot.cc).
  void on_install_snapshot(const InstallSnapshotMessage& message, replica::Actions& out);
  void on_install_snapshot_reply(const InstallSnapshotReplyMessage& message, replica::Actions& out);
  void send_install_snapshot(ReplicaId follower, replica::Actions& out);
  // Starts the fetch of an offered snapshot once its offer record is durable.
  void start_offered_fetch(std::uint64_t last_durable_id, replica::Actions& out);
  void restate(replica::Actions& out);
  std::optional<Term> recovered_term_at(Index index) const;

  // Persistence and sending (raft_core.cc).
  void persist(RecordType type, Bytes payload, replica::Actions& out);
  void persist_hard_state(replica::Actions& out);
  // Entries above `index` may no longer be what the journal holds (they were replaced).
  void cap_durable(Index index);
  // A message that goes after this call's records are durable, if it wrote any.
  void send_dependent(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const;
  void send_now(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const;
  void reset_election_timer();
  void ignore(std::string_view reason) { ++ignored_[reason]; }

  RaftOptions options_;
  RaftValidator validator_;
  Prng prng_;
  crypto::Digest noop_digest_;  // SHA-256 of no bytes

  // Persistent state (figure 2), plus the snapshot base inside log_.
  Term current_term_ = 0;
  std::optional<ReplicaId> voted_for_;
  RaftLog log_;

  // Volatile state.
  Role role_ = Role::follower;
  std::optional<ReplicaId> leader_;
  Index commit_index_ = 0;
  Index last_handed_out_ = 0;
  Index commit_bound_ = 0;   // follower: the highest commit index a leader vouched for that matches here
  Index durable_index_ = 0;
  std::uint64_t next_record_id_ = 1;
  // Records appended but not yet reported durable, with the log index they make durable: at most
  // the records of the calls since the last on_persisted().
  std::deque<std::pair<std::uint64_t, Index>> unsynced_;
  replica::Tick now_ = 0;
  replica::Tick election_elapsed_ = 0;
  replica::Tick election_timeout_ = 0;
  replica::Tick heartbeat_elapsed_ = 0;
  replica::Tick quorum_check_elapsed_ = 0;
  std::optional<replica::Tick> last_leader_contact_;
  std::set<ReplicaId> votes_;        // pre-votes or votes of the current round: at most n
  std::vector<Progress> progress_;   // per replica, while leading
  std::optional<Transfer> transfer_;
  std::optional<PendingInstall> pending_install_;
  std::map<Index, Term> snapshot_offers_;  // at most kMaxRememberedSnapshotOffers
  std::map<std::string_view, std::uint64_t> ignored_;
};

}  // namespace loyal::raft
