#include "replica/journal/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/assert.h"

namespace loyal::journal::detail {

Error io_error(const char* call, const std::filesystem::path& path, int error_number) {
  return Error{std::string(call) + " " + path.string() + ": " + std::strerror(error_number)};
}

void assert_io(const Status& status) {
  if (status.ok()) return;
  const std::string message = "journal I/O failed, durability can no longer be promised: " + status.error().message;
  LOYAL_ASSERT(status.ok(), message.c_str());
}

Status write_all(int fd, ByteView data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return {};
}

Result<Bytes> read_whole_file(const std::filesystem::path& path) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return io_error("open", path, errno);
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) return io_error("fstat", path, errno);
  Bytes bytes(static_cast<std::size_t>(status.st_size));
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::read(file.get(), bytes.data() + filled, bytes.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (got == 0) break;  // shrank while we read; what we have is what the file holds
    filled += static_cast<std::size_t>(got);
  }
  bytes.resize(filled);
  return bytes;
}

Status sync_file(int fd, const std::filesystem::path& path) {
  if (::fdatasync(fd) != 0) return io_error("fdatasync", path, errno);
  return {};
}

Status sync_directory(const std::filesystem::path& directory) {
  FileDescriptor handle(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!handle.valid()) return io_error("open", directory, errno);
  if (::fsync(handle.get()) != 0) return io_error("fsync", directory, errno);
  return {};
}

Status truncate_file(const std::filesystem::path& path, std::uint64_t length) {
  FileDescriptor file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!file.valid()) return io_error("open", path, errno);
  if (::ftruncate(file.get(), static_cast<off_t>(length)) != 0) return io_error("ftruncate", path, errno);
  return sync_file(file.get(), path);
}

Status remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0) return io_error("unlink", path, errno);
  return {};
}

FileDescriptor::~FileDescriptor() { reset(); }

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

void FileDescriptor::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace loyal::journal::detail
