#include "replica/journal/memory_journal.h"

#include <algorithm>
#include <utility>

#include "common/assert.h"
#include "replica/journal/record_codec.h"

namespace loyal::journal {

void MemoryJournal::append(const replica::PersistRecord& record) {
  LOYAL_ASSERT(!crashed_, "a crashed journal must be recovered before it is appended to");
  LOYAL_ASSERT(!last_appended_id_ || record.id == *last_appended_id_ + 1,
               "journal record ids must increase by one per record");
  EncodedRecord encoded{record.id, {}};
  encode_record(record, encoded.bytes);
  unsynced_.push_back(std::move(encoded));
  last_appended_id_ = record.id;
}

std::uint64_t MemoryJournal::sync() {
  LOYAL_ASSERT(!crashed_, "a crashed journal must be recovered before it is synced");
  for (EncodedRecord& record : unsynced_) synced_.push_back(std::move(record));
  unsynced_.clear();
  apply_pending_discard();
  return last_appended_id_.value_or(0);
}

void MemoryJournal::discard_before(std::uint64_t first_kept_id) {
  pending_discard_before_ = std::max(pending_discard_before_.value_or(0), first_kept_id);
  discard_waits_for_id_ = last_appended_id_;
  apply_pending_discard();
}

void MemoryJournal::apply_pending_discard() {
  if (!pending_discard_before_) return;
  if (discard_waits_for_id_ && !unsynced_.empty() && unsynced_.front().id <= *discard_waits_for_id_) return;
  while (!synced_.empty() && synced_.front().id < *pending_discard_before_) synced_.pop_front();
  pending_discard_before_.reset();
  discard_waits_for_id_.reset();
}

void MemoryJournal::save_snapshot(const replica::SavedSnapshot& snapshot) { snapshot_ = snapshot; }

void MemoryJournal::crash(Prng& prng, bool may_tear) {
  torn_tail_.clear();
  if (may_tear && !unsynced_.empty()) {
    const Bytes& first = unsynced_.front().bytes;
    torn_tail_.assign(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(prng.below(first.size())));
  }
  unsynced_.clear();
  // A discard waiting for records that are now lost never happens: the old records are still
  // all the core has.
  pending_discard_before_.reset();
  discard_waits_for_id_.reset();
  crashed_ = true;
}

MemoryJournal::Recovered MemoryJournal::recover() {
  // A restart without a crash (clean shutdown) still loses what was never synced, and with it
  // the right to discard what those records restated.
  unsynced_.clear();
  pending_discard_before_.reset();
  discard_waits_for_id_.reset();
  Bytes disk;
  for (const EncodedRecord& record : synced_) disk.insert(disk.end(), record.bytes.begin(), record.bytes.end());
  disk.insert(disk.end(), torn_tail_.begin(), torn_tail_.end());
  DecodedRecords decoded = decode_records(disk);

  Recovered recovered;
  RecoveryReport& report = recovered.report;
  if (decoded.end != WalkEnd::clean) {
    report.damaged_tail = DamagedTail{"memory", decoded.valid_bytes, decoded.end, disk.size() - decoded.valid_bytes,
                                      decoded.damage_reaches_end};
  }
  // Cut the disk back to the valid prefix: whole records only, the damaged one and all after it go.
  torn_tail_.clear();
  std::size_t kept_bytes = 0;
  std::size_t kept_records = 0;
  while (kept_records < synced_.size() && kept_bytes + synced_[kept_records].bytes.size() <= decoded.valid_bytes) {
    kept_bytes += synced_[kept_records].bytes.size();
    ++kept_records;
  }
  LOYAL_ASSERT(kept_bytes == decoded.valid_bytes && kept_records == decoded.records.size(),
               "the decoder stops at a record boundary");
  synced_.resize(kept_records);

  report.records = decoded.records.size();
  if (!decoded.records.empty()) {
    report.first_record_id = decoded.records.front().id;
    report.last_record_id = decoded.records.back().id;
    last_appended_id_ = decoded.records.back().id;
  } else {
    last_appended_id_.reset();
  }
  if (snapshot_) report.snapshot_sequence = snapshot_->sequence;
  recovered.state.records = std::move(decoded.records);
  recovered.state.snapshot = snapshot_;
  crashed_ = false;
  return recovered;
}

void MemoryJournal::wipe() {
  synced_.clear();
  unsynced_.clear();
  torn_tail_.clear();
  snapshot_.reset();
  last_appended_id_.reset();
  pending_discard_before_.reset();
  discard_waits_for_id_.reset();
}

void MemoryJournal::corrupt_disk_byte(std::size_t offset, std::uint8_t value) {
  for (EncodedRecord& record : synced_) {
    if (offset < record.bytes.size()) {
      record.bytes[offset] = value;
      return;
    }
    offset -= record.bytes.size();
  }
  LOYAL_ASSERT(false, "corrupt_disk_byte offset beyond the durable records");
}

}  // namespace loyal::journal
