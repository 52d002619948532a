#pragma once
// The digest of a checkpoint snapshot, the one every mode certifies (PBFT's CHECKPOINTs, Raft's and
// Multi-Paxos's snapshot metadata): SHA-256 over a tag, the snapshot's size and the SHA-256 of each
// piece of kStatePieceBytes, in order. It identifies a snapshot as well as SHA-256 of its bytes,
// for the same cost, and lets a replica that fetches a snapshot check each piece as it arrives:
// the first chunk of a fetch carries the pieces' digests, which the certified digest vouches for,
// so a lying source costs at most one piece before it is replaced, not the whole snapshot.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "crypto/digest.h"

namespace loyal::replica {

inline constexpr std::size_t kStatePieceBytes = std::size_t{1} << 20;

struct StateDigest {
  crypto::Digest digest;
  std::vector<crypto::Digest> pieces;  // SHA-256 of each piece, in order
};

StateDigest digest_state(ByteView snapshot);
// How many pieces a snapshot of `total_bytes` has (at least one: an empty snapshot is one empty piece).
std::uint64_t state_piece_count(std::uint64_t total_bytes);
// The digest of a snapshot of `total_bytes` whose pieces have these digests.
crypto::Digest state_digest_from_pieces(std::uint64_t total_bytes, const std::vector<crypto::Digest>& pieces);

}  // namespace loyal::replica
