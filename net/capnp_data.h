#pragma once
// Conversions between Cap'n Proto Data fields and loyal's byte types, shared by every encoder and
// decoder so each does them the same way.

#include <algorithm>
#include <optional>
#include <vector>

#include <capnp/blob.h>
#include <capnp/list.h>

#include "common/bytes.h"
#include "crypto/digest.h"

namespace loyal::net {

// Borrows `bytes` for a builder's set*(); the builder copies them.
inline capnp::Data::Reader as_data(ByteView bytes) { return {bytes.data(), bytes.size()}; }

inline Bytes to_bytes(capnp::Data::Reader data) { return {data.begin(), data.end()}; }

// Fills a List(Data) builder made with init*(frames.size()).
inline void set_data_list(capnp::List<capnp::Data>::Builder list, const std::vector<Bytes>& items) {
  for (unsigned i = 0; i < items.size(); ++i) list.set(i, as_data(items[i]));
}

inline std::vector<Bytes> read_data_list(capnp::List<capnp::Data>::Reader list) {
  std::vector<Bytes> items;
  items.reserve(list.size());
  for (const capnp::Data::Reader data : list) items.push_back(to_bytes(data));
  return items;
}

// A digest field of an untrusted message: exactly Digest::kSize bytes, or nothing.
inline std::optional<crypto::Digest> read_digest(capnp::Data::Reader data) {
  if (data.size() != crypto::Digest::kSize) return std::nullopt;
  crypto::Digest digest;
  std::copy(data.begin(), data.end(), digest.bytes.begin());
  return digest;
}

}  // namespace loyal::net
