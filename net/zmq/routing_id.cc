#include "net/zmq/routing_id.h"

#include <charconv>
#include <cstdint>

namespace loyal::net {

std::string routing_id_for(NodeId node) {
  // Never starts with a zero byte: ZeroMQ reserves those ids for the ones it generates itself.
  const char role_letter = node.role == NodeRole::replica ? 'r' : 'c';
  return role_letter + std::to_string(node.index);
}

std::optional<NodeId> parse_routing_id(std::string_view routing_id) {
  if (routing_id.size() < 2 || routing_id.size() > kMaxRoutingIdBytes) return std::nullopt;
  NodeRole role;
  switch (routing_id.front()) {
    case 'r': role = NodeRole::replica; break;
    case 'c': role = NodeRole::client; break;
    default: return std::nullopt;
  }
  const std::string_view digits = routing_id.substr(1);
  // One spelling per node: "r03" is not replica 3.
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  std::uint32_t index = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return NodeId{role, index};
}

}  // namespace loyal::net
