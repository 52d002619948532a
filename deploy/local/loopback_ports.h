#pragma once
// Free TCP ports on the loopback interface for a local cluster's replicas. The ports are found by
// binding port 0 (the kernel picks an unused one) with every socket held open until all are
// chosen, so the ports are distinct; they are released before returning, and the replicas bind
// them moments later. Another program could take one in between: the replica then fails to start
// with "Address already in use", which the launcher reports.

#include <cstdint>
#include <vector>

#include "common/result.h"

namespace loyal::local {

// At most this many ports at once: one per replica (cluster::kMaxReplicas).
inline constexpr std::uint32_t kMaxPortsPerRequest = 128;

Result<std::vector<std::uint16_t>> find_free_loopback_ports(std::uint32_t count);

}  // namespace loyal::local
