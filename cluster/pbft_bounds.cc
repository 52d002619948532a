#include "cluster/pbft_bounds.h"


namespace loyal::cluster {

std::size_t pbft_largest_view_change_bytes(std::uint32_t replica_count, std::uint32_t window) {
  const std::size_t frame = kSignedVoteFrameBytes + kListEntryBytes;
  const std::size_t certificate = kCertificateBytes + pbft_largest_quorum(replica_count) * frame;
  return kViewChangeFixedBytes + replica_count * frame + std::size_t{window} * certificate;
}

std::size_t pbft_view_change_limit_bytes(std::uint32_t replica_count, std::uint32_t window) {
  const std::size_t fixed = kNewViewFixedBytes + std::size_t{window} * kReissuedPrePrepareBytes;
  if (fixed >= kMaxMessageBodyBytes) return 0;
  const std::size_t share = (kMaxMessageBodyBytes - fixed) / pbft_largest_quorum(replica_count);
  return share > kListEntryBytes ? share - kListEntryBytes : 0;
}

namespace {

bool fits(std::uint32_t replica_count, std::uint32_t window) {
  return pbft_largest_view_change_bytes(replica_count, window) <= pbft_view_change_limit_bytes(replica_count, window);
}

// The largest multiple of `interval` at most `window` and at least 2 * interval that fits, or 0.
std::uint32_t largest_fitting_window(std::uint32_t replica_count, std::uint32_t interval, std::uint32_t window) {
  if (interval == 0) return 0;
  for (std::uint32_t l = window - window % interval; l >= 2 * std::uint64_t{interval}; l -= interval) {
    if (fits(replica_count, l)) return l;
  }
  return 0;
}

}  // namespace

std::optional<std::pair<std::uint32_t, std::uint32_t>> pbft_fitting_window(std::uint32_t replica_count,
                                                                           std::uint32_t checkpoint_interval,
                                                                           std::uint32_t window) {
  for (std::uint32_t interval = checkpoint_interval; interval > 0; interval /= 2) {
    if (const std::uint32_t l = largest_fitting_window(replica_count, interval, window); l != 0) {
      return std::make_pair(interval, l);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_pbft_window(std::uint32_t replica_count, std::uint32_t window,
                                             std::uint32_t checkpoint_interval) {
  if (fits(replica_count, window)) return std::nullopt;
  std::string message = "window " + std::to_string(window) + " is too large for pbft with " +
                        std::to_string(replica_count) + " replicas: a VIEW-CHANGE carries a prepared certificate " +
                        "for every sequence number in the window (up to " +
                        std::to_string(pbft_largest_view_change_bytes(replica_count, window)) +
                        " bytes), and a NEW-VIEW carries " + std::to_string(pbft_largest_quorum(replica_count)) +
                        " of them, which must fit one 4 MiB frame (" +
                        std::to_string(pbft_view_change_limit_bytes(replica_count, window)) + " bytes each); ";
  const auto fitting = pbft_fitting_window(replica_count, checkpoint_interval, window);
  if (!fitting) return message + "no window fits: use fewer replicas";
  if (fitting->first == checkpoint_interval) return message + "use window " + std::to_string(fitting->second) + " or less";
  return message + "use checkpoint_interval " + std::to_string(fitting->first) + " and window " +
         std::to_string(fitting->second);
}

}  // namespace loyal::cluster
