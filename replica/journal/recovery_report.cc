#include "replica/journal/recovery_report.h"

namespace loyal::journal {

namespace {
std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}
}  // namespace

std::string RecoveryReport::describe() const {
  std::string text = "recovered " + std::to_string(records) + " records";
  if (first_record_id && last_record_id) {
    text += " (ids " + std::to_string(*first_record_id) + ".." + std::to_string(*last_record_id) + ")";
  }
  if (segments > 0) text += " from " + std::to_string(segments) + (segments == 1 ? " segment" : " segments");
  text += snapshot_sequence ? ", snapshot at sequence " + std::to_string(*snapshot_sequence) : ", no snapshot";
  if (damaged_tail) {
    text += damaged_tail->crash_like ? "; torn tail in " : "; CORRUPT record in ";
    text += damaged_tail->file + " at offset " + std::to_string(damaged_tail->offset) + " (" +
            std::string(to_string(damaged_tail->reason)) + "): " + std::to_string(damaged_tail->truncated_bytes) +
            " bytes truncated";
  }
  if (!removed_segments.empty()) {
    text += "; removed " + std::to_string(removed_segments.size()) + " later segments: " + join(removed_segments);
  }
  if (corrupt_snapshot) text += "; snapshot IGNORED: " + *corrupt_snapshot;
  if (!removed_leftovers.empty()) text += "; removed leftovers: " + join(removed_leftovers);
  return text;
}

}  // namespace loyal::journal
