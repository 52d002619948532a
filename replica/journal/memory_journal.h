#pragma once
// The journal of the deterministic simulator: the same record framing and the same recovery walk
// as the FileJournal, over an in-memory "disk", with the crash semantics of a real one: synced
// records survive a crash, unsynced ones are lost, and the first unsynced record may survive
// partly (a torn write) for recovery to find and cut away.
//
// Deterministic: no files, clocks or globals; a crash's choices come from the Prng passed in.
// Not thread-safe; the simulator calls it from its one thread. The journal owns its "disk".

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "common/bytes.h"
#include "common/prng.h"
#include "replica/environment.h"
#include "replica/journal/recovery_report.h"

namespace loyal::journal {

class MemoryJournal final : public replica::Journal {
 public:
  struct Recovered {
    replica::RecoveredState state;
    RecoveryReport report;
  };

  // Precondition (asserted): no crash() since the last recover(), and `record.id` is above the
  // last appended or recovered id (by one, as
  // the FileJournal requires, so the simulator catches what a real disk would refuse).
  void append(const replica::PersistRecord& record) override;
  // Everything appended becomes durable. Returns the last durable id, 0 if there is none.
  std::uint64_t sync() override;
  // Drops durable records below `first_kept_id`, once every record appended before this call is
  // durable (the same rule as the FileJournal: the restated records must survive a crash first).
  void discard_before(std::uint64_t first_kept_id) override;
  // Durable at once.
  void save_snapshot(const replica::SavedSnapshot& snapshot) override;

  // The process (or machine) crashed: everything not synced is lost. When `may_tear` and
  // something was unsynced, the prng decides how long a prefix of the first unsynced record
  // reached the disk (possibly none). The journal then accepts only recover().
  void crash(Prng& prng, bool may_tear);
  // What a restarted replica reads back: runs the record decoder over the disk, cuts a torn or
  // damaged tail away (so appends continue after the last valid record) and reports it.
  Recovered recover();
  // The disk was replaced: no records, no snapshot (a replica restarted with a wiped disk).
  void wipe();

  std::size_t synced_records() const { return synced_.size(); }
  std::size_t unsynced_records() const { return unsynced_.size(); }
  // Bytes of a torn record left on the disk by the last crash (0 after recover()).
  std::size_t torn_bytes() const { return torn_tail_.size(); }

  // For tests of recovery: overwrites one byte of the durable disk image, counting from the
  // start of the oldest record kept. Precondition (asserted): `offset` is inside it.
  void corrupt_disk_byte(std::size_t offset, std::uint8_t value);

 private:
  struct EncodedRecord {
    std::uint64_t id = 0;
    Bytes bytes;  // record_codec framing
  };

  void apply_pending_discard();

  std::deque<EncodedRecord> synced_;    // on the "disk", oldest first
  std::deque<EncodedRecord> unsynced_;  // in the page cache
  Bytes torn_tail_;                     // a torn prefix written after synced_ by a crash
  std::optional<replica::SavedSnapshot> snapshot_;
  std::optional<std::uint64_t> last_appended_id_;
  std::optional<std::uint64_t> pending_discard_before_;
  std::optional<std::uint64_t> discard_waits_for_id_;
  bool crashed_ = false;
};

}  // namespace loyal::journal
