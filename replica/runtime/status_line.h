#pragma once
// The one-line status a replica process logs every --status-interval-ms, e.g.
//   replica 2 pbft: view 3, leader 0, executed 1234, stable checkpoint 1152, 5321 requests/s;
//   drops: decode.wrong_mode=3 transport.send_queue_full=2
// with ", 12 ticks skipped" before the drops once the replica thread has fallen behind its clock.
// Uses the mode's own word for the epoch (view, term, ballot).

#include <cstdint>
#include <map>
#include <string>

#include "common/ids.h"
#include "replica/runtime/replica_process.h"

namespace loyal::runtime {

struct StatusLineInput {
  ReplicaId self = 0;
  ProtocolMode mode = ProtocolMode::pbft;
  ProcessStatus status;
  double requests_per_second = 0;
  std::uint64_t ticks_skipped = 0;  // shown only when some were: a sign of an overloaded replica thread
  std::map<std::string, std::uint64_t> drops;  // by reason, every source merged
};

std::string format_status_line(const StatusLineInput& input);

// "view", "term" or "ballot".
std::string_view epoch_word(ProtocolMode mode);

}  // namespace loyal::runtime
