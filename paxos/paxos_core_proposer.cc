// PaxosCore's proposer half: phase 1 once per leadership, phase 2 per slot, choosing, heartbeats
// and catch-up of lagging followers.

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "paxos/drop_reasons.h"
#include "paxos/paxos_core.h"

namespace loyal::paxos {

namespace {

// Splits entries into messages of at most `max_entries` entries and kMaxValueBytesPerMessage
// value bytes (at least one entry each: one value always fits).
template <typename Entry>
std::vector<std::vector<Entry>> chunks_of(const std::vector<Entry>& entries, std::uint32_t max_entries) {
  std::vector<std::vector<Entry>> chunks;
  std::size_t bytes = 0;
  for (const Entry& entry : entries) {
    if (chunks.empty() || chunks.back().size() >= max_entries ||
        bytes + entry.value.size() > kMaxValueBytesPerMessage) {
      chunks.emplace_back();
      bytes = 0;
    }
    bytes += entry.value.size();
    chunks.back().push_back(entry);
  }
  return chunks;
}

}  // namespace

void PaxosCore::note_ballot(const Ballot& ballot) {
  highest_round_seen_ = std::max(highest_round_seen_, ballot.round);
  if (role_ != Role::follower && ballot > ballot_) step_down();
}

void PaxosCore::step_down() {
  role_ = Role::follower;
  reports_.clear();
  reported_values_.clear();
  // Unchosen proposals stay in the acceptors' accepted values; the next leader's phase 1 finds them.
  proposals_.clear();
  catch_ups_.clear();
  own_promise_record_.reset();
  own_promise_durable_ = false;
  reset_leader_timer();
}

// ---- phase 1 -------------------------------------------------------------------------------

void PaxosCore::start_phase1(replica::Actions& out) {
  step_down();
  role_ = Role::candidate;
  ballot_ = Ballot{std::max(highest_round_seen_, promised_.round) + 1, options_.self};
  highest_round_seen_ = ballot_.round;
  promised_ = ballot_;
  prepare_from_ = last_committed_ + 1;
  ticks_since_heartbeat_ = 0;
  // The promise to itself is durable before the PREPARE leaves: a proposer that restarts must
  // never propose again under a ballot it may already have used.
  own_promise_record_ = persist(kPromiseRecord, AcceptorRecord{promised_, stable_slot_, stable_digest_, {}}, out);
  if (options_.replica_count > 1) {
    out.send_after_persist.push_back(replica::Outgoing{replica::Outgoing::kAllReplicas, net::MessageKind::paxos_prepare,
                                                       encode_prepare({ballot_, prepare_from_})});
  }
}

void PaxosCore::resend_prepares(replica::Actions& out) {
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    if (replica == options_.self) continue;
    const auto report = reports_.find(replica);
    if (report != reports_.end() && report->second.complete) continue;
    const Slot from = report == reports_.end() ? prepare_from_ : report->second.next_from;
    send_to(replica, net::MessageKind::paxos_prepare, encode_prepare({ballot_, from}), out);
  }
}

void PaxosCore::on_promise(ReplicaId sender, const Promise& promise, replica::Actions& out) {
  if (role_ != Role::candidate || promise.ballot != ballot_) return ignore(reason::kStalePromise);
  Report& report = reports_.try_emplace(sender, Report{prepare_from_, false, 0, {}}).first->second;
  // Parts are taken in order, so the report covers every slot from prepare_from_ without holes.
  if (report.complete || promise.from_slot != report.next_from) return ignore(reason::kPromiseOutOfOrder);
  // An acceptor accepts at most max_slots_ahead past what it knows chosen (and a restarted one,
  // back at its snapshot, holds at most one more such stretch, for checkpoint intervals up to
  // max_slots_ahead), so a report beyond that is not from a correct acceptor. Dropping one entry
  // could turn its slot into a no-op, so the whole report is refused; the bound also keeps
  // become_leader()'s re-proposals finite.
  const Slot reach = std::max(promise.chosen_through, promise.stable_slot) + 2 * Slot{options_.max_slots_ahead};
  if (!promise.accepted.empty() && promise.accepted.back().slot > reach) return ignore(reason::kSlotTooFarAhead);
  for (const AcceptedValue& value : promise.accepted) {
    auto [it, inserted] = reported_values_.try_emplace(value.slot, value);
    if (!inserted && value.ballot > it->second.ballot) it->second = value;
  }
  if (promise.stable_slot > report.stable_slot) {
    report.stable_slot = promise.stable_slot;
    report.stable_digest = promise.stable_digest;
  }
  if (!promise.complete) {
    report.next_from = promise.accepted.back().slot + 1;
    send_to(sender, net::MessageKind::paxos_prepare, encode_prepare({ballot_, report.next_from}), out);
    return;
  }
  report.complete = true;
  check_phase1(out);
}

void PaxosCore::check_phase1(replica::Actions& out) {
  if (role_ != Role::candidate || !own_promise_durable_) return;
  std::uint32_t complete = 1;  // this replica's own promise
  for (const auto& [replica, report] : reports_) complete += report.complete ? 1 : 0;
  if (complete >= majority(options_.replica_count)) become_leader(out);
}

void PaxosCore::become_leader(replica::Actions& out) {
  const Ballot previous_leader = leader_ballot_;
  role_ = Role::leader;
  leader_ballot_ = ballot_;
  // This replica's own report: what it accepted (nothing above ballot_, which it promised).
  for (auto it = accepted_.lower_bound(prepare_from_); it != accepted_.end(); ++it) {
    const AcceptedValue value{it->first, it->second.ballot, it->second.digest, it->second.value};
    auto [reported, inserted] = reported_values_.try_emplace(it->first, value);
    if (!inserted && value.ballot > reported->second.ballot) reported->second = value;
  }
  // Slots at or below a reporter's stable checkpoint are chosen, and only its state has them.
  Slot floor = stable_slot_;
  crypto::Digest floor_digest = stable_digest_;
  ReplicaId floor_source = options_.self;
  for (const auto& [replica, report] : reports_) {
    if (report.complete && report.stable_slot > floor) {
      floor = report.stable_slot;
      floor_digest = report.stable_digest;
      floor_source = replica;
    }
  }
  Slot top = std::max(floor, last_committed_);
  if (!reported_values_.empty()) top = std::max(top, reported_values_.rbegin()->first);
  if (!chosen_.empty()) top = std::max(top, chosen_.rbegin()->first);
  std::vector<SlotValue> values;
  for (Slot slot = std::max(last_committed_, floor) + 1; slot <= top; ++slot) {
    if (chosen_.contains(slot)) continue;
    const auto reported = reported_values_.find(slot);
    if (reported != reported_values_.end()) {
      values.push_back(SlotValue{slot, reported->second.digest, reported->second.value});
    } else {
      values.push_back(SlotValue{slot, crypto::sha256({}), {}});  // a no-op fills the gap
    }
  }
  reports_.clear();
  reported_values_.clear();
  next_slot_ = top + 1;
  ticks_since_heartbeat_ = 0;
  if (floor > last_committed_) {
    // Behind the floor this replica could neither execute nor reply until the snapshot arrived,
    // and if the sources took a newer checkpoint first (discarding this one), nothing would ever
    // name a newer one to a leader: the cluster would stall. It fetches the state as a follower;
    // the reporter holding the floor is up to date and can lead, and its COMMITs name its
    // stable checkpoint, which this replica fetches if the floor is gone.
    request_state(floor, floor_digest, floor_source, out);
    step_down();
    leader_ballot_ = previous_leader;
    return;
  }
  if (!values.empty()) propose_values(std::move(values), out);
  broadcast_commit(out);
}

// ---- phase 2 -------------------------------------------------------------------------------

bool PaxosCore::can_propose() const {
  return role_ == Role::leader && next_slot_ <= last_committed_ + options_.max_open_slots;
}

void PaxosCore::propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) {
  LOYAL_ASSERT(can_propose(), "propose() only when can_propose()");
  // `digest` is the pipeline's SHA-256 of `batch` (the Protocol contract); not hashed again.
  propose_values({SlotValue{next_slot_++, digest, std::move(batch)}}, out);
}

// The leader accepts its own proposals like any acceptor (counted once durable) and sends the
// ACCEPTs at once: they depend on its promise, which was durable before its PREPARE left.
void PaxosCore::propose_values(std::vector<SlotValue> values, replica::Actions& out) {
  AcceptorRecord record{promised_, stable_slot_, stable_digest_, {}};
  for (const SlotValue& value : values) {
    LOYAL_ASSERT(!proposals_.contains(value.slot), "a leader proposes one value per slot");
    accepted_[value.slot] = Acceptance{ballot_, value.digest, value.value};
    record.accepted.push_back(AcceptedValue{value.slot, ballot_, value.digest, value.value});
  }
  const std::uint64_t id = persist(kAcceptedRecord, record, out);
  for (const SlotValue& value : values) proposals_[value.slot] = Proposal{value.digest, value.value, {}, id};
  for (auto& chunk : chunks_of(values, options_.max_slots_per_message)) {
    broadcast(net::MessageKind::paxos_accept, encode_accept({ballot_, std::move(chunk)}), out);
  }
}

void PaxosCore::on_accepted(ReplicaId sender, const Accepted& accepted, replica::Actions& out) {
  note_ballot(accepted.ballot);
  if (role_ != Role::leader || accepted.ballot != ballot_) return ignore(reason::kStaleAccepted);
  const Slot committed_before = last_committed_;
  for (const SlotDigest& slot : accepted.slots) {
    const auto proposal = proposals_.find(slot.slot);
    if (proposal == proposals_.end()) continue;  // chosen already
    if (proposal->second.digest != slot.digest) {
      ignore(reason::kAcceptedUnknownValue);
      continue;
    }
    proposal->second.accepted_by.insert(sender);
    check_chosen(slot.slot, out);
  }
  // A follower knows everything through its chosen_through is chosen. After phase 1 this
  // leader's value at any slot is the one that can be chosen there, so those are chosen too.
  while (!proposals_.empty() && proposals_.begin()->first <= accepted.chosen_through) {
    const auto first = proposals_.begin();
    learn(first->first, first->second.digest, first->second.value);
    proposals_.erase(first);
  }
  execute_in_order(out);
  if (last_committed_ > committed_before) broadcast_commit(out);
  // An ACCEPTED for fresh slots lags by the slots the COMMIT above is about to teach it; only a
  // follower that accepted nothing new (it answers a COMMIT it could not use) really lacks values.
  if (accepted.slots.empty() && accepted.chosen_through < last_committed_) {
    send_catch_up(sender, accepted.chosen_through, out);
  }
}

void PaxosCore::check_chosen(Slot slot, replica::Actions& out) {
  const auto proposal = proposals_.find(slot);
  if (proposal == proposals_.end() || proposal->second.accepted_by.size() < majority(options_.replica_count)) return;
  learn(slot, proposal->second.digest, proposal->second.value);
  proposals_.erase(proposal);
  execute_in_order(out);
}

void PaxosCore::on_nack(const Nack& nack) {
  // Only a refusal of this replica's current ballot says anything about it.
  if (role_ == Role::follower || nack.refused != ballot_) return ignore(reason::kStaleNack);
  note_ballot(nack.promised);
}

// ---- leader: heartbeats and catch-up -------------------------------------------------------

void PaxosCore::broadcast_commit(replica::Actions& out) {
  broadcast(net::MessageKind::paxos_commit, encode_commit({ballot_, last_committed_, stable_slot_, stable_digest_, {}}),
            out);
}

// Re-sends every unchosen ACCEPT with the heartbeat: a lost ACCEPT or ACCEPTED costs at most one
// heartbeat period.
void PaxosCore::leader_heartbeat(replica::Actions& out) {
  if (++ticks_since_heartbeat_ < options_.heartbeat_ticks) return;
  ticks_since_heartbeat_ = 0;
  broadcast_commit(out);
  std::vector<SlotValue> unchosen;
  for (const auto& [slot, proposal] : proposals_) unchosen.push_back(SlotValue{slot, proposal.digest, proposal.value});
  for (auto& chunk : chunks_of(unchosen, options_.max_slots_per_message)) {
    broadcast(net::MessageKind::paxos_accept, encode_accept({ballot_, std::move(chunk)}), out);
  }
}

void PaxosCore::send_catch_up(ReplicaId follower, Slot follower_chosen_through, replica::Actions& out) {
  CatchUp& last = catch_ups_[follower];
  if (last.from == follower_chosen_through + 1 && now_ < last.at + options_.heartbeat_ticks) return;
  last = CatchUp{follower_chosen_through + 1, now_};
  Commit commit{ballot_, last_committed_, stable_slot_, stable_digest_, {}};
  // Below this leader's stable checkpoint the values are gone: the COMMIT's stable checkpoint
  // sends the follower to state transfer instead.
  if (follower_chosen_through >= stable_slot_) {
    std::size_t bytes = 0;
    for (auto it = chosen_.upper_bound(follower_chosen_through);
         it != chosen_.end() && it->first <= last_committed_ && commit.values.size() < options_.max_slots_per_message;
         ++it) {
      if (!commit.values.empty() && bytes + it->second.value.size() > kMaxValueBytesPerMessage) break;
      bytes += it->second.value.size();
      commit.values.push_back(SlotValue{it->first, it->second.digest, it->second.value});
    }
  }
  send_to(follower, net::MessageKind::paxos_commit, encode_commit(commit), out);
}

}  // namespace loyal::paxos
