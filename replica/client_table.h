#pragma once
// Per client, the last request executed and its result: what makes execution exactly-once.
// It is replicated state: updated only when a committed request executes, and included in every
// checkpoint snapshot, so a duplicate is recognised the same way on every replica and across view
// changes, leader changes and state transfer. One entry per client (clients have one request
// outstanding at a time), so it is bounded by the number of clients in the cluster file.

#include <cstdint>
#include <map>
#include <optional>

#include "common/bytes.h"
#include "common/ids.h"
#include "crypto/digest.h"

namespace loyal::replica {

class ClientTable {
 public:
  struct Entry {
    std::uint64_t last_request_number = 0;
    Bytes last_result;
    // SHA-256 of the operation that request executed: a request reusing the number with another
    // operation is refused, not answered with this result (it would be a wrong answer to it).
    crypto::Digest last_operation_digest;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  // The entry for `client`, if it has executed anything.
  const Entry* find(ClientId client) const;

  // Whether request `request_number` of `client` has not executed yet (and so may execute).
  bool is_new(ClientId client, std::uint64_t request_number) const;

  // Precondition: is_new(client, request_number).
  void record(ClientId client, std::uint64_t request_number, const crypto::Digest& operation_digest, Bytes result);

  // Ordered by client id: snapshots of equal tables are byte-identical.
  const std::map<ClientId, Entry>& entries() const { return entries_; }
  void replace(std::map<ClientId, Entry> entries) { entries_ = std::move(entries); }

 private:
  std::map<ClientId, Entry> entries_;
};

}  // namespace loyal::replica
