#include "replica/state_transfer.h"

#include <algorithm>
#include <capnp/message.h>

#include "common/assert.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "replica/messages.capnp.h"

namespace loyal::replica {

using net::as_data;
using net::read_digest;

Bytes encode_state_request(const StateRequest& request) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::StateRequest>();
  out.setSequence(request.sequence);
  out.setStateDigest(as_data(request.state_digest.view()));
  out.setOffset(request.offset);
  return net::message_to_frame(message);
}

std::variant<StateRequest, net::DecodeError> decode_state_request(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::StateRequest, StateRequest>(
      body, limits, [](wire::StateRequest::Reader in) -> std::variant<StateRequest, net::DecodeError> {
        const std::optional<crypto::Digest> digest = read_digest(in.getStateDigest());
        if (!digest) return net::DecodeError::malformed;
        return StateRequest{in.getSequence(), *digest, in.getOffset()};
      });
}

Bytes encode_state_chunk(const StateChunk& chunk) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::StateChunk>();
  out.setSequence(chunk.sequence);
  out.setStateDigest(as_data(chunk.state_digest.view()));
  out.setTotalBytes(chunk.total_bytes);
  out.setOffset(chunk.offset);
  out.setData(as_data(chunk.data));
  auto pieces = out.initPieceDigests(static_cast<unsigned>(chunk.piece_digests.size()));
  for (unsigned i = 0; i < pieces.size(); ++i) pieces.set(i, as_data(chunk.piece_digests[i].view()));
  return net::message_to_frame(message);
}

std::variant<StateChunk, net::DecodeError> decode_state_chunk(ByteView body, const net::DecodeLimits& limits) {
  return net::decode_message<wire::StateChunk, StateChunk>(
      body, limits, [](wire::StateChunk::Reader in) -> std::variant<StateChunk, net::DecodeError> {
        const std::optional<crypto::Digest> digest = read_digest(in.getStateDigest());
        const auto data = in.getData();
        const std::uint64_t total = in.getTotalBytes();
        const std::uint64_t offset = in.getOffset();
        if (!digest || data.size() == 0 || data.size() > kMaxStateChunkBytes) return net::DecodeError::malformed;
        if (offset > total || data.size() > total - offset) return net::DecodeError::malformed;
        // Checked before anything is reserved: the count is the sender's.
        const auto piece_list = in.getPieceDigests();
        if (piece_list.size() != (offset == 0 ? state_piece_count(total) : 0)) return net::DecodeError::malformed;
        std::vector<crypto::Digest> pieces;
        pieces.reserve(piece_list.size());
        for (const capnp::Data::Reader piece : piece_list) {
          const std::optional<crypto::Digest> read = read_digest(piece);
          if (!read) return net::DecodeError::malformed;
          pieces.push_back(*read);
        }
        return StateChunk{in.getSequence(), *digest, total, offset, Bytes(data.begin(), data.end()), std::move(pieces)};
      });
}

std::optional<StateChunk> serve_state_chunk(const StateRequest& request, ByteView snapshot,
                                            const std::vector<crypto::Digest>& pieces, std::size_t chunk_bytes) {
  LOYAL_ASSERT(chunk_bytes > 0 && chunk_bytes <= kMaxStateChunkBytes, "chunk size within the wire limit");
  LOYAL_ASSERT(pieces.size() == state_piece_count(snapshot.size()), "one digest per piece of the snapshot");
  if (request.offset >= snapshot.size()) return std::nullopt;
  const std::size_t begin = static_cast<std::size_t>(request.offset);
  const std::size_t size = std::min(chunk_bytes, snapshot.size() - begin);
  return StateChunk{request.sequence,
                    request.state_digest,
                    snapshot.size(),
                    request.offset,
                    Bytes(snapshot.begin() + static_cast<std::ptrdiff_t>(begin),
                          snapshot.begin() + static_cast<std::ptrdiff_t>(begin + size)),
                    begin == 0 ? pieces : std::vector<crypto::Digest>{}};
}

// ---- fetching -------------------------------------------------------------------------------

StateFetcher::StateFetcher(ReplicaId self, StateTransferOptions options) : self_(self), options_(options) {
  LOYAL_ASSERT(options_.chunk_bytes > 0 && options_.chunk_bytes <= kMaxStateChunkBytes,
               "state chunk size within the wire limit");
  LOYAL_ASSERT(options_.max_snapshot_bytes > 0, "a snapshot can hold something");
  LOYAL_ASSERT(options_.timeout_ticks > 0, "state transfer timeout must be positive");
}

const StateFetch& StateFetcher::target() const {
  LOYAL_ASSERT(target_.has_value(), "no state fetch in progress");
  return *target_;
}

ReplicaId StateFetcher::source() const { return target().sources[source_index_]; }

std::optional<std::string_view> StateFetcher::start(StateFetch fetch, std::vector<Outgoing>& out) {
  std::erase(fetch.sources, self_);
  if (fetch.sources.empty()) return std::string_view("state_fetch_without_sources");
  target_ = std::move(fetch);
  source_index_ = 0;
  total_bytes_.reset();
  pieces_.clear();
  pieces_checked_ = 0;
  received_.clear();
  complete_ = false;
  ticks_without_progress_ = 0;
  failures_in_a_row_ = 0;
  request_next(out);
  return std::nullopt;
}

void StateFetcher::cancel() {
  target_.reset();
  total_bytes_.reset();
  pieces_.clear();
  pieces_checked_ = 0;
  received_ = Bytes();
  complete_ = false;
}

StateFetcher::Outcome StateFetcher::on_chunk(const ValidatedStateChunk& validated, std::vector<Outgoing>& out) {
  const StateChunk& chunk = validated.chunk;
  if (!target_ || complete_) return {Progress::ignored, "state_chunk_unexpected"};
  if (chunk.sequence != target_->sequence || chunk.state_digest != target_->state_digest) {
    return {Progress::ignored, "state_chunk_for_other_snapshot"};
  }
  if (validated.sender != source()) return {Progress::ignored, "state_chunk_not_from_source"};
  // Late answers to an earlier request of this attempt (retransmitted, or duplicated by the network).
  if (chunk.offset != received_.size()) return {Progress::ignored, "state_chunk_out_of_order"};

  // From here on the chunk is the current source's answer to the current request: if it cannot
  // be part of a snapshot we accept, the source is no use.
  if (chunk.total_bytes > options_.max_snapshot_bytes) {
    next_source_from_scratch(out);
    return {Progress::source_failed, "state_chunk_snapshot_too_large"};
  }
  if (total_bytes_ && *total_bytes_ != chunk.total_bytes) {
    next_source_from_scratch(out);
    return {Progress::source_failed, "state_chunk_total_changed"};
  }
  if (chunk.offset == 0) {
    // The pieces' digests, before any byte is kept: they must make the certified digest.
    if (state_digest_from_pieces(chunk.total_bytes, chunk.piece_digests) != target_->state_digest) {
      next_source_from_scratch(out);
      return {Progress::source_failed, "state_chunk_bad_piece_digests"};
    }
    pieces_ = chunk.piece_digests;
    pieces_checked_ = 0;
  }
  total_bytes_ = chunk.total_bytes;
  received_.insert(received_.end(), chunk.data.begin(), chunk.data.end());
  ticks_without_progress_ = 0;
  if (!check_whole_pieces()) {
    next_source_from_scratch(out);
    return {Progress::bad_snapshot, "state_snapshot_piece_mismatch"};
  }
  if (received_.size() < *total_bytes_) {
    request_next(out);
    return {Progress::requested_more, {}};
  }
  LOYAL_ASSERT(pieces_checked_ == pieces_.size(), "a whole snapshot is checked piece by piece");
  complete_ = true;
  return {Progress::complete, {}};
}

bool StateFetcher::on_tick(std::vector<Outgoing>& out) {
  if (!target_ || complete_) return false;
  if (++ticks_without_progress_ < options_.timeout_ticks) return false;
  ticks_without_progress_ = 0;
  failures_in_a_row_ = 0;
  source_index_ = (source_index_ + 1) % target_->sources.size();
  request_next(out);
  return true;
}

bool StateFetcher::check_whole_pieces() {
  while (pieces_checked_ < pieces_.size()) {
    const std::size_t begin = pieces_checked_ * kStatePieceBytes;
    const std::size_t end = std::min<std::size_t>(begin + kStatePieceBytes, static_cast<std::size_t>(*total_bytes_));
    if (received_.size() < end) return true;
    if (crypto::sha256(ByteView(received_).subspan(begin, end - begin)) != pieces_[pieces_checked_]) return false;
    ++pieces_checked_;
  }
  return true;
}

StateDigest StateFetcher::state_digest() const {
  LOYAL_ASSERT(target_ && complete_, "state_digest() only after a complete fetch");
  return StateDigest{target_->state_digest, pieces_};
}

Bytes StateFetcher::take_snapshot() {
  LOYAL_ASSERT(target_ && complete_, "take_snapshot() only right after a complete chunk");
  return std::move(received_);
}

void StateFetcher::finish() {
  LOYAL_ASSERT(target_ && complete_, "finish() only after a complete fetch");
  cancel();
}

void StateFetcher::reject_source(std::vector<Outgoing>& out) {
  LOYAL_ASSERT(target_ && complete_, "reject_source() only after a complete fetch");
  next_source_from_scratch(out);
}

void StateFetcher::request_next(std::vector<Outgoing>& out) {
  out.push_back(Outgoing{source(), net::MessageKind::state_request,
                         encode_state_request({target_->sequence, target_->state_digest, received_.size()})});
}

void StateFetcher::next_source_from_scratch(std::vector<Outgoing>& out) {
  source_index_ = (source_index_ + 1) % target_->sources.size();
  total_bytes_.reset();
  pieces_.clear();
  pieces_checked_ = 0;
  received_ = Bytes();
  complete_ = false;
  ticks_without_progress_ = 0;
  if (++failures_in_a_row_ < target_->sources.size()) request_next(out);
}

}  // namespace loyal::replica
