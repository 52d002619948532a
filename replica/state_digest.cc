#include "replica/state_digest.h"

#include <algorithm>
#include <string_view>

#include "common/assert.h"

namespace loyal::replica {

namespace {
constexpr std::string_view kTag = "loyal/state/v1";
}  // namespace

std::uint64_t state_piece_count(std::uint64_t total_bytes) {
  return std::max<std::uint64_t>(1, (total_bytes + kStatePieceBytes - 1) / kStatePieceBytes);
}

crypto::Digest state_digest_from_pieces(std::uint64_t total_bytes, const std::vector<crypto::Digest>& pieces) {
  Bytes input(kTag.begin(), kTag.end());
  for (int shift = 0; shift < 64; shift += 8) input.push_back(static_cast<std::uint8_t>(total_bytes >> shift));
  for (const crypto::Digest& piece : pieces) input.insert(input.end(), piece.bytes.begin(), piece.bytes.end());
  return crypto::sha256(input);
}

StateDigest digest_state(ByteView snapshot) {
  StateDigest state;
  const std::uint64_t count = state_piece_count(snapshot.size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t begin = static_cast<std::size_t>(i * kStatePieceBytes);
    const std::size_t size = std::min(kStatePieceBytes, snapshot.size() - begin);
    state.pieces.push_back(crypto::sha256(snapshot.subspan(begin, size)));
  }
  state.digest = state_digest_from_pieces(snapshot.size(), state.pieces);
  return state;
}

}  // namespace loyal::replica
