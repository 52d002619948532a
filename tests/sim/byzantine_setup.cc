#include "tests/sim/byzantine_setup.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/assert.h"
#include "pbft/byzantine/byzantine_policy.h"

namespace loyal::sim {

namespace {

bool known_mode(std::string_view name) {
  const std::vector<std::string_view> names = pbft::byzantine_mode_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<ReplicaId> parse_id(std::string_view text) {
  ReplicaId value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string mode_list() {
  std::string list;
  for (std::string_view name : pbft::byzantine_mode_names()) list += (list.empty() ? "" : ", ") + std::string(name);
  return list;
}

}  // namespace

std::variant<ByzantineSpec, std::string> parse_byzantine_spec(std::string_view text) {
  ByzantineSpec spec;
  if (text == "random") {
    spec.random = true;
    return spec;
  }
  if (text.empty() || text == "none") return spec;
  for (bool more = true; more;) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) text = text.substr(comma + 1);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return "--byzantine takes `random` or REPLICA=MODE[,...], not `" + std::string(item) + "`";
    }
    const std::optional<ReplicaId> id = parse_id(item.substr(0, equals));
    if (!id) return "--byzantine: `" + std::string(item.substr(0, equals)) + "` is not a replica id";
    const std::string_view mode = item.substr(equals + 1);
    if (!known_mode(mode)) return "--byzantine: unknown mode `" + std::string(mode) + "`; the modes are " + mode_list();
    spec.replicas.push_back({*id, std::string(mode)});
  }
  return spec;
}

std::string to_string(const std::vector<ByzantineReplica>& replicas) {
  std::string text;
  for (const ByzantineReplica& faulty : replicas) {
    text += (text.empty() ? "" : ",") + std::to_string(faulty.replica) + "=" + faulty.mode;
  }
  return text;
}

std::string to_string(const ByzantineSpec& spec) { return spec.random ? "random" : to_string(spec.replicas); }

std::optional<std::string> check_byzantine(const ByzantineSpec& spec, std::uint32_t replica_count,
                                           std::uint32_t max_faulty) {
  std::set<ReplicaId> seen;
  for (const ByzantineReplica& faulty : spec.replicas) {
    if (faulty.replica >= replica_count) {
      return "Byzantine replica " + std::to_string(faulty.replica) + " does not exist: replicas are 0 to " +
             std::to_string(replica_count - 1);
    }
    if (!seen.insert(faulty.replica).second) {
      return "replica " + std::to_string(faulty.replica) + " is named twice in --byzantine";
    }
    if (!known_mode(faulty.mode)) return "unknown Byzantine mode `" + faulty.mode + "`; the modes are " + mode_list();
  }
  if (spec.replicas.size() > max_faulty) {
    return std::to_string(spec.replicas.size()) + " Byzantine replicas, but " + std::to_string(replica_count) +
           " replicas tolerate only f = " + std::to_string(max_faulty);
  }
  return std::nullopt;
}

std::vector<ByzantineReplica> choose_byzantine(const ByzantineSpec& spec, std::uint32_t replica_count,
                                               std::uint32_t max_faulty, Prng& prng) {
  std::vector<ByzantineReplica> chosen = spec.replicas;
  if (spec.random && max_faulty > 0) {
    std::vector<ReplicaId> candidates;
    for (ReplicaId r = 0; r < replica_count; ++r) candidates.push_back(r);
    const std::vector<std::string_view> modes = pbft::byzantine_mode_names();
    const std::uint64_t count = prng.between(1, max_faulty);
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto pick = static_cast<std::ptrdiff_t>(prng.below(candidates.size()));
      const std::string_view mode = modes[prng.below(modes.size())];
      chosen.push_back({candidates[static_cast<std::size_t>(pick)], std::string(mode)});
      candidates.erase(candidates.begin() + pick);
    }
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const ByzantineReplica& a, const ByzantineReplica& b) { return a.replica < b.replica; });
  return chosen;
}

std::unique_ptr<replica::ByzantinePolicy> make_sim_policy(const ByzantineReplica& faulty, std::uint32_t replica_count,
                                                          std::uint64_t run_seed) {
  Prng seeds(run_seed ^ (0xb12a'0000'0000'0000ULL + faulty.replica));
  pbft::ByzantineContext context;
  context.self = faulty.replica;
  context.replica_count = replica_count;
  context.seed = seeds.next();
  std::unique_ptr<replica::ByzantinePolicy> policy = pbft::make_byzantine_policy(faulty.mode, context);
  LOYAL_ASSERT(policy != nullptr, "Byzantine modes are checked before a run starts");
  return policy;
}

}  // namespace loyal::sim
