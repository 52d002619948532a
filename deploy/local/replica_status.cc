#include "deploy/local/replica_status.h"

#include <charconv>
#include <fstream>
#include <vector>

namespace loyal::local {
namespace {

// Reads an unsigned decimal at the front of `text` and moves past it.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

bool take_epoch_word(std::string_view& text) {
  for (std::string_view word : {"view ", "term ", "ballot "}) {
    if (take_prefix(text, word)) return true;
  }
  return false;
}

// "a=3 b=2" or "none".
std::optional<std::map<std::string, std::uint64_t>> parse_drops(std::string_view text) {
  std::map<std::string, std::uint64_t> drops;
  while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text == "none") return drops;
  while (!text.empty()) {
    const std::size_t end = text.find(' ');
    std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const std::size_t equals = item.rfind('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view count_text = item.substr(equals + 1);
    const auto count = take_number(count_text);
    if (!count || !count_text.empty()) return std::nullopt;
    drops[std::string(item.substr(0, equals))] = *count;
  }
  return drops;
}

// The text after the last start marker within the file's last `max_bytes`.
std::string current_run_tail(const std::filesystem::path& log_file, std::size_t max_bytes) {
  std::ifstream file(log_file, std::ios::binary | std::ios::ate);
  if (!file) return {};
  const std::streamoff size = file.tellg();
  const std::streamoff start =
      size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  file.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(file.gcount()));
  const std::size_t marker = text.rfind(kStartMarker);
  if (marker != std::string::npos) text.erase(0, marker);
  return text;
}

}  // namespace

std::uint64_t ReplicaStatus::total_drops() const { return drops_with_prefix(""); }

std::uint64_t ReplicaStatus::drops_with_prefix(std::string_view prefix) const {
  std::uint64_t total = 0;
  for (const auto& [reason, count] : drops) {
    if (std::string_view(reason).substr(0, prefix.size()) == prefix) total += count;
  }
  return total;
}

std::optional<ReplicaStatus> parse_status_line(std::string_view line) {
  ReplicaStatus status;
  status.line = std::string(line);
  // The logger's prefix (time, level) comes before "replica N MODE: ".
  const std::size_t start = line.find("replica ");
  if (start == std::string_view::npos) return std::nullopt;
  std::string_view text = line.substr(start + std::string_view("replica ").size());
  const auto replica = take_number(text);
  if (!replica || !take_prefix(text, " ")) return std::nullopt;
  status.replica = static_cast<ReplicaId>(*replica);
  const std::size_t colon = text.find(": ");
  if (colon == std::string_view::npos || !parse_protocol_mode(text.substr(0, colon))) return std::nullopt;
  text.remove_prefix(colon + 2);
  if (!take_epoch_word(text)) return std::nullopt;
  const auto epoch = take_number(text);
  if (!epoch || !take_prefix(text, ", leader ")) return std::nullopt;
  status.epoch = *epoch;
  if (!take_prefix(text, "none")) {
    const auto leader = take_number(text);
    if (!leader) return std::nullopt;
    status.leader = static_cast<ReplicaId>(*leader);
  }
  if (!take_prefix(text, ", executed ")) return std::nullopt;
  const auto executed = take_number(text);
  if (!executed || !take_prefix(text, ", stable checkpoint ")) return std::nullopt;
  status.executed = *executed;
  const auto checkpoint = take_number(text);
  if (!checkpoint) return std::nullopt;
  status.stable_checkpoint = *checkpoint;
  const std::size_t drops_start = text.find("; drops: ");
  if (drops_start == std::string_view::npos) return std::nullopt;
  auto drops = parse_drops(text.substr(drops_start + std::string_view("; drops: ").size()));
  if (!drops) return std::nullopt;
  status.drops = std::move(*drops);
  return status;
}

std::optional<ReplicaStatus> latest_status_in_log(const std::filesystem::path& log_file) {
  const std::string text = current_run_tail(log_file, kStatusTailBytes);
  // Only complete lines: the replica may be half-way through writing the last one.
  std::size_t end = text.rfind('\n');
  while (end != std::string::npos && end > 0) {
    const std::size_t previous = text.rfind('\n', end - 1);
    const std::size_t begin = previous == std::string::npos ? 0 : previous + 1;
    if (auto status = parse_status_line(std::string_view(text).substr(begin, end - begin))) return status;
    if (previous == std::string::npos) break;
    end = previous;
  }
  return std::nullopt;
}

std::string log_tail(const std::filesystem::path& log_file, std::size_t lines) {
  const std::string text = current_run_tail(log_file, kStatusTailBytes);
  std::vector<std::string_view> all;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    all.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  std::string tail;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    tail += std::string(all[i]) + "\n";
  }
  return tail;
}

}  // namespace loyal::local
