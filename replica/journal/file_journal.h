#pragma once
// The replica's journal on disk: PersistRecords in append-only segment files and the last
// checkpoint snapshot in one file, in a directory of its own.
//
//   <directory>/journal-<first record id, 20 digits>.log   segments, records framed by record_codec.h
//   <directory>/snapshot                                    the saved snapshot (snapshot_file.h)
//   <directory>/snapshot.tmp                                 a snapshot being written; deleted on open
//   <directory>/LOCK                                         held (flock) while a journal is open
//
// Threading: not thread-safe; one owner calls everything (the runtime's journal thread, or the
// replica thread). Ownership: open() hands out the journal and the recovered records; the
// journal owns its files and the directory lock until it is destroyed.
//
// Failures: opening returns an Error in plain words (directory not writable, in use, segments not
// contiguous, unreadable files). After open, an I/O error is not recoverable for a replica — it
// would go on promising durability it no longer has — so every later failure is a LOYAL_ASSERT
// carrying the errno text.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "replica/environment.h"
#include "replica/journal/file_io.h"
#include "replica/journal/recovery_report.h"
#include "replica/journal/sync_policy.h"

namespace loyal::journal {

inline constexpr std::uint64_t kDefaultSegmentBytes = std::uint64_t{64} << 20;
// Under `batch` and `none`, appended records wait in memory until sync() or until this much has
// accumulated, so a step's records reach the kernel in one write instead of one per record.
inline constexpr std::size_t kWriteBufferBytes = std::size_t{1} << 20;

struct JournalOptions {
  SyncPolicy sync_policy = SyncPolicy::batch;
  // A new segment starts with the first record appended once the current one holds at least this
  // many bytes; a segment may exceed it by one record. Smaller segments let discard_before() free
  // space sooner, at the cost of more files.
  std::uint64_t segment_bytes = kDefaultSegmentBytes;
};

class FileJournal;

struct OpenedJournal {
  std::unique_ptr<FileJournal> journal;
  replica::RecoveredState recovered;
  RecoveryReport report;
};

class FileJournal final : public replica::Journal {
 public:
  // Opens (creating with mode 0700 if missing) the journal in `directory`, reads back its records
  // and snapshot, and makes it appendable: a torn or corrupt tail is truncated away and any
  // segments after a corrupt one are deleted, all of it in the report. Refuses a directory it
  // cannot write or that another process holds, and segments whose ids are not contiguous.
  static Result<OpenedJournal> open(const std::filesystem::path& directory, JournalOptions options);

  // Hands buffered records to the kernel (no sync: what is not synced may be lost, as promised).
  ~FileJournal() override;
  FileJournal(const FileJournal&) = delete;
  FileJournal& operator=(const FileJournal&) = delete;

  // Precondition (asserted): `record.id` is one more than the last appended or recovered id (any
  // id for an empty journal), so that segment names and contents stay contiguous.
  void append(const replica::PersistRecord& record) override;
  // Returns the last durable record id (under `none`: the last appended), 0 if there is none.
  std::uint64_t sync() override;
  // Deletes whole segments whose records are all below `first_kept_id`, never the segment being
  // written. The deletion waits until every record appended before this call is durable: the
  // core restated what it needs in those records, and deleting the old ones before the new ones
  // are on disk could lose both in a crash. Cheap when there is nothing to delete.
  void discard_before(std::uint64_t first_kept_id) override;
  // Writes snapshot.tmp, syncs it, renames it over `snapshot` and syncs the directory, so a crash
  // leaves the old snapshot or the new one whole. (Under SyncPolicy::none: the same steps
  // without the syncs.)
  void save_snapshot(const replica::SavedSnapshot& snapshot) override;

  const std::filesystem::path& directory() const { return directory_; }
  // Segment files in id order; the last one is being written.
  std::vector<std::filesystem::path> segment_paths() const;

  static std::string segment_file_name(std::uint64_t first_record_id);
  // The first record id in a segment file name, or nothing if `name` is not a segment's.
  static std::optional<std::uint64_t> parse_segment_file_name(const std::string& name);

 private:
  struct Segment {
    std::uint64_t first_id = 0;
    std::filesystem::path path;
  };

  FileJournal(std::filesystem::path directory, JournalOptions options, detail::FileDescriptor lock);
  bool syncs() const { return options_.sync_policy != SyncPolicy::none; }
  void open_current_segment(std::uint64_t current_bytes);
  void start_segment(std::uint64_t first_id);
  void write_buffer();
  void make_written_durable();
  void apply_pending_discard();
  void sync_directory();

  std::filesystem::path directory_;
  JournalOptions options_;
  detail::FileDescriptor lock_;
  std::deque<Segment> segments_;       // oldest first; back() is the current segment
  detail::FileDescriptor current_;     // open for appending to segments_.back(), if any
  std::uint64_t current_bytes_ = 0;    // the current segment's size including write_buffer_
  Bytes write_buffer_;                 // encoded records not yet handed to the kernel
  bool unsynced_writes_ = false;       // the kernel holds writes to current_ not yet synced
  std::optional<std::uint64_t> last_appended_id_;
  std::optional<std::uint64_t> last_durable_id_;
  std::optional<std::uint64_t> pending_discard_before_;
  std::optional<std::uint64_t> discard_waits_for_id_;  // durable id the pending discard waits for
};

}  // namespace loyal::journal
