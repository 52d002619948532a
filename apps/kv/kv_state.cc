#include "apps/kv/kv_state.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <variant>

#include <capnp/message.h>

#include "apps/kv/kv.capnp.h"
#include "apps/kv/wire_data.h"
#include "common/assert.h"
#include "net/untrusted_message.h"

namespace loyal::kv {

using detail::as_data;
using detail::bytes_of;

namespace {

// Versioned so that a future change of the digest's encoding cannot collide with this one.
constexpr std::string_view kDigestDomain = "loyal.kv.state.v1";

std::array<std::uint8_t, 8> little_endian(std::uint64_t value) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  return out;
}

Error refused(const std::string& why) { return Error{"kv snapshot refused: " + why}; }

Error refused_entry(std::size_t index, const std::string& why) {
  return refused("entry " + std::to_string(index) + ": " + why);
}

std::string over_limit(std::string_view what, std::size_t size, std::size_t limit) {
  return std::string(what) + " of " + std::to_string(size) + " bytes is over the limit of " + std::to_string(limit);
}

Result<StoreState> read_entries(wire::Snapshot::Reader in, std::size_t max_state_bytes) {
  StoreState state;
  std::size_t index = 0;
  for (const wire::Entry::Reader entry : in.getEntries()) {
    const capnp::Data::Reader key = entry.getKey();
    const capnp::Data::Reader value = entry.getValue();
    if (key.size() > kMaxKeyBytes) return refused_entry(index, over_limit("key", key.size(), kMaxKeyBytes));
    if (value.size() > kMaxValueBytes) return refused_entry(index, over_limit("value", value.size(), kMaxValueBytes));
    state.bytes += entry_cost(key.size(), value.size());
    if (state.bytes > max_state_bytes) return refused(over_limit("state", state.bytes, max_state_bytes));
    Bytes owned_key = bytes_of(key);
    if (!state.entries.empty() && !KeyOrder()(state.entries.rbegin()->first, owned_key)) {
      return refused_entry(index, "key is not greater than the previous key (keys must be strictly ascending)");
    }
    state.entries.emplace_hint(state.entries.end(), std::move(owned_key), bytes_of(value));
    ++index;
  }
  return state;
}

}  // namespace

bool KeyOrder::operator()(const Bytes& left, const Bytes& right) const {
  const std::size_t common = std::min(left.size(), right.size());
  const int order = common == 0 ? 0 : std::memcmp(left.data(), right.data(), common);
  return order < 0 || (order == 0 && left.size() < right.size());
}

Bytes encode_snapshot(const StoreState& state) {
  LOYAL_ASSERT(state.bytes <= kMaxStateBytes, "a store's byte count stays within kMaxStateBytes");
  capnp::MallocMessageBuilder message(detail::first_segment_words(state.bytes + kSnapshotHeaderBytes));
  auto entries = message.initRoot<wire::Snapshot>().initEntries(static_cast<unsigned>(state.entries.size()));
  unsigned index = 0;
  for (const auto& [key, value] : state.entries) {
    entries[index].setKey(as_data(key));
    entries[index].setValue(as_data(value));
    ++index;
  }
  Bytes frame = net::message_to_frame(message);
  // decode_snapshot() on a peer with the same byte limit bounds the frame by this.
  LOYAL_ASSERT(frame.size() <= state.bytes + kSnapshotHeaderBytes, "kEntryOverheadBytes covers an entry's framing");
  return frame;
}

Result<StoreState> decode_snapshot(ByteView snapshot, std::size_t max_state_bytes) {
  const net::DecodeLimits limits = detail::decode_limits_for(max_state_bytes + kSnapshotHeaderBytes);
  auto opened = net::UntrustedMessage::open(snapshot, limits);
  if (const auto* error = std::get_if<net::DecodeError>(&opened)) {
    return refused("not a valid Cap'n Proto frame (" + std::string(net::to_string(*error)) + ")");
  }
  auto& message = std::get<net::UntrustedMessage>(opened);
  auto read = net::read_fields<Result<StoreState>>(
      [&] { return read_entries(message.root<wire::Snapshot>(), max_state_bytes); });
  if (const auto* error = std::get_if<net::DecodeError>(&read)) {
    return refused("unreadable entries (" + std::string(net::to_string(*error)) + ")");
  }
  return std::get<Result<StoreState>>(std::move(read));
}

crypto::Digest digest_of(const StoreState& state) {
  crypto::Sha256 hasher;
  hasher.update(as_bytes(kDigestDomain));
  for (const auto& [key, value] : state.entries) {
    hasher.update(little_endian(key.size())).update(key);
    hasher.update(little_endian(value.size())).update(value);
  }
  return hasher.finish();
}

}  // namespace loyal::kv
