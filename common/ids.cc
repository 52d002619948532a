#include "common/ids.h"

namespace loyal {

std::string_view to_string(ProtocolMode mode) {
  switch (mode) {
    case ProtocolMode::pbft: return "pbft";
    case ProtocolMode::raft: return "raft";
    case ProtocolMode::paxos: return "paxos";
  }
  return "unknown";
}

std::optional<ProtocolMode> parse_protocol_mode(std::string_view name) {
  if (name == "pbft") return ProtocolMode::pbft;
  if (name == "raft") return ProtocolMode::raft;
  if (name == "paxos") return ProtocolMode::paxos;
  return std::nullopt;
}

std::string_view to_string(NodeRole role) {
  switch (role) {
    case NodeRole::replica: return "replica";
    case NodeRole::client: return "client";
  }
  return "unknown";
}

std::string to_string(NodeId node) {
  return std::string(to_string(node.role)) + " " + std::to_string(node.index);
}

}  // namespace loyal
