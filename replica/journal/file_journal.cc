#include "replica/journal/file_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "common/assert.h"
#include "replica/journal/record_codec.h"
#include "replica/journal/snapshot_file.h"

namespace loyal::journal {

namespace {
constexpr std::string_view kSegmentPrefix = "journal-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr std::size_t kSegmentIdDigits = 20;  // every uint64 fits; names sort like their ids
}  // namespace

FileJournal::FileJournal(std::filesystem::path directory, JournalOptions options, detail::FileDescriptor lock)
    : directory_(std::move(directory)), options_(options), lock_(std::move(lock)) {}

FileJournal::~FileJournal() {
  if (current_.valid()) write_buffer();
}

std::string FileJournal::segment_file_name(std::uint64_t first_record_id) {
  char digits[kSegmentIdDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_record_id));
  return std::string(kSegmentPrefix) + digits + std::string(kSegmentSuffix);
}

std::optional<std::uint64_t> FileJournal::parse_segment_file_name(const std::string& name) {
  if (name.size() != kSegmentPrefix.size() + kSegmentIdDigits + kSegmentSuffix.size()) return std::nullopt;
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) return std::nullopt;
  std::uint64_t id = 0;
  for (std::size_t i = kSegmentPrefix.size(); i < kSegmentPrefix.size() + kSegmentIdDigits; ++i) {
    const char digit = name[i];
    if (digit < '0' || digit > '9') return std::nullopt;
    const std::uint64_t value = static_cast<std::uint64_t>(digit - '0');
    if (id > (~std::uint64_t{0} - value) / 10) return std::nullopt;  // 20 digits can exceed uint64
    id = id * 10 + value;
  }
  return id;
}

std::vector<std::filesystem::path> FileJournal::segment_paths() const {
  std::vector<std::filesystem::path> paths;
  for (const Segment& segment : segments_) paths.push_back(segment.path);
  return paths;
}

void FileJournal::append(const replica::PersistRecord& record) {
  LOYAL_ASSERT(!last_appended_id_ || record.id == *last_appended_id_ + 1,
               "journal record ids must increase by one per record");
  if (!current_.valid() || current_bytes_ >= options_.segment_bytes) start_segment(record.id);
  const std::size_t before = write_buffer_.size();
  encode_record(record, write_buffer_);
  current_bytes_ += write_buffer_.size() - before;
  last_appended_id_ = record.id;
  if (options_.sync_policy == SyncPolicy::always) {
    write_buffer();
    make_written_durable();
    apply_pending_discard();
  } else if (write_buffer_.size() >= kWriteBufferBytes) {
    write_buffer();
  }
}

std::uint64_t FileJournal::sync() {
  write_buffer();
  make_written_durable();
  apply_pending_discard();
  return last_durable_id_.value_or(0);
}

void FileJournal::discard_before(std::uint64_t first_kept_id) {
  pending_discard_before_ = std::max(pending_discard_before_.value_or(0), first_kept_id);
  discard_waits_for_id_ = last_appended_id_;
  apply_pending_discard();
}

void FileJournal::save_snapshot(const replica::SavedSnapshot& snapshot) {
  const Bytes file = encode_snapshot_file(snapshot);
  const std::filesystem::path temporary = directory_ / "snapshot.tmp";
  const std::filesystem::path final_path = directory_ / "snapshot";
  detail::FileDescriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.valid()) detail::assert_io(detail::io_error("open", temporary, errno));
  detail::assert_io(detail::write_all(out.get(), file, temporary));
  if (syncs()) detail::assert_io(detail::sync_file(out.get(), temporary));
  out.reset();
  // rename() replaces atomically: a crash leaves the old snapshot or the new one, never a mix.
  if (::rename(temporary.c_str(), final_path.c_str()) != 0) {
    detail::assert_io(detail::io_error("rename", temporary, errno));
  }
  sync_directory();
}

void FileJournal::open_current_segment(std::uint64_t current_bytes) {
  const std::filesystem::path& path = segments_.back().path;
  current_ = detail::FileDescriptor(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!current_.valid()) detail::assert_io(detail::io_error("open", path, errno));
  current_bytes_ = current_bytes;
}

void FileJournal::start_segment(std::uint64_t first_id) {
  if (current_.valid()) {
    // A segment is complete and durable before the next one starts, so only the last segment can
    // ever hold a torn tail and discard_before() never deletes unsynced records.
    write_buffer();
    make_written_durable();
    current_.reset();
  }
  const std::filesystem::path path = directory_ / segment_file_name(first_id);
  current_ = detail::FileDescriptor(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (!current_.valid()) detail::assert_io(detail::io_error("create", path, errno));
  // The new file's directory entry must be durable before any record in it is called durable.
  sync_directory();
  segments_.push_back({first_id, path});
  current_bytes_ = 0;
}

void FileJournal::write_buffer() {
  if (write_buffer_.empty()) return;
  LOYAL_ASSERT(current_.valid(), "buffered journal records without a segment to write them to");
  detail::assert_io(detail::write_all(current_.get(), write_buffer_, segments_.back().path));
  write_buffer_.clear();
  unsynced_writes_ = true;
}

void FileJournal::make_written_durable() {
  LOYAL_ASSERT(write_buffer_.empty(), "records must be written before they are synced");
  if (unsynced_writes_ && syncs()) detail::assert_io(detail::sync_file(current_.get(), segments_.back().path));
  unsynced_writes_ = false;
  last_durable_id_ = last_appended_id_;
}

void FileJournal::apply_pending_discard() {
  if (!pending_discard_before_) return;
  if (discard_waits_for_id_ && (!last_durable_id_ || *last_durable_id_ < *discard_waits_for_id_)) return;
  // Oldest first, each deletion made durable before the next: a crash can then only leave a
  // prefix of the deletions undone, and the remaining segments stay contiguous.
  while (segments_.size() > 1 && segments_[1].first_id <= *pending_discard_before_) {
    detail::assert_io(detail::remove_file(segments_.front().path));
    sync_directory();
    segments_.pop_front();
  }
  pending_discard_before_.reset();
  discard_waits_for_id_.reset();
}

void FileJournal::sync_directory() {
  if (syncs()) detail::assert_io(detail::sync_directory(directory_));
}

}  // namespace loyal::journal
