// Step 1 of the loader: each key of the TOML document on its own (see cluster_file.h).

#include <algorithm>
#include <array>
#include <limits>
#include <span>

#include "cluster/cluster_file.h"
#include "cluster/cluster_rules.h"
#include "crypto/encoding.h"

namespace loyal::cluster {
namespace {

constexpr std::array<std::string_view, 5> kTopLevelKeys = {"cluster_id", "protocol", "parameters", "replica",
                                                           "client"};
constexpr std::array<std::string_view, 5> kReplicaKeys = {"id", "host", "port", "public_key",
                                                          "exchange_public_key"};
constexpr std::array<std::string_view, 3> kClientKeys = {"id", "public_key", "exchange_public_key"};

std::uint32_t line_of(const toml::node& node) {
  const std::uint32_t line = node.source().begin.line;
  return line == 0 ? FileLines::kTop : line;
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "an unknown type";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

// A hint for an unknown key: the known key it is a typo of (close in edit distance) or a
// truncation of (a prefix), if there is one.
std::string did_you_mean(std::string_view key, std::span<const std::string_view> known) {
  constexpr std::size_t kMaxTypoDistance = 2;
  constexpr std::size_t kMinPrefixLength = 3;
  for (const std::string_view candidate : known) {
    if (edit_distance(key, candidate) <= kMaxTypoDistance ||
        (key.size() >= kMinPrefixLength && candidate.starts_with(key))) {
      return "; did you mean \"" + std::string(candidate) + "\"?";
    }
  }
  return "";
}

std::vector<std::string_view> parameter_names() {
  std::vector<std::string_view> names = {kClientAuthKey};
  for (const NumericParameter& parameter : numeric_parameters()) names.push_back(parameter.name);
  return names;
}

std::string with_label(std::string_view label, std::string message) {
  return label.empty() ? message : std::string(label) + ": " + message;
}

// Reads one document into a FileCluster, reporting each problem with the line it is on. `label`
// arguments name what a key belongs to in messages ("replica 3"), empty for the top level.
class DocumentReader {
 public:
  explicit DocumentReader(ProblemList& problems) : problems_(problems) {}

  FileCluster read(const toml::table& document) {
    FileCluster cluster;
    reject_unknown_keys(document, kTopLevelKeys, "at the top level");
    if (const toml::node* id = require(document, "cluster_id", "")) {
      if (const auto value = integer(*id, "cluster_id", "", std::numeric_limits<std::int64_t>::min(),
                                     std::numeric_limits<std::int64_t>::max())) {
        if (*value <= 0) {
          problems_.add(line_of(*id), "cluster_id must be positive, found " + std::to_string(*value));
        } else {
          cluster.config.cluster_id = static_cast<std::uint64_t>(*value);
        }
      }
    }
    if (const toml::node* protocol = require(document, "protocol", "")) {
      if (const auto name = string(*protocol, "protocol", "")) {
        if (const auto mode = parse_protocol_mode(*name)) {
          cluster.config.protocol = *mode;
        } else {
          problems_.add(line_of(*protocol),
                        "protocol \"" + *name + "\" is unknown; expected pbft, raft or paxos");
        }
      }
    }
    if (const toml::node* parameters = document.get("parameters")) read_parameters(*parameters, cluster);
    if (const toml::array* replicas = entries(document, "replica")) {
      if (!replicas->empty()) cluster.lines.first_replica = line_of(*replicas);
      for (const toml::node& entry : *replicas) read_replica(entry, cluster);
    }
    if (const toml::array* clients = entries(document, "client")) {
      if (!clients->empty()) cluster.lines.first_client = line_of(*clients);
      for (const toml::node& entry : *clients) read_client(entry, cluster);
    }
    return cluster;
  }

 private:
  // For every table but [parameters]: a parameter there was most likely meant for [parameters].
  void reject_unknown_keys(const toml::table& table, std::span<const std::string_view> known,
                           std::string_view where) {
    for (auto&& [key, value] : table) {
      const std::string_view name = key.str();
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      const bool is_parameter = name == kClientAuthKey || find_numeric_parameter(name) != nullptr;
      problems_.add(line_of(value), "unknown key \"" + std::string(name) + "\" " + std::string(where) +
                                        (is_parameter ? "; parameters belong under [parameters]"
                                                      : did_you_mean(name, known)));
    }
  }

  const toml::node* require(const toml::table& table, std::string_view key, std::string_view label) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      problems_.add(line_of(table), label.empty() ? std::string(key) + " is missing"
                                                  : std::string(label) + " has no " + std::string(key));
    }
    return node;
  }

  std::optional<std::int64_t> integer(const toml::node& node, std::string_view key, std::string_view label,
                                      std::int64_t min, std::int64_t max) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      problems_.add(line_of(node), with_label(label, std::string(key) + " must be an integer, found " +
                                                         std::string(type_name(node))));
      return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
      problems_.add(line_of(node), with_label(label, std::string(key) + " " + std::to_string(value->get()) +
                                                         " is out of range (" + std::to_string(min) + "-" +
                                                         std::to_string(max) + ")"));
      return std::nullopt;
    }
    return value->get();
  }

  std::optional<std::string> string(const toml::node& node, std::string_view key, std::string_view label) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      problems_.add(line_of(node), with_label(label, std::string(key) + " must be a string, found " +
                                                         std::string(type_name(node))));
      return std::nullopt;
    }
    return value->get();
  }

  // A base64 key of exactly Key::kSize bytes.
  template <typename Key>
  std::optional<Key> key(const toml::table& table, std::string_view name, std::string_view label,
                         std::string_view kind) {
    const toml::node* node = require(table, name, label);
    if (node == nullptr) return std::nullopt;
    const auto text = string(*node, name, label);
    if (!text) return std::nullopt;
    Key key;
    if (!crypto::from_base64(*text, key.bytes)) {
      problems_.add(line_of(*node), with_label(label, std::string(name) + " is not a base64-encoded " +
                                                          std::string(kind) + " (" +
                                                          std::to_string(Key::kSize) + " bytes)"));
      return std::nullopt;
    }
    return key;
  }

  // The array of [[name]] tables, or null when it is absent or malformed (reported).
  const toml::array* entries(const toml::table& document, std::string_view name) {
    const toml::node* node = document.get(name);
    if (node == nullptr) return nullptr;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      problems_.add(line_of(*node), std::string(name) + " must be an array of tables: write [[" +
                                        std::string(name) + "]] above each " + std::string(name));
    }
    return array;
  }

  const toml::table* entry_table(const toml::node& entry, std::string_view name) {
    const toml::table* table = entry.as_table();
    if (table == nullptr) {
      problems_.add(line_of(entry), "each " + std::string(name) + " must be a table, found " +
                                        std::string(type_name(entry)));
      return nullptr;
    }
    reject_unknown_keys(*table, name == "replica" ? std::span<const std::string_view>(kReplicaKeys)
                                                  : std::span<const std::string_view>(kClientKeys),
                        "in [[" + std::string(name) + "]]");
    return table;
  }

  void read_parameters(const toml::node& node, FileCluster& cluster) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      problems_.add(line_of(node), "parameters must be a table: write [parameters] above its keys");
      return;
    }
    cluster.lines.parameters_table = line_of(*table);
    Parameters& parameters = cluster.config.parameters;
    for (auto&& [key, value] : *table) {
      const std::string_view name = key.str();
      if (name == kClientAuthKey) {
        cluster.lines.parameter_keys[std::string(name)] = line_of(value);
        if (const auto text = string(value, name, "")) {
          if (const auto auth = parse_client_auth(*text)) {
            parameters.client_auth = *auth;
          } else {
            problems_.add(line_of(value), "client_auth \"" + *text + "\" is unknown; expected signature or mac");
          }
        }
      } else if (const NumericParameter* spec = find_numeric_parameter(name)) {
        cluster.lines.parameter_keys[std::string(name)] = line_of(value);
        if (const auto number = integer(value, name, "", spec->min, spec->max)) {
          parameters.*spec->field = static_cast<std::uint32_t>(*number);
        }
      } else {
        const std::vector<std::string_view> known = parameter_names();
        problems_.add(line_of(value), "unknown key \"" + std::string(name) + "\" in [parameters]" +
                                          did_you_mean(name, known));
      }
    }
  }

  void read_replica(const toml::node& entry, FileCluster& cluster) {
    const toml::table* table = entry_table(entry, "replica");
    if (table == nullptr) return;
    const auto id = id_of(*table, "[[replica]] entry", kMaxReplicas);
    const std::string label = id ? "replica " + std::to_string(*id) : "[[replica]] entry";
    const auto host = host_of(*table, label);
    const auto port = port_of(*table, label);
    const auto public_key = key<crypto::PublicKey>(*table, "public_key", label, "Ed25519 public key");
    const auto exchange_key =
        key<crypto::ExchangePublicKey>(*table, "exchange_public_key", label, "X25519 public key");
    if (!id || !host || !port || !public_key || !exchange_key) return;
    cluster.config.replicas.push_back({*id, *host, *port, *public_key, *exchange_key});
    cluster.lines.replicas.push_back(line_of(*table));
  }

  std::optional<std::string> host_of(const toml::table& table, std::string_view label) {
    const toml::node* node = require(table, "host", label);
    if (node == nullptr) return std::nullopt;
    auto host = string(*node, "host", label);
    if (!host) return std::nullopt;
    if (const auto problem = check_host(*host)) {
      problems_.add(line_of(*node), with_label(label, *problem));
      return std::nullopt;
    }
    return host;
  }

  std::optional<std::uint16_t> port_of(const toml::table& table, std::string_view label) {
    const toml::node* node = require(table, "port", label);
    if (node == nullptr) return std::nullopt;
    const auto port = integer(*node, "port", label, 1, std::numeric_limits<std::uint16_t>::max());
    if (!port) return std::nullopt;
    return static_cast<std::uint16_t>(*port);
  }

  void read_client(const toml::node& entry, FileCluster& cluster) {
    const toml::table* table = entry_table(entry, "client");
    if (table == nullptr) return;
    const auto id = id_of(*table, "[[client]] entry", kMaxClients);
    const std::string label = id ? "client " + std::to_string(*id) : "[[client]] entry";
    const auto public_key = key<crypto::PublicKey>(*table, "public_key", label, "Ed25519 public key");
    const auto exchange_key =
        key<crypto::ExchangePublicKey>(*table, "exchange_public_key", label, "X25519 public key");
    if (!id || !public_key || !exchange_key) return;
    cluster.config.clients.push_back({*id, *public_key, *exchange_key});
    cluster.lines.clients.push_back(line_of(*table));
  }

  std::optional<std::uint32_t> id_of(const toml::table& table, std::string_view label, std::uint32_t limit) {
    const toml::node* node = require(table, "id", label);
    if (node == nullptr) return std::nullopt;
    const auto id = integer(*node, "id", label, 0, limit - 1);
    if (!id) return std::nullopt;
    return static_cast<std::uint32_t>(*id);
  }

  ProblemList& problems_;
};

}  // namespace

FileCluster read_cluster_document(const toml::table& document, ProblemList& problems) {
  return DocumentReader(problems).read(document);
}

}  // namespace loyal::cluster
