// FileJournal::open: recovery of a journal directory after a restart (clean or not).
//
// Two passes, so that a refusal changes nothing on disk: first every segment is read and
// checked and a plan is made (what to keep, where to truncate, what to delete); only then is the
// plan applied.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <system_error>

#include "replica/journal/file_journal.h"
#include "replica/journal/record_codec.h"
#include "replica/journal/snapshot_file.h"

namespace loyal::journal {

namespace {

Status make_directory(const std::filesystem::path& directory) {
  std::error_code error;
  if (std::filesystem::exists(directory, error)) {
    if (!std::filesystem::is_directory(directory, error)) {
      return Error{"journal directory " + directory.string() + " exists and is not a directory"};
    }
    return {};
  }
  if (directory.has_parent_path()) {
    std::filesystem::create_directories(directory.parent_path(), error);
    if (error) return Error{"cannot create journal directory " + directory.string() + ": " + error.message()};
  }
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{"cannot create journal directory " + directory.string() + ": " + std::strerror(errno)};
  }
  return {};
}

// Held for the journal's lifetime: two replicas appending to one directory would interleave
// records and each believe its own were durable.
Result<detail::FileDescriptor> lock_directory(const std::filesystem::path& directory) {
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    return Error{"cannot write journal directory " + directory.string() + ": " + std::strerror(errno)};
  }
  const std::filesystem::path lock_path = directory / "LOCK";
  detail::FileDescriptor lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) {
    return Error{"cannot write journal directory " + directory.string() + ": " + std::strerror(errno)};
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Error{"journal directory " + directory.string() + " is in use by another process"};
    return detail::io_error("flock", lock_path, errno);
  }
  return lock;
}

struct SegmentFile {
  std::uint64_t first_id = 0;
  std::filesystem::path path;
  std::uint64_t valid_bytes = 0;
  std::size_t records = 0;
};

struct Plan {
  std::vector<SegmentFile> keep;  // in id order; may end with one whose records were all lost
  std::vector<std::filesystem::path> remove;
  std::optional<std::filesystem::path> truncate;  // keep.back(), cut to its valid_bytes
};

}  // namespace

Result<OpenedJournal> FileJournal::open(const std::filesystem::path& directory, JournalOptions options) {
  if (options.segment_bytes == 0) return Error{"journal segment_bytes must be above zero"};
  if (Status made = make_directory(directory); !made) return made.error();
  Result<detail::FileDescriptor> lock = lock_directory(directory);
  if (!lock) return lock.error();

  // Sorted by id: the map, not the directory's order, decides the walk.
  std::map<std::uint64_t, std::filesystem::path> segment_files;
  std::vector<std::filesystem::path> leftovers;
  std::error_code error;
  std::filesystem::directory_iterator entry(directory, error);
  for (; !error && entry != std::filesystem::directory_iterator(); entry.increment(error)) {
    const std::string name = entry->path().filename().string();
    if (const auto id = parse_segment_file_name(name)) {
      segment_files.emplace(*id, entry->path());
    } else if (name == "snapshot.tmp") {
      leftovers.push_back(entry->path());  // a save_snapshot() cut short; `snapshot` is intact
    }
  }
  if (error) return Error{"cannot list journal directory " + directory.string() + ": " + error.message()};

  OpenedJournal opened;
  RecoveryReport& report = opened.report;
  std::vector<replica::PersistRecord>& records = opened.recovered.records;
  Plan plan;
  std::optional<std::uint64_t> previous_id;
  bool damaged = false;
  for (const auto& [first_id, path] : segment_files) {
    if (damaged) {
      plan.remove.push_back(path);
      report.removed_segments.push_back(path.filename().string());
      continue;
    }
    const std::string name = path.filename().string();
    if (!plan.keep.empty() && plan.keep.back().records == 0) {
      return Error{"journal in " + directory.string() + " is not contiguous: " +
                   plan.keep.back().path.filename().string() + " is empty but " + name + " follows it"};
    }
    if (previous_id && first_id != *previous_id + 1) {
      return Error{"journal in " + directory.string() + " is not contiguous: " + name + " follows a segment ending at record " +
                   std::to_string(*previous_id) + "; refusing to guess which records are missing"};
    }
    Result<Bytes> bytes = detail::read_whole_file(path);
    if (!bytes) return bytes.error();
    DecodedRecords decoded = decode_records(*bytes, previous_id);
    if (!decoded.records.empty() && decoded.records.front().id != first_id) {
      return Error{"journal segment " + path.string() + " starts with record " +
                   std::to_string(decoded.records.front().id) + ", not the record its name says"};
    }
    SegmentFile segment{first_id, path, decoded.valid_bytes, decoded.records.size()};
    if (!decoded.records.empty()) previous_id = decoded.records.back().id;
    for (replica::PersistRecord& record : decoded.records) records.push_back(std::move(record));
    if (decoded.end != WalkEnd::clean) {
      damaged = true;
      const bool last_segment = first_id == segment_files.rbegin()->first;
      report.damaged_tail = DamagedTail{name, decoded.valid_bytes, decoded.end, bytes->size() - decoded.valid_bytes,
                                        decoded.damage_reaches_end && last_segment};
      plan.truncate = path;
    }
    plan.keep.push_back(std::move(segment));
  }
  // A segment left without records (created just before a crash, or all of it torn) is deleted:
  // the next append starts a segment named after its own id.
  if (!plan.keep.empty() && plan.keep.back().records == 0) {
    if (plan.truncate == plan.keep.back().path) plan.truncate.reset();
    plan.remove.push_back(plan.keep.back().path);
    report.removed_leftovers.push_back(plan.keep.back().path.filename().string());
    plan.keep.pop_back();
  }

  // From here on the directory changes.
  const bool syncs = options.sync_policy != SyncPolicy::none;
  if (plan.truncate) {
    if (Status cut = detail::truncate_file(*plan.truncate, plan.keep.back().valid_bytes); !cut) return cut.error();
  }
  for (const std::filesystem::path& path : plan.remove) {
    if (Status removed = detail::remove_file(path); !removed) return removed.error();
  }
  for (const std::filesystem::path& path : leftovers) {
    if (Status removed = detail::remove_file(path); !removed) return removed.error();
    report.removed_leftovers.push_back(path.filename().string());
  }
  if (syncs && (!plan.remove.empty() || !leftovers.empty())) {
    if (Status synced = detail::sync_directory(directory); !synced) return synced.error();
  }

  const std::filesystem::path snapshot_path = directory / "snapshot";
  const bool has_snapshot = std::filesystem::exists(snapshot_path, error);
  if (error) return Error{"cannot look for " + snapshot_path.string() + ": " + error.message()};
  if (has_snapshot) {
    Result<Bytes> file = detail::read_whole_file(snapshot_path);
    if (!file) return file.error();
    Result<replica::SavedSnapshot> snapshot = decode_snapshot_file(*file);
    if (snapshot) {
      report.snapshot_sequence = snapshot->sequence;
      opened.recovered.snapshot = std::move(snapshot).value();
    } else {
      report.corrupt_snapshot = snapshot_path.string() + ": " + snapshot.error().message;
    }
  }

  std::unique_ptr<FileJournal> journal(new FileJournal(directory, options, std::move(lock).value()));
  for (const SegmentFile& segment : plan.keep) journal->segments_.push_back({segment.first_id, segment.path});
  if (!plan.keep.empty()) {
    journal->open_current_segment(plan.keep.back().valid_bytes);
    // What a crashed process left in the page cache is on disk only after this.
    if (syncs) {
      if (Status synced = detail::sync_file(journal->current_.get(), plan.keep.back().path); !synced) {
        return synced.error();
      }
    }
  }
  journal->last_appended_id_ = previous_id;
  journal->last_durable_id_ = previous_id;

  report.records = records.size();
  if (!records.empty()) {
    report.first_record_id = records.front().id;
    report.last_record_id = records.back().id;
  }
  report.segments = plan.keep.size();
  opened.journal = std::move(journal);
  return opened;
}

}  // namespace loyal::journal
