// PbftCore's journal: the records it writes before the messages that depend on them leave, and
// the restart that reads them back (pbft/pbft_core.h, "Persistence").

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "pbft/pbft_core.h"

namespace loyal::pbft {

PbftCore::HoldSendsUntilPersisted::~HoldSendsUntilPersisted() {
  if (out_.persist.size() == persist_before_) return;
  const auto first = out_.send.begin() + static_cast<std::ptrdiff_t>(send_before_);
  out_.send_after_persist.insert(out_.send_after_persist.end(), std::make_move_iterator(first),
                                 std::make_move_iterator(out_.send.end()));
  out_.send.erase(first, out_.send.end());
}

std::uint64_t PbftCore::persist(const PbftRecord& record, replica::Actions& out) {
  const std::uint64_t id = next_record_id_++;
  out.persist.push_back(encode_record(id, record));
  return id;
}

// Before the primary's PRE-PREPARE, its record holds that signed frame; before a backup's PREPARE,
// the record holds the backup's own signed PREPARE (in prepare_frames), and the prepared record
// every PREPARE of the certificate. A record of this view with no own vote in it is a PRE-PREPARE
// a NEW-VIEW re-issued, accepted but not voted for yet.
void PbftCore::persist_slot(Sequence sequence, const Slot& slot, replica::Actions& out) {
  const AcceptedPrePrepare& accepted = *slot.pre_prepare;
  SlotRecord record{accepted.view, sequence, accepted.digest, accepted.batch, accepted.frame, false, {}, {}};
  const bool prepared_here =
      slot.last_prepared && slot.last_prepared->view == accepted.view && slot.last_prepared->digest == accepted.digest;
  if (prepared_here) {
    record.prepared = true;
    // The batch and the PRE-PREPARE are in an earlier record of this slot and view, which is kept
    // as long as this one (first_record_of_slot_): written once, not twice.
    record.batch.reset();
    record.pre_prepare_frame.clear();
  }
  const auto votes = slot.prepares.find(VoteKey{accepted.view, accepted.digest});
  if (votes != slot.prepares.end()) {
    for (const auto& [sender, frame] : votes->second) {
      if (frame.empty() || (!prepared_here && sender != options_.self)) continue;
      record.prepare_frames.push_back(frame);
      record.prepare_senders.push_back(sender);
    }
  }
  const std::uint64_t id = persist(record, out);
  first_record_of_slot_.try_emplace(sequence, id);
}

void PbftCore::persist_view(replica::Actions& out) { view_record_id_ = persist(ViewRecord{view_, view_active_}, out); }

void PbftCore::persist_stable_checkpoint(replica::Actions& out) {
  std::uint64_t keep_from = next_record_id_;
  if (stable_certificate_) {
    StableRecord record{stable_certificate_->sequence, stable_certificate_->state_digest, stable_certificate_->frames,
                        stable_certificate_->signers};
    const auto own = own_checkpoint_frames_.find(stable_certificate_->sequence);
    if (own != own_checkpoint_frames_.end()) {
      record.proof.push_back(own->second);
      record.proof_senders.push_back(options_.self);
    }
    keep_from = persist(record, out);
  }
  // The view is restated so that every record older than the slots still in the window can go.
  persist_view(out);
  keep_from = std::min(keep_from, view_record_id_);
  first_record_of_slot_.erase(first_record_of_slot_.begin(), first_record_of_slot_.upper_bound(low_watermark_));
  for (const auto& [sequence, id] : first_record_of_slot_) keep_from = std::min(keep_from, id);
  out.discard_records_before = keep_from;
}

// ---- restart ------------------------------------------------------------------------------

void PbftCore::restore(const std::vector<replica::PersistRecord>& records) {
  std::map<Sequence, SlotRecord> latest;    // per sequence number, the record of its newest view
  std::map<Sequence, SlotRecord> prepared;  // per sequence number, that of the highest view it prepared in
  for (const replica::PersistRecord& persisted : records) {
    next_record_id_ = std::max(next_record_id_, persisted.id + 1);
    PbftRecord record = decode_record(persisted);
    if (auto* view = std::get_if<ViewRecord>(&record)) {
      view_ = view->view;
      view_active_ = view->active;
      view_record_id_ = persisted.id;
    } else if (auto* stable = std::get_if<StableRecord>(&record)) {
      recovered_stable_ = std::move(*stable);
    } else {
      SlotRecord& slot_record = std::get<SlotRecord>(record);
      first_record_of_slot_.try_emplace(slot_record.sequence, persisted.id);
      const auto it = latest.find(slot_record.sequence);
      if (it != latest.end() && it->second.view == slot_record.view) {
        LOYAL_ASSERT(it->second.digest == slot_record.digest, "a replica accepts one batch per view and sequence number");
        // A later record of the same view restates what the earlier one held and adds to it.
        if (!slot_record.batch) slot_record.batch = it->second.batch;
        if (slot_record.pre_prepare_frame.empty()) slot_record.pre_prepare_frame = it->second.pre_prepare_frame;
        for (std::size_t i = 0; i < it->second.prepare_senders.size(); ++i) {
          const ReplicaId sender = it->second.prepare_senders[i];
          if (std::find(slot_record.prepare_senders.begin(), slot_record.prepare_senders.end(), sender) ==
              slot_record.prepare_senders.end()) {
            slot_record.prepare_senders.push_back(sender);
            slot_record.prepare_frames.push_back(it->second.prepare_frames[i]);
          }
        }
      }
      if (slot_record.prepared) {
        const auto best = prepared.find(slot_record.sequence);
        if (best == prepared.end() || best->second.view <= slot_record.view) {
          prepared.insert_or_assign(slot_record.sequence, slot_record);
        }
      }
      if (it == latest.end() || it->second.view <= slot_record.view) {
        latest.insert_or_assign(slot_record.sequence, std::move(slot_record));
      }
    }
  }
  // Without a ViewRecord the replica never left view 0, which is where a new core starts.
  // Slots at or below the stable checkpoint are in its snapshot; their earlier records may already
  // be discarded (a late prepared record can outlive the first record that held the batch).
  const Sequence stable = recovered_stable_ ? recovered_stable_->sequence : 0;
  for (const auto& [sequence, record] : latest) {
    if (sequence <= stable) continue;
    const auto best = prepared.find(sequence);
    restore_slot(record, best == prepared.end() ? nullptr : &best->second);
  }
  // Its VIEW-CHANGE (with whatever it can still prove) goes out on the first tick.
  resend_view_change_after_restart_ = !view_active_;
}

void PbftCore::restore_slot(const SlotRecord& latest, const SlotRecord* prepared) {
  Slot& slot = log_[latest.sequence];
  if (prepared != nullptr) {
    LOYAL_ASSERT(prepared->batch.has_value(), "a replica prepares only with the batch, which its first record holds");
    slot.last_prepared =
        PreparedRecord{prepared->view, prepared->digest, *prepared->batch, prepared->pre_prepare_frame};
    for (std::size_t i = 0; i < prepared->prepare_frames.size() && i < prepared->prepare_senders.size(); ++i) {
      record_vote(slot.prepares, prepared->view, prepared->digest, prepared->prepare_senders[i],
                  prepared->prepare_frames[i]);
    }
  }
  if (latest.view != view_) return;
  // The current view: this replica accepted this batch here, and will never vote for another.
  slot.pre_prepare = AcceptedPrePrepare{latest.view, latest.digest, latest.batch, latest.pre_prepare_frame};
  for (std::size_t i = 0; i < latest.prepare_frames.size() && i < latest.prepare_senders.size(); ++i) {
    record_vote(slot.prepares, latest.view, latest.digest, latest.prepare_senders[i], latest.prepare_frames[i]);
  }
  const ReplicaId primary = primary_of(latest.view, options_.replica_count);
  if (primary == options_.self) {
    // Empty only for a slot a NEW-VIEW re-issued whose batch had not arrived: the PRE-PREPARE
    // goes out once it does (on_batch_reply), and nothing else may be assigned here meanwhile.
    slot.sent_pre_prepare = !latest.pre_prepare_frame.empty();
    if (view_active_) last_assigned_ = std::max(last_assigned_, latest.sequence);
  } else {
    slot.sent_prepare = vote_frame(slot.prepares, latest.view, options_.self) != nullptr;
  }
  if (latest.prepared) {
    // The COMMIT went out after this record; signing it again gives the same frame.
    slot.sent_commit = true;
    record_vote(slot.commits, latest.view, latest.digest, options_.self,
                sign(net::MessageKind::pbft_commit, encode_commit({latest.view, latest.sequence, latest.digest})));
  }
}

// A restored stable checkpoint proof, once the pipeline installed the snapshot it is about.
bool PbftCore::restore_checkpoint_proof(Sequence sequence, const crypto::Digest& state_digest) {
  if (!recovered_stable_ || recovered_stable_->sequence != sequence ||
      recovered_stable_->state_digest != state_digest) {
    return false;
  }
  const StableRecord& stable = *recovered_stable_;
  for (std::size_t i = 0; i < stable.proof.size() && i < stable.proof_senders.size(); ++i) {
    if (stable.proof_senders[i] == options_.self) {
      own_checkpoint_frames_.try_emplace(sequence, stable.proof[i]);
    } else {
      (void)checkpoints_.record(stable.proof_senders[i], sequence, state_digest, stable.proof[i]);
    }
  }
  recovered_stable_.reset();
  return true;
}

}  // namespace loyal::pbft
