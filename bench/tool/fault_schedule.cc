#include "bench/tool/fault_schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace loyal::bench {

namespace {

constexpr std::string_view kHelp =
    "crash:R@T, restart:R@T (data kept), restart-wiped:R@T (empty data directory), pause:R@T+D (SIGSTOP for D "
    "seconds), byzantine:R=MODE@T (restart with --byzantine MODE at T) or byzantine:R=MODE (from the start); "
    "R is a replica id, T and D are seconds since the load started";

Error spec_error(std::string_view spec, const std::string& why) {
  return Error{"--fault `" + std::string(spec) + "`: " + why + " (expected " + std::string(kHelp) + ")"};
}

Result<ReplicaId> parse_replica(std::string_view spec, std::string_view text) {
  ReplicaId value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return spec_error(spec, "`" + std::string(text) + "` is not a replica id");
  }
  return static_cast<ReplicaId>(value);
}

// from_chars for double is in GCC 12's libstdc++; the text must be a plain non-negative decimal.
Result<double> parse_seconds(std::string_view spec, std::string_view text, std::string_view what) {
  double value = 0;
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!plain || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return spec_error(spec, std::string(what) + " `" + std::string(text) + "` is not a number of seconds");
  }
  if (value > kMaxFaultTimeSeconds) {
    return spec_error(spec, std::string(what) + " " + std::string(text) + " s is more than a day");
  }
  return value;
}

Result<FaultKind> parse_kind(std::string_view spec, std::string_view text) {
  if (text == "crash") return FaultKind::crash;
  if (text == "restart") return FaultKind::restart;
  if (text == "restart-wiped") return FaultKind::restart_wiped;
  if (text == "pause") return FaultKind::pause;
  if (text == "byzantine") return FaultKind::byzantine;
  if (text == "partition") {
    return spec_error(spec, "partitions are not supported (they need root to change the network); use pause");
  }
  return spec_error(spec, "unknown fault kind `" + std::string(text) + "`");
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::crash: return "crash";
    case FaultKind::restart: return "restart";
    case FaultKind::restart_wiped: return "restart-wiped";
    case FaultKind::pause: return "pause";
    case FaultKind::byzantine: return "byzantine";
  }
  return "unknown";
}

std::string_view fault_spec_help() { return kHelp; }

Result<FaultSpec> parse_fault_spec(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return spec_error(text, "no `:` after the fault kind");
  auto kind = parse_kind(text, text.substr(0, colon));
  if (!kind) return kind.error();

  FaultSpec spec;
  spec.kind = *kind;
  spec.text = std::string(text);
  std::string_view rest = text.substr(colon + 1);
  const std::size_t at = rest.find('@');
  std::string_view target = rest.substr(0, at);
  std::optional<std::string_view> when;
  if (at != std::string_view::npos) when = rest.substr(at + 1);

  if (spec.kind == FaultKind::byzantine) {
    const std::size_t equals = target.find('=');
    if (equals == std::string_view::npos || equals + 1 == target.size()) {
      return spec_error(text, "a byzantine fault needs a mode: byzantine:R=MODE");
    }
    spec.byzantine_mode = std::string(target.substr(equals + 1));
    target = target.substr(0, equals);
  } else if (!when) {
    return spec_error(text, "no `@T`: when should it happen?");
  }
  auto replica = parse_replica(text, target);
  if (!replica) return replica.error();
  spec.replica = *replica;

  if (when) {
    std::string_view time_text = *when;
    if (spec.kind == FaultKind::pause) {
      const std::size_t plus = time_text.find('+');
      if (plus == std::string_view::npos) return spec_error(text, "a pause needs its duration: pause:R@T+D");
      auto duration = parse_seconds(text, time_text.substr(plus + 1), "duration");
      if (!duration) return duration.error();
      if (*duration <= 0) return spec_error(text, "the pause duration must be more than 0 seconds");
      spec.pause_duration_s = *duration;
      time_text = time_text.substr(0, plus);
    }
    auto time = parse_seconds(text, time_text, "time");
    if (!time) return time.error();
    spec.time_s = *time;
  }
  return spec;
}

Result<std::vector<FaultSpec>> parse_fault_schedule(const std::vector<std::string>& texts,
                                                    std::uint32_t replica_count) {
  if (texts.size() > kMaxScheduledFaults) {
    return Error{"at most " + std::to_string(kMaxScheduledFaults) + " --fault flags, not " +
                 std::to_string(texts.size())};
  }
  std::vector<FaultSpec> schedule;
  for (const std::string& text : texts) {
    auto spec = parse_fault_spec(text);
    if (!spec) return spec.error();
    if (spec->replica >= replica_count) {
      return Error{"--fault `" + text + "`: the cluster has replicas 0 to " + std::to_string(replica_count - 1) +
                   ", not " + std::to_string(spec->replica)};
    }
    schedule.push_back(std::move(*spec));
  }
  std::stable_sort(schedule.begin(), schedule.end(), [](const FaultSpec& a, const FaultSpec& b) {
    return a.time_s.value_or(-1.0) < b.time_s.value_or(-1.0);
  });
  return schedule;
}

}  // namespace loyal::bench
