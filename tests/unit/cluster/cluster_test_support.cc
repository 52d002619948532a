#include "tests/unit/cluster/cluster_test_support.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <sstream>
#include <vector>

#include "crypto/encoding.h"

namespace loyal::cluster::testing_support {
namespace {

// Line numbers are part of the tests' expectations: edit with care.
constexpr std::string_view kValidCluster = R"(# a valid cluster for the tests
cluster_id = 42
protocol = "pbft"

[parameters]
checkpoint_interval = 128
window = 256

[[replica]]
id = 0
host = "127.0.0.1"
port = 7100
public_key = "@R0@"
exchange_public_key = "@X0@"

[[replica]]
id = 1
host = "127.0.0.1"
port = 7101
public_key = "@R1@"
exchange_public_key = "@X1@"

[[replica]]
id = 2
host = "127.0.0.1"
port = 7102
public_key = "@R2@"
exchange_public_key = "@X2@"

[[replica]]
id = 3
host = "127.0.0.1"
port = 7103
public_key = "@R3@"
exchange_public_key = "@X3@"

[[client]]
id = 0
public_key = "@C0@"
exchange_public_key = "@Y0@"

[[client]]
id = 1
public_key = "@C1@"
exchange_public_key = "@Y1@"
)";

// 32 bytes of `fill`: distinct and valid base64 keys, one per placeholder.
std::string key_with_fill(std::uint8_t fill) {
  std::array<std::uint8_t, 32> bytes;
  bytes.fill(fill);
  return crypto::to_base64(bytes);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

}  // namespace

std::string valid_cluster_text() {
  std::string text(kValidCluster);
  const auto substitute = [&](std::string placeholder, std::uint8_t fill) {
    const std::size_t at = text.find(placeholder);
    EXPECT_NE(at, std::string::npos) << placeholder;
    text.replace(at, placeholder.size(), key_with_fill(fill));
  };
  for (std::uint8_t i = 0; i < 4; ++i) {
    substitute("@R" + std::to_string(i) + "@", static_cast<std::uint8_t>(0x10 + i));
    substitute("@X" + std::to_string(i) + "@", static_cast<std::uint8_t>(0x20 + i));
  }
  for (std::uint8_t i = 0; i < 2; ++i) {
    substitute("@C" + std::to_string(i) + "@", static_cast<std::uint8_t>(0x30 + i));
    substitute("@Y" + std::to_string(i) + "@", static_cast<std::uint8_t>(0x40 + i));
  }
  return text;
}

std::string line_at(const std::string& text, std::size_t line) {
  const std::vector<std::string> lines = split_lines(text);
  EXPECT_LE(line, lines.size());
  return lines.at(line - 1);
}

std::string replace_line(const std::string& text, std::size_t line, std::string_view replacement) {
  std::vector<std::string> lines = split_lines(text);
  EXPECT_LE(line, lines.size());
  lines.at(line - 1) = std::string(replacement);
  return join_lines(lines);
}

std::string delete_lines(const std::string& text, std::size_t first, std::size_t last) {
  std::vector<std::string> lines = split_lines(text);
  EXPECT_LE(last, lines.size());
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(first - 1), lines.begin() + static_cast<std::ptrdiff_t>(last));
  return join_lines(lines);
}

std::string insert_line_before(const std::string& text, std::size_t line, std::string_view inserted) {
  std::vector<std::string> lines = split_lines(text);
  EXPECT_LE(line, lines.size() + 1);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(line - 1), std::string(inserted));
  return join_lines(lines);
}

ScratchDirectory::ScratchDirectory() {
  static std::atomic<int> counter{0};
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = std::string("loyal-cluster-") + (test ? test->name() : "test") + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(counter++);
  path_ = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace loyal::cluster::testing_support
