#pragma once
// State transfer: fetching a checkpoint snapshot from peers, in chunks, and checking it against
// the digest the protocol vouches for (PBFT: a stable checkpoint certificate; Raft/Paxos: the
// leader's snapshot metadata).
//
// The wire side is two shared messages (replica/messages.capnp): StateRequest {sequence, digest,
// offset} and StateChunk {sequence, digest, total bytes, offset, data}. A replica that holds the
// snapshot answers each request with one chunk starting at the requested offset, never more, so a
// peer cannot make it send unbounded data; the fetcher asks for the next offset after each chunk.
//
// StateFetcher is the fetching half: a small deterministic state machine driven by the pipeline
// (start, chunks, ticks). It asks one source at a time, starting with the first; a source that
// does not answer within timeout_ticks, or answers with a chunk that cannot be part of the
// snapshot, is replaced by the next one (rotating through the list). The reassembled bytes are
// checked against the digest; a mismatch (a lying source) restarts the fetch from byte 0 at the
// next source. A failed source is replaced at once, but once every source has failed in a row the
// fetcher waits timeout_ticks before the next round, so bad sources are not asked in a tight loop.
// The pipeline (replica/replica.h) installs what complete() hands it and reports back with
// reject_source() when the snapshot, although it matches the digest, cannot be installed.
//
// Ownership: the pipeline owns one StateFetcher and calls it from the replica thread only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"
#include "net/decode_error.h"
#include "net/limits.h"
#include "replica/protocol.h"
#include "replica/state_digest.h"
#include "replica/types.h"

namespace loyal::replica {

// The largest chunk any replica sends or accepts, whatever its configured chunk size: Cap'n
// Proto framing around it (two 8-byte pointers, a 40-byte struct, the digest) stays far below the
// rest of the body limit.
inline constexpr std::size_t kMaxStateChunkBytes = std::size_t{2} << 20;
inline constexpr std::size_t kStateChunkFramingBytes = 256;
inline constexpr std::size_t kDefaultStateChunkBytes = std::size_t{1} << 20;
// The default bound on a snapshot a replica accepts: the key-value store's largest snapshot
// (256 MiB of state) with room for the client table. A Cap'n Proto Data field holds less than
// 2^29 bytes, which bounds what the application part can be anyway.
inline constexpr std::size_t kDefaultMaxSnapshotBytes = std::size_t{512} << 20;
inline constexpr Tick kDefaultStateTransferTimeoutTicks = 200;

static_assert(kMaxStateChunkBytes + kStateChunkFramingBytes <= net::kMaxBodyBytes,
              "a chunk travels inside one envelope body");
static_assert(kDefaultStateChunkBytes <= kMaxStateChunkBytes, "the default chunk is a legal chunk");
static_assert(kDefaultStateChunkBytes <= kDefaultMaxSnapshotBytes, "a snapshot holds at least one chunk");

struct StateTransferOptions {
  std::size_t chunk_bytes = kDefaultStateChunkBytes;  // what this replica serves per request
  std::size_t max_snapshot_bytes = kDefaultMaxSnapshotBytes;
  Tick timeout_ticks = kDefaultStateTransferTimeoutTicks;  // without a useful chunk: next source
};

struct StateRequest {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  std::uint64_t offset = 0;
  friend bool operator==(const StateRequest&, const StateRequest&) = default;
};

struct StateChunk {
  Sequence sequence = 0;
  crypto::Digest state_digest;
  std::uint64_t total_bytes = 0;
  std::uint64_t offset = 0;
  Bytes data;
  std::vector<crypto::Digest> piece_digests;  // at offset 0 only: one per piece (replica/state_digest.h)
  friend bool operator==(const StateChunk&, const StateChunk&) = default;
};

Bytes encode_state_request(const StateRequest& request);
std::variant<StateRequest, net::DecodeError> decode_state_request(ByteView body, const net::DecodeLimits& limits);
Bytes encode_state_chunk(const StateChunk& chunk);
// Structure and ranges: the digest is whole, data is at most kMaxStateChunkBytes and non-empty,
// offset + data fits in total_bytes without overflow, and the piece digests are there exactly at
// offset 0, one per piece of total_bytes.
std::variant<StateChunk, net::DecodeError> decode_state_chunk(ByteView body, const net::DecodeLimits& limits);

// The chunk a replica holding `snapshot` (with the digests of its pieces) sends for `request` (whose
// sequence and digest match the snapshot), or nullopt when the offset is not inside it. At most
// `chunk_bytes` of data; the piece digests ride with the chunk at offset 0.
std::optional<StateChunk> serve_state_chunk(const StateRequest& request, ByteView snapshot,
                                            const std::vector<crypto::Digest>& pieces, std::size_t chunk_bytes);

// A chunk or request after the envelope signature and decoding checked it.
struct ValidatedStateRequest {
  ReplicaId sender = 0;
  StateRequest request;
};
struct ValidatedStateChunk {
  ReplicaId sender = 0;
  StateChunk chunk;
};

class StateFetcher {
 public:
  // What a chunk did to the fetch. `ignored` and `source_failed` carry a reason to count.
  enum class Progress { ignored, requested_more, source_failed, bad_snapshot, complete };
  struct Outcome {
    Progress progress = Progress::ignored;
    std::string_view reason;
  };

  // `self` is never asked. Precondition: options within the limits above.
  StateFetcher(ReplicaId self, StateTransferOptions options);

  bool active() const { return target_.has_value(); }
  // The fetch in progress. Precondition: active().
  const StateFetch& target() const;
  ReplicaId source() const;

  // Starts fetching `fetch`, replacing any fetch in progress; appends the first request to `out`.
  // Returns the reason when it does not start: no source but this replica.
  std::optional<std::string_view> start(StateFetch fetch, std::vector<Outgoing>& out);
  // Drops the fetch in progress (the protocol got past its sequence by itself).
  void cancel();

  // A chunk from a peer. On requested_more the next request is in `out`; on source_failed and
  // bad_snapshot the first request to the next source is. The first chunk's piece digests must
  // make target().state_digest, and each piece is checked as soon as it is whole: a source that
  // lies is replaced after at most one piece. On complete, take the snapshot with take_snapshot()
  // (it matches target().state_digest) and then call finish() or reject_source().
  Outcome on_chunk(const ValidatedStateChunk& chunk, std::vector<Outgoing>& out);
  // Counts a tick; after timeout_ticks without a useful chunk, asks the next source for the same
  // offset (the bytes so far are checked piece by piece, whoever sent them).
  // Returns whether it timed out.
  bool on_tick(std::vector<Outgoing>& out);

  // Precondition: on_chunk() just returned complete. The snapshot, and its digest with the pieces'.
  Bytes take_snapshot();
  StateDigest state_digest() const;
  // The snapshot taken was installed: the fetch is over.
  void finish();
  // The snapshot taken matched the digest but could not be installed: start over at the next source.
  void reject_source(std::vector<Outgoing>& out);

 private:
  void request_next(std::vector<Outgoing>& out);
  void next_source_from_scratch(std::vector<Outgoing>& out);
  // Checks every piece that received_ now holds whole; false at the first that does not match.
  bool check_whole_pieces();

  ReplicaId self_;
  StateTransferOptions options_;
  std::optional<StateFetch> target_;
  std::size_t source_index_ = 0;  // into target_->sources (self removed)
  std::optional<std::uint64_t> total_bytes_;  // as announced by the first chunk of this attempt
  std::vector<crypto::Digest> pieces_;        // from that chunk, checked against the target digest
  std::size_t pieces_checked_ = 0;            // pieces of received_ found to match
  Bytes received_;
  bool complete_ = false;
  Tick ticks_without_progress_ = 0;
  std::size_t failures_in_a_row_ = 0;  // sources that failed since the fetch (or its last round) began
};

}  // namespace loyal::replica
