// PaxosCore's learner half: COMMITs, execution in slot order, checkpoints and compaction, state
// transfer, and rebuilding the acceptor from its records at a restart.

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "paxos/drop_reasons.h"
#include "paxos/paxos_core.h"

namespace loyal::paxos {

namespace {

// Records are read back with the frame limit lifted: a restatement holds every value accepted
// above the stable checkpoint, which may be more than one message carries.
inline constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 31;

net::DecodeLimits record_limits(net::DecodeLimits limits) {
  limits.max_frame_bytes = kMaxRecordBytes;
  limits.max_body_bytes = kMaxRecordBytes;
  limits.traversal_limit_words = kMaxRecordBytes / 8;
  return limits;
}

}  // namespace

void PaxosCore::on_commit(ReplicaId sender, const Commit& commit, replica::Actions& out) {
  note_ballot(commit.ballot);
  if (commit.ballot < promised_) {
    // A leader that does not know it was replaced: what it says was chosen still was, but it
    // should stop leading.
    send_to(sender, net::MessageKind::paxos_nack, encode_nack({promised_, commit.ballot}), out);
  } else {
    heard_leader(commit.ballot);
  }
  for (const SlotValue& value : commit.values) learn(value.slot, value.digest, value.value);
  // The leader of commit.ballot proposed one value per slot: a value accepted at exactly that
  // ballot, at a slot it says is chosen, is the chosen one.
  for (auto it = accepted_.upper_bound(last_committed_); it != accepted_.end() && it->first <= commit.chosen_through;
       ++it) {
    if (it->second.ballot == commit.ballot) learn(it->first, it->second.digest, it->second.value);
  }
  execute_in_order(out);
  if (last_committed_ < commit.stable_slot) {
    // What this replica lacks is compacted at the leader: only its snapshot has it.
    request_state(commit.stable_slot, commit.stable_digest, sender, out);
  } else if (last_committed_ < commit.chosen_through) {
    send_to(sender, net::MessageKind::paxos_accepted, encode_accepted({commit.ballot, {}, last_committed_}), out);
  }
}

void PaxosCore::learn(Slot slot, const crypto::Digest& digest, const Bytes& value) {
  if (slot <= last_committed_ || slot <= stable_slot_) return;
  if (slot > last_committed_ + options_.max_slots_ahead) return ignore(reason::kSlotTooFarAhead);
  const auto [it, inserted] = chosen_.try_emplace(slot, Value{digest, value});
  // Two values chosen at one slot would be a safety violation somewhere in the cluster; this
  // replica keeps the first and counts it, and the simulator's checkers report it.
  if (!inserted && it->second.digest != digest) ignore(reason::kConflictingChosenValue);
}

void PaxosCore::execute_in_order(replica::Actions& out) {
  for (auto next = chosen_.find(last_committed_ + 1); next != chosen_.end(); next = chosen_.find(last_committed_ + 1)) {
    out.committed.push_back(replica::CommittedBatch{next->first, next->second.value, next->second.digest});
    last_committed_ = next->first;
  }
}

// ---- checkpoints and state transfer --------------------------------------------------------

void PaxosCore::on_checkpoint_taken(Slot sequence, const crypto::Digest& state_digest, replica::Actions& out) {
  LOYAL_ASSERT(sequence <= last_committed_, "a checkpoint follows the execution of what it covers");
  if (sequence <= stable_slot_) return;
  compact(sequence, state_digest);
  out.stable_checkpoint = replica::StableCheckpoint{sequence, state_digest, {}};
  restate(out);
}

void PaxosCore::on_state_installed(Slot sequence, const crypto::Digest& state_digest, replica::Actions& out) {
  LOYAL_ASSERT(sequence >= stable_slot_, "state transfer never moves below the stable checkpoint");
  const bool advanced = sequence > stable_slot_;
  compact(sequence, state_digest);
  // Execution continues right above the snapshot, re-handing out any chosen values above it.
  last_committed_ = sequence;
  next_slot_ = std::max(next_slot_, sequence + 1);
  if (advanced) restate(out);
  execute_in_order(out);
}

void PaxosCore::compact(Slot slot, const crypto::Digest& digest) {
  stable_slot_ = slot;
  stable_digest_ = digest;
  accepted_.erase(accepted_.begin(), accepted_.upper_bound(slot));
  chosen_.erase(chosen_.begin(), chosen_.upper_bound(slot));
  proposals_.erase(proposals_.begin(), proposals_.upper_bound(slot));
}

// One record holding everything recovery needs, so every older record can go.
void PaxosCore::restate(replica::Actions& out) {
  AcceptorRecord record{promised_, stable_slot_, stable_digest_, {}};
  for (const auto& [slot, acceptance] : accepted_) {
    record.accepted.push_back(AcceptedValue{slot, acceptance.ballot, acceptance.digest, acceptance.value});
  }
  out.discard_records_before = persist(kRestatementRecord, record, out);
}

void PaxosCore::request_state(Slot slot, const crypto::Digest& digest, ReplicaId first_source, replica::Actions& out) {
  if (slot <= state_requested_ || slot <= last_committed_) return;
  state_requested_ = slot;
  replica::StateFetch fetch{slot, digest, {}};
  if (first_source != options_.self) fetch.sources.push_back(first_source);
  for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
    if (replica != options_.self && replica != first_source) fetch.sources.push_back(replica);
  }
  out.fetch_state = std::move(fetch);
}

// ---- restart -------------------------------------------------------------------------------

void PaxosCore::recover(const replica::PersistRecord& record) {
  auto decoded = decode_acceptor_record(record.payload, record_limits(options_.limits));
  LOYAL_ASSERT(std::holds_alternative<AcceptorRecord>(decoded), "a journaled Paxos record decodes");
  const AcceptorRecord& state = std::get<AcceptorRecord>(decoded);
  switch (record.type) {
    case kRestatementRecord:
      accepted_.clear();
      promised_ = state.promised;
      stable_slot_ = state.stable_slot;
      stable_digest_ = state.stable_digest;
      break;
    case kPromiseRecord:
    case kAcceptedRecord: promised_ = std::max(promised_, state.promised); break;
    default: LOYAL_ASSERT(false, "a Paxos record type this build wrote");
  }
  for (const AcceptedValue& value : state.accepted) {
    if (value.slot <= stable_slot_) continue;
    const auto it = accepted_.find(value.slot);
    if (it == accepted_.end() || value.ballot >= it->second.ballot) {
      accepted_[value.slot] = Acceptance{value.ballot, value.digest, value.value};
    }
  }
}

}  // namespace loyal::paxos
