#pragma once
// Thin POSIX helpers for the FileJournal: whole writes and reads that retry on EINTR and short
// transfers, and fsync of a directory. Every failure comes back as an Error naming the call, the
// path and the errno text; the journal turns those into refusals while opening and into
// assertions afterwards (see file_journal.h). Internal to replica/journal.

#include <cstdint>
#include <filesystem>

#include "common/bytes.h"
#include "common/result.h"

namespace loyal::journal::detail {

Error io_error(const char* call, const std::filesystem::path& path, int error_number);

// After open, an I/O failure would make the journal lie about durability: stop the process.
void assert_io(const Status& status);

Status write_all(int fd, ByteView data, const std::filesystem::path& path);
Result<Bytes> read_whole_file(const std::filesystem::path& path);
Status sync_file(int fd, const std::filesystem::path& path);
// Makes creations, renames and deletions of entries in `directory` durable.
Status sync_directory(const std::filesystem::path& directory);
Status truncate_file(const std::filesystem::path& path, std::uint64_t length);
Status remove_file(const std::filesystem::path& path);

// An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

}  // namespace loyal::journal::detail
