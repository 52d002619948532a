#include "bench/tool/bench_options.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "cluster/cluster_rules.h"

namespace loyal::bench {

namespace {

Result<std::uint32_t> parse_percent(std::string_view text, std::string_view mix) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > 100) {
    return Error{"--mix `" + std::string(mix) + "`: `" + std::string(text) + "` is not a percentage (0 to 100)"};
  }
  return value;
}

}  // namespace

Status apply_parameter(std::string_view text, cluster::Parameters& parameters) {
  const std::size_t equals = text.find('=');
  const std::string_view name = text.substr(0, equals);
  const cluster::NumericParameter* parameter = cluster::find_numeric_parameter(name);
  if (equals == std::string_view::npos || parameter == nullptr) {
    std::string names;
    for (const cluster::NumericParameter& known : cluster::numeric_parameters()) {
      names += (names.empty() ? "" : ", ") + std::string(known.name);
    }
    return Error{"--param `" + std::string(text) + "`: expected NAME=VALUE with NAME one of " + names};
  }
  const std::string_view value_text = text.substr(equals + 1);
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
  if (error != std::errc() || end != value_text.data() + value_text.size() || value < parameter->min ||
      value > parameter->max) {
    return Error{"--param `" + std::string(text) + "`: " + std::string(name) + " must be a whole number from " +
                 std::to_string(parameter->min) + " to " + std::to_string(parameter->max) + " (" +
                 std::string(parameter->comment) + ")"};
  }
  parameters.*(parameter->field) = value;
  return {};
}

Result<std::uint32_t> parse_mix(std::string_view text) {
  std::optional<std::uint32_t> put;
  std::optional<std::uint32_t> get;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t equals = part.find('=');
    if (equals == std::string_view::npos) {
      return Error{"--mix `" + std::string(text) + "`: expected put=P,get=G (percentages adding to 100)"};
    }
    const std::string_view name = part.substr(0, equals);
    auto percent = parse_percent(part.substr(equals + 1), text);
    if (!percent) return percent.error();
    if (name != "put" && name != "get") {
      return Error{"--mix `" + std::string(text) + "`: unknown operation `" + std::string(name) +
                   "` (put and get are supported)"};
    }
    std::optional<std::uint32_t>& slot = name == "put" ? put : get;
    if (slot) return Error{"--mix `" + std::string(text) + "`: `" + std::string(name) + "` given twice"};
    slot = *percent;
  }
  if (!put && !get) return Error{"--mix is empty: expected put=P,get=G"};
  if (put && get && *put + *get != 100) {
    return Error{"--mix `" + std::string(text) + "`: the shares add to " + std::to_string(*put + *get) +
                 ", not 100"};
  }
  return put ? *put : 100 - *get;
}

Result<std::vector<std::string>> parse_protocol_list(std::string_view text) {
  std::vector<std::string> protocols;
  std::string_view rest = text;
  do {
    const std::size_t comma = rest.find(',');
    const std::string name(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (name != "pbft" && name != "raft" && name != "paxos" && name != kUnreplicated) {
      return Error{"--protocol: `" + name + "` is not one of pbft, raft, paxos, unreplicated"};
    }
    if (std::find(protocols.begin(), protocols.end(), name) != protocols.end()) {
      return Error{"--protocol: `" + name + "` is listed twice"};
    }
    protocols.push_back(name);
  } while (!rest.empty());
  return protocols;
}

std::uint32_t replicas_for(std::string_view protocol, std::uint32_t f) {
  if (protocol == "pbft") return 3 * f + 1;
  if (protocol == kUnreplicated) return 1;
  return 2 * f + 1;
}

}  // namespace loyal::bench
