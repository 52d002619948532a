#pragma once
// The ZeroMQ routing id a node presents when it connects: "r3" for replica 3, "c17" for client 17.
// A replica's ROUTER addresses a client's connection by this id, so it must be stable across a
// client's reconnects and distinct for every node. It is never trusted as the frame's origin: the
// envelope inside names the sender and its authenticator proves it.

#include <optional>
#include <string>
#include <string_view>

#include "common/ids.h"

namespace loyal::net {

// Longest routing id we produce: a role letter and up to 10 decimal digits of a uint32.
inline constexpr std::size_t kMaxRoutingIdBytes = 11;

std::string routing_id_for(NodeId node);

// The inverse, for logs and tests; nullopt for anything routing_id_for() cannot produce.
std::optional<NodeId> parse_routing_id(std::string_view routing_id);

}  // namespace loyal::net
