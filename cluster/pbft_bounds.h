#pragma once
// How large PBFT's view-change messages can grow, and the window rule that keeps them inside one
// frame. Certificates name batches by digest (pbft/pbft.capnp), so a VIEW-CHANGE holds, per
// sequence number of the window L, a signed PRE-PREPARE and quorum - 1 signed PREPAREs, and a
// NEW-VIEW holds a quorum of VIEW-CHANGEs plus one PRE-PREPARE body per sequence number: O(n^2 L)
// bytes, all in one frame. The loader refuses an (n, L) for which a correct replica's VIEW-CHANGE
// might not fit its share of a NEW-VIEW, and every replica refuses a VIEW-CHANGE larger than that
// share, so a faulty replica cannot make a correct primary's NEW-VIEW too large to send.
//
// The sizes are upper bounds of the Cap'n Proto encodings, every integer at its largest;
// tests/unit/pbft/view_change_size_test.cc builds the worst case and checks them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace loyal::cluster {

// The most a message body may hold on the wire: net::kMaxBodyBytes (this folder does not depend
// on net/; pbft/options.h asserts that they agree).
inline constexpr std::size_t kMaxMessageBodyBytes = (4u << 20) - 1024;

// Encoded sizes, in bytes.
inline constexpr std::size_t kSignedVoteFrameBytes = 208;   // a signed PRE-PREPARE (no batch), PREPARE or CHECKPOINT
inline constexpr std::size_t kListEntryBytes = 8;           // the pointer to each frame inside a list
inline constexpr std::size_t kCertificateBytes = 16;        // a PreparedCertificate's own struct
inline constexpr std::size_t kViewChangeFixedBytes = 256;   // envelope, signature, struct, list headers
inline constexpr std::size_t kReissuedPrePrepareBytes = 96; // a PRE-PREPARE body in a NEW-VIEW, with its pointer
inline constexpr std::size_t kNewViewFixedBytes = 256;

// A quorum of PBFT's with n replicas at the largest f the cluster file allows ((n-1)/3): the most
// PREPAREs a certificate carries and the most VIEW-CHANGEs a NEW-VIEW does.
constexpr std::uint32_t pbft_largest_quorum(std::uint32_t replica_count) {
  return (replica_count + (replica_count - 1) / 3 + 2) / 2;  // pbft/options.h asserts it is quorum_size()
}
// The largest VIEW-CHANGE frame a correct replica sends: n CHECKPOINTs of proof and a certificate
// for each of the L sequence numbers above it.
std::size_t pbft_largest_view_change_bytes(std::uint32_t replica_count, std::uint32_t window);
// The largest VIEW-CHANGE frame a replica accepts: what a NEW-VIEW with a quorum of them and L
// re-issued PRE-PREPAREs can hold each within kMaxMessageBodyBytes (0 if nothing fits).
std::size_t pbft_view_change_limit_bytes(std::uint32_t replica_count, std::uint32_t window);
// Nullopt when PBFT's view change fits one frame at n and L, else the problem in plain words, with
// the largest window (a multiple of checkpoint_interval) that fits.
std::optional<std::string> check_pbft_window(std::uint32_t replica_count, std::uint32_t window,
                                             std::uint32_t checkpoint_interval);
// The largest (checkpoint_interval, window) at most the given ones, with the window a multiple
// of the interval and at least twice it, for which the view change fits; what loyal-keygen writes.
// Nullopt when not even K = 1, L = 2 fits (n far above 100).
std::optional<std::pair<std::uint32_t, std::uint32_t>> pbft_fitting_window(std::uint32_t replica_count,
                                                                           std::uint32_t checkpoint_interval,
                                                                           std::uint32_t window);

}  // namespace loyal::cluster
