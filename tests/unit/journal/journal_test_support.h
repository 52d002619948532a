#pragma once
// Helpers shared by the journal tests: records with recognisable payloads, and a temporary
// directory per test that is removed when the test ends (pass or fail).

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "replica/protocol.h"

namespace loyal::journal::testing {

inline replica::PersistRecord make_record(std::uint64_t id, std::size_t payload_bytes = 16) {
  replica::PersistRecord record;
  record.id = id;
  record.type = static_cast<std::uint32_t>(id % 7);
  for (std::size_t i = 0; i < payload_bytes; ++i) record.payload.push_back(static_cast<std::uint8_t>(id * 31 + i));
  return record;
}

inline std::vector<std::uint64_t> ids_of(const std::vector<replica::PersistRecord>& records) {
  std::vector<std::uint64_t> ids;
  for (const replica::PersistRecord& record : records) ids.push_back(record.id);
  return ids;
}

inline std::vector<std::uint64_t> id_range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = first; id <= last; ++id) ids.push_back(id);
  return ids;
}

inline bool same_record(const replica::PersistRecord& a, const replica::PersistRecord& b) {
  return a.id == b.id && a.type == b.type && a.payload == b.payload;
}

// Unique per process and test, so parallel ctest runs never share a directory.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string test_name = test ? std::string(test->test_suite_name()) + "." + test->name() : "journal";
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("loyal-journal-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + test_name);
    std::filesystem::remove_all(path_);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace loyal::journal::testing
