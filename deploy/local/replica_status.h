#pragma once
// A replica's status line (replica/runtime/status_line.h) read back from its log:
//   ... replica 2 pbft: view 3, leader 0, executed 1234, stable checkpoint 1152, 5321 requests/s;
//   drops: decode.wrong_mode=3 transport.send_queue_full=2
// The launcher, the integration tests and loyal-bench observe replicas this way: from outside the
// process, exactly as an operator would.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/ids.h"

namespace loyal::local {

struct ReplicaStatus {
  ReplicaId replica = 0;
  std::uint64_t epoch = 0;  // view (pbft), term (raft) or ballot (paxos)
  std::optional<ReplicaId> leader;
  std::uint64_t executed = 0;           // last executed sequence number
  std::uint64_t stable_checkpoint = 0;  // pbft: stable; raft/paxos: the local snapshot
  std::map<std::string, std::uint64_t> drops;  // by reason, since the process started
  std::string line;                            // the whole line, as logged

  std::uint64_t total_drops() const;
  // Drops whose reason starts with `prefix` ("decode.").
  std::uint64_t drops_with_prefix(std::string_view prefix) const;
};

// The status in one log line, or nullopt when the line is not a status line.
std::optional<ReplicaStatus> parse_status_line(std::string_view line);

// The line the launcher writes into a replica's log before each start, so that a status read
// after a restart never comes from the previous run.
inline constexpr std::string_view kStartMarker = "==== loyal-cluster: starting replica";

// The last status line in `log_file` after the last start marker (nullopt when there is none).
// Reads only the file's tail (kStatusTailBytes), so polling a long log stays cheap.
inline constexpr std::size_t kStatusTailBytes = 64 * 1024;
std::optional<ReplicaStatus> latest_status_in_log(const std::filesystem::path& log_file);

// The log's last `lines` lines after the last start marker, for error messages.
std::string log_tail(const std::filesystem::path& log_file, std::size_t lines);

}  // namespace loyal::local
