#pragma once
// What a journal found when it was opened after a restart, in plain words for the replica's log:
// how much was recovered and, when the end of the journal was torn or damaged, where and why,
// and what was cut away to make the journal appendable again.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replica/journal/record_codec.h"
#include "replica/types.h"

namespace loyal::journal {

// Where the walk over the records stopped early.
struct DamagedTail {
  std::string file;             // segment file name, or "memory" for the MemoryJournal
  std::uint64_t offset = 0;     // byte offset of the first bad record within `file`
  WalkEnd reason = WalkEnd::clean;
  std::uint64_t truncated_bytes = 0;  // bytes cut from `file` at `offset`
  // The damage is at the very end of the journal and nothing after it looks like data
  // (DecodedRecords::damage_reaches_end, in the last segment): a write cut short by a crash, which
  // loses only records that were never synced. Otherwise durable records were damaged.
  bool crash_like = false;
};

struct RecoveryReport {
  std::size_t records = 0;
  std::optional<std::uint64_t> first_record_id;
  std::optional<std::uint64_t> last_record_id;
  std::size_t segments = 0;  // segment files kept (0 for the MemoryJournal)
  std::optional<replica::Sequence> snapshot_sequence;
  std::optional<DamagedTail> damaged_tail;
  // Segment files after the damaged one, deleted because nothing after a bad record is trusted.
  std::vector<std::string> removed_segments;
  // Why the saved snapshot was ignored, if it was unreadable.
  std::optional<std::string> corrupt_snapshot;
  // Leftovers deleted on the way (an empty segment, an unfinished snapshot.tmp).
  std::vector<std::string> removed_leftovers;

  // True when nothing was lost or ignored beyond what a crash may tear (the unsynced last write).
  bool clean() const {
    return (!damaged_tail || damaged_tail->crash_like) && removed_segments.empty() && !corrupt_snapshot;
  }
  // One line (or a few) for the log, e.g. "recovered 120 records (ids 5..124) from 2 segments,
  // snapshot at sequence 100; torn tail in journal-...0100.log at offset 4096 (torn record
  // payload): 37 bytes truncated".
  std::string describe() const;
};

}  // namespace loyal::journal
