#include "replica/runtime/status_line.h"

#include <cmath>

namespace loyal::runtime {

std::string_view epoch_word(ProtocolMode mode) {
  switch (mode) {
    case ProtocolMode::pbft: return "view";
    case ProtocolMode::raft: return "term";
    case ProtocolMode::paxos: return "ballot";
  }
  return "epoch";
}

std::string format_status_line(const StatusLineInput& input) {
  const replica::ProtocolStatus& protocol = input.status.protocol;
  std::string line = to_string(NodeId::replica(input.self)) + " " + std::string(to_string(input.mode)) + ": " +
                     std::string(epoch_word(input.mode)) + " " + std::to_string(protocol.epoch) + ", leader " +
                     (protocol.leader ? std::to_string(*protocol.leader) : std::string("none")) + ", executed " +
                     std::to_string(input.status.last_executed) + ", stable checkpoint " +
                     std::to_string(protocol.stable_checkpoint) + ", " +
                     std::to_string(std::llround(input.requests_per_second)) + " requests/s";
  if (input.ticks_skipped > 0) line += ", " + std::to_string(input.ticks_skipped) + " ticks skipped";
  line += "; drops:";
  if (input.drops.empty()) return line + " none";
  for (const auto& [reason, count] : input.drops) line += " " + reason + "=" + std::to_string(count);
  return line;
}

}  // namespace loyal::runtime
