#pragma once
// Log entries as Cap'n Proto lists, shared by the wire messages (raft/messages.cc) and the
// journal records (raft/records.cc) so both encode an entry the same way. Internal to raft/.

#include <cstdint>
#include <optional>
#include <vector>

#include "net/capnp_data.h"
#include "raft/messages.h"
#include "raft/raft.capnp.h"

namespace loyal::raft::detail {

inline void set_entries(capnp::List<wire::Entry>::Builder out, const std::vector<Entry>& entries) {
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    out[i].setTerm(entries[i].term);
    out[i].setBatch(net::as_data(entries[i].batch));
    out[i].setBatchDigest(net::as_data(entries[i].digest.view()));
  }
}

// Nullopt when the list is longer than `max_entries` or a digest has the wrong size.
inline std::optional<std::vector<Entry>> read_entries(capnp::List<wire::Entry>::Reader in,
                                                      std::uint64_t max_entries) {
  if (in.size() > max_entries) return std::nullopt;
  std::vector<Entry> entries;
  entries.reserve(in.size());
  for (const wire::Entry::Reader entry : in) {
    const auto digest = net::read_digest(entry.getBatchDigest());
    if (!digest) return std::nullopt;
    entries.push_back(Entry{entry.getTerm(), net::to_bytes(entry.getBatch()), *digest});
  }
  return entries;
}

}  // namespace loyal::raft::detail
