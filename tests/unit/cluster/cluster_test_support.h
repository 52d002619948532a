#pragma once
// Helpers shared by the cluster tests: a valid cluster file whose line numbers the tests name,
// line edits that break it in one place, and a scratch directory that cleans up after itself.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace loyal::cluster::testing_support {

// A valid pbft cluster: replica i's [[replica]] header is on line 9 + 7i, client j's [[client]]
// header on line 37 + 5j. See valid_cluster_text() for the lines in between.
std::string valid_cluster_text();

// 1-based line access and edits; a line past the end is a bug in the test.
std::string line_at(const std::string& text, std::size_t line);
std::string replace_line(const std::string& text, std::size_t line, std::string_view replacement);
std::string delete_lines(const std::string& text, std::size_t first, std::size_t last);
std::string insert_line_before(const std::string& text, std::size_t line, std::string_view inserted);

// A fresh directory under testing::TempDir(), removed with everything in it on destruction.
class ScratchDirectory {
 public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace loyal::cluster::testing_support
