#pragma once
// Who is who in a cluster, and which protocol it runs. Shared by the wire format, the cluster
// file and every mode.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loyal {

using ReplicaId = std::uint32_t;
using ClientId = std::uint32_t;

// The replication protocol a cluster runs. Values are part of the wire format: never renumber.
enum class ProtocolMode : std::uint8_t { pbft = 0, raft = 1, paxos = 2 };

std::string_view to_string(ProtocolMode mode);
std::optional<ProtocolMode> parse_protocol_mode(std::string_view name);

// Replicas and clients have separate id spaces (replica 0 and client 0 are different nodes).
// Values are part of the wire format: never renumber.
enum class NodeRole : std::uint8_t { replica = 0, client = 1 };

std::string_view to_string(NodeRole role);

struct NodeId {
  NodeRole role = NodeRole::replica;
  std::uint32_t index = 0;

  static constexpr NodeId replica(ReplicaId id) { return {NodeRole::replica, id}; }
  static constexpr NodeId client(ClientId id) { return {NodeRole::client, id}; }
  friend constexpr auto operator<=>(const NodeId&, const NodeId&) = default;
};

// "replica 2", "client 7": for logs and error messages.
std::string to_string(NodeId node);

}  // namespace loyal
