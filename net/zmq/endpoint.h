#pragma once
// ZeroMQ TCP endpoint strings for PeerAddresses. ZeroMQ connects to host names but binds only to
// IP addresses, interface names or "*"; a replica whose cluster-file address is a host name (a
// docker-compose service name, say) must bind to what that name resolves to.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "net/transport.h"

namespace loyal::net {

bool is_ipv6_literal(const std::string& host);

// "tcp://10.0.0.1:7000", "tcp://[::1]:7000"; with any_port, "tcp://10.0.0.1:*" (ephemeral port).
std::string tcp_endpoint(const PeerAddress& address, bool any_port = false);

// The address to bind for `address`: unchanged for IP literals and "*", otherwise the host name
// resolved (once, now; blocking on DNS) to its first IPv4 address, or its first IPv6 address if it
// has none. Error in plain words if it cannot be resolved.
Result<PeerAddress> bindable_address(const PeerAddress& address);

// "tcp://127.0.0.1:54321" -> 54321; 0 when the endpoint has no port.
std::uint16_t port_of_endpoint(const std::string& endpoint);

}  // namespace loyal::net
