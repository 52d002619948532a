#pragma once
// When a journal forces its writes to stable storage.

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace loyal::journal {

enum class SyncPolicy : std::uint8_t {
  // fdatasync inside every append(): each record is durable before append() returns. Slowest;
  // for disks where a batch's latency matters less than never holding unsynced data.
  always,
  // fdatasync inside sync(): the pipeline appends a step's records and syncs once, so one flush
  // covers many records. The default, and what the protocols' persistence contract needs.
  batch,
  // Never fdatasync; sync() only hands the records to the operating system. A machine crash
  // loses acknowledged records, so a replica may break the protocol's promises: for benchmarks
  // that measure everything except the disk, never for a deployment.
  none,
};

// "always", "batch" or "none"; anything else is an Error naming the accepted words.
Result<SyncPolicy> parse_sync_policy(std::string_view text);
std::string_view to_string(SyncPolicy policy);

}  // namespace loyal::journal
