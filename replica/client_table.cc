#include "replica/client_table.h"

#include "common/assert.h"

namespace loyal::replica {

const ClientTable::Entry* ClientTable::find(ClientId client) const {
  const auto it = entries_.find(client);
  return it == entries_.end() ? nullptr : &it->second;
}

bool ClientTable::is_new(ClientId client, std::uint64_t request_number) const {
  const Entry* entry = find(client);
  return entry == nullptr || request_number > entry->last_request_number;
}

void ClientTable::record(ClientId client, std::uint64_t request_number, const crypto::Digest& operation_digest,
                         Bytes result) {
  LOYAL_ASSERT(is_new(client, request_number), "a request must execute at most once");
  entries_[client] = Entry{request_number, std::move(result), operation_digest};
}

}  // namespace loyal::replica
