#pragma once
// Multi-Paxos's deterministic core: every replica is acceptor and learner, and one at a time is
// the distinguished proposer (the leader).
//
// Proposer. A replica that has heard no leader for its randomized timeout runs phase 1 ONCE for
// every open slot: it promises itself a ballot above any it has seen, persists that promise and
// only then sends PREPARE{ballot, first slot not known chosen}. With a majority of complete
// PROMISE reports (its own included, once durable) it leads: for every slot from the first it
// does not know chosen to the highest reported, it proposes the value accepted at the highest
// ballot, or a no-op for a gap; then phase 2 per slot (ACCEPT). Slots at or below a reporter's
// stable checkpoint are chosen and compacted: a candidate behind that floor does not lead but
// fetches that state as a follower (the up-to-date reporter can lead instead). A
// majority of ACCEPTEDs for (slot, ballot), its own included once durable, makes a value chosen.
// The leader broadcasts COMMIT{ballot, chosen-through, stable checkpoint} when that advances and
// every heartbeat_ticks, re-sending unchosen ACCEPTs (and a candidate its PREPAREs) then too. A
// proposer that sees a higher ballot steps down.
//
// Acceptor. Promises a PREPARE at or above its promise (persisting it before the PROMISE
// leaves), reporting every value it accepted from the PREPARE's slot on; accepts an ACCEPT at or
// above its promise (persisting (slot, ballot, value) before the ACCEPTED leaves); answers
// anything below its promise with a NACK naming it.
//
// Learner. A slot is chosen here when this replica, leading, counted a majority; when a COMMIT at
// ballot b covers it and this replica accepted a value at exactly b there (the leader of b
// proposed one value per slot, and any value proposed after phase 1 is the chosen one); or when a
// COMMIT carries the chosen value. Followers that lack chosen values say so (ACCEPTED with their
// chosen-through, in reply to a COMMIT); the leader answers with a COMMIT carrying them, or, when
// it has compacted them, the follower sees the leader's stable checkpoint above its own progress
// and fetches the state (Actions::fetch_state, leader first).
//
// What goes out in Actions:
//  - persist: promises (type kPromiseRecord), acceptances (kAcceptedRecord) and, at each
//    checkpoint, one restatement (kRestatementRecord) after which older records are discarded.
//  - send_after_persist: PREPARE, PROMISE and ACCEPTED whenever they depend on a record of the
//    same call. One depending on an earlier record that is not durable yet is held in the core
//    and released into `send` by on_persisted().
//  - send: ACCEPT, NACK, COMMIT, catch-up.
//  - committed: chosen values in slot order, gap-free, each once (again after on_state_installed).
//
// Restart: the constructor replays `recovered` in id order (a restatement replaces what came
// before; promises and acceptances apply on top). A restarted replica is a follower, never
// accepts below its recovered promise, proposes only with a round above every ballot it recorded,
// and re-learns what was chosen from the leader.
//
// Ownership: the pipeline owns the core and calls it from one thread (validate() from any).
// Nothing here reads a clock, starts a thread or iterates an unordered container: the same
// inputs give the same Actions, byte for byte.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/prng.h"
#include "crypto/digest.h"
#include "paxos/ballot.h"
#include "paxos/messages.h"
#include "paxos/options.h"
#include "paxos/validator.h"
#include "replica/protocol.h"

namespace loyal::paxos {

inline constexpr std::uint32_t kPromiseRecord = 1;
inline constexpr std::uint32_t kAcceptedRecord = 2;
inline constexpr std::uint32_t kRestatementRecord = 3;

// What an acceptor holds for one slot, as the accessors report it.
struct AcceptedSummary {
  Ballot ballot;
  crypto::Digest digest;
  friend bool operator==(const AcceptedSummary&, const AcceptedSummary&) = default;
};

class PaxosCore final : public replica::Protocol {
 public:
  // Stops the process if `options` break a relationship the protocol depends on (check_options),
  // or if a recovered record does not decode (the journal checksums records: that is a bug).
  explicit PaxosCore(const PaxosOptions& options, std::vector<replica::PersistRecord> recovered = {});

  ProtocolMode mode() const override { return ProtocolMode::paxos; }
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const override;
  void on_message(const replica::ValidatedMessage& message, replica::Actions& out) override;
  bool can_propose() const override;
  void propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) override;
  void on_tick(replica::Actions& out) override;
  void on_persisted(std::uint64_t last_durable_id, replica::Actions& out) override;
  // Precondition: `sequence` <= status().last_committed.
  void on_checkpoint_taken(replica::Sequence sequence, const crypto::Digest& state_digest,
                           replica::Actions& out) override;
  // Precondition: `sequence` >= status().stable_checkpoint (equal at a restart, whose records
  // were compacted at the saved snapshot).
  void on_state_installed(replica::Sequence sequence, const crypto::Digest& state_digest,
                          replica::Actions& out) override;
  replica::ProtocolStatus status() const override;

  // Read-only views for tests and the simulator's checkers.
  Ballot promised_ballot() const { return promised_; }
  bool leading() const { return role_ == Role::leader; }
  bool campaigning() const { return role_ == Role::candidate; }
  // The ballot this replica proposes with while campaigning or leading.
  Ballot own_ballot() const { return ballot_; }
  std::optional<AcceptedSummary> accepted_at(Slot slot) const;
  // For slots known chosen and not yet compacted.
  std::optional<crypto::Digest> chosen_digest(Slot slot) const;
  Slot last_chosen_contiguous() const { return last_committed_; }
  Slot stable_slot() const { return stable_slot_; }
  // Valid messages the core did not act on, by reason (paxos/drop_reasons.h).
  const std::map<std::string_view, std::uint64_t>& ignored() const { return ignored_; }

 private:
  enum class Role { follower, candidate, leader };

  struct Acceptance {
    Ballot ballot;
    crypto::Digest digest;
    Bytes value;
  };
  struct Value {
    crypto::Digest digest;
    Bytes value;
  };
  // A candidate's view of one acceptor's phase 1 report.
  struct Report {
    Slot next_from = 1;  // the slot the next part of the report starts at
    bool complete = false;
    Slot stable_slot = 0;
    crypto::Digest stable_digest;
  };
  struct Proposal {
    crypto::Digest digest;
    Bytes value;
    std::set<ReplicaId> accepted_by;
    std::optional<std::uint64_t> own_record;  // this replica's acceptance, until durable
  };
  // The last catch-up a leader sent one follower, so repeated requests within a heartbeat do not
  // send the same values again.
  struct CatchUp {
    Slot from = 0;
    replica::Tick at = 0;
  };

  // Acceptor (paxos_core.cc).
  void on_prepare(ReplicaId sender, const Prepare& prepare, replica::Actions& out);
  void on_accept(ReplicaId sender, const Accept& accept, replica::Actions& out);
  Promise make_promise(const Ballot& ballot, Slot from_slot) const;

  // Proposer (paxos_core_proposer.cc).
  void start_phase1(replica::Actions& out);
  void on_promise(ReplicaId sender, const Promise& promise, replica::Actions& out);
  void check_phase1(replica::Actions& out);
  void become_leader(replica::Actions& out);
  void propose_values(std::vector<SlotValue> values, replica::Actions& out);
  void on_accepted(ReplicaId sender, const Accepted& accepted, replica::Actions& out);
  void on_nack(const Nack& nack);
  void check_chosen(Slot slot, replica::Actions& out);
  void send_catch_up(ReplicaId follower, Slot follower_chosen_through, replica::Actions& out);
  void broadcast_commit(replica::Actions& out);
  void leader_heartbeat(replica::Actions& out);
  void resend_prepares(replica::Actions& out);
  void step_down();
  // Any ballot seen anywhere: raises the round a future phase 1 must exceed, and ends this
  // replica's own campaign or leadership when it is higher than its ballot.
  void note_ballot(const Ballot& ballot);

  // Learner, checkpoints and restart (paxos_core_learner.cc).
  void on_commit(ReplicaId sender, const Commit& commit, replica::Actions& out);
  void learn(Slot slot, const crypto::Digest& digest, const Bytes& value);
  void execute_in_order(replica::Actions& out);
  void compact(Slot slot, const crypto::Digest& digest);
  void restate(replica::Actions& out);
  void request_state(Slot slot, const crypto::Digest& digest, ReplicaId first_source, replica::Actions& out);
  void recover(const replica::PersistRecord& record);

  // Persistence and sending (paxos_core.cc).
  std::uint64_t persist(std::uint32_t type, const AcceptorRecord& record, replica::Actions& out);
  void send_when_durable(replica::Outgoing message, replica::Actions& out);
  void broadcast(net::MessageKind kind, Bytes body, replica::Actions& out) const;
  void send_to(ReplicaId to, net::MessageKind kind, Bytes body, replica::Actions& out) const;
  void heard_leader(const Ballot& ballot);
  void reset_leader_timer();
  void ignore(std::string_view reason) { ++ignored_[reason]; }

  PaxosOptions options_;
  PaxosValidator validator_;
  Prng prng_;
  replica::Tick now_ = 0;

  // Acceptor: durable state (records), and what it implies in memory.
  Ballot promised_;
  std::map<Slot, Acceptance> accepted_;  // slots above stable_slot_, at most max_slots_ahead past last_committed_

  // Learner.
  std::map<Slot, Value> chosen_;  // slots above stable_slot_, same bound
  Slot last_committed_ = 0;
  Slot stable_slot_ = 0;
  crypto::Digest stable_digest_;
  Slot state_requested_ = 0;

  // Leader detection.
  Round highest_round_seen_ = 0;
  Ballot leader_ballot_;  // the highest ballot heard from a proposer in phase 2
  replica::Tick ticks_without_leader_ = 0;
  replica::Tick leader_timeout_ = 0;

  // Proposer.
  Role role_ = Role::follower;
  Ballot ballot_;
  replica::Tick ticks_since_heartbeat_ = 0;
  Slot prepare_from_ = 1;
  std::optional<std::uint64_t> own_promise_record_;  // until durable
  bool own_promise_durable_ = false;
  std::map<ReplicaId, Report> reports_;           // at most n
  std::map<Slot, AcceptedValue> reported_values_;  // highest ballot per slot, from the reports
  std::map<Slot, Proposal> proposals_;             // unchosen slots this leader proposed
  Slot next_slot_ = 1;
  std::map<ReplicaId, CatchUp> catch_ups_;  // at most n

  // Persistence.
  std::uint64_t next_record_id_ = 1;
  std::uint64_t durable_record_id_ = 0;
  std::vector<std::pair<std::uint64_t, replica::Outgoing>> held_until_durable_;

  std::map<std::string_view, std::uint64_t> ignored_;
};

}  // namespace loyal::paxos
