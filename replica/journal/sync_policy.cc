#include "replica/journal/sync_policy.h"

#include <string>

namespace loyal::journal {

Result<SyncPolicy> parse_sync_policy(std::string_view text) {
  if (text == "always") return SyncPolicy::always;
  if (text == "batch") return SyncPolicy::batch;
  if (text == "none") return SyncPolicy::none;
  return Error{"unknown journal sync policy '" + std::string(text) + "' (expected always, batch or none)"};
}

std::string_view to_string(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::always: return "always";
    case SyncPolicy::batch: return "batch";
    case SyncPolicy::none: return "none";
  }
  return "unknown";
}

}  // namespace loyal::journal
