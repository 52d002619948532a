#pragma once
// Shorthands shared by the key-value store tests.

#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include <gtest/gtest.h>

#include "apps/kv/kv_operations.h"
#include "apps/kv/kv_store.h"

namespace loyal::kv {

// Readable failure messages: GoogleTest finds this through the variant's argument types.
inline void PrintTo(const OperationResult& result, std::ostream* out) {
  const auto text = [](const Bytes& bytes) { return "\"" + std::string(as_chars(bytes)) + "\""; };
  if (std::holds_alternative<Ok>(result)) *out << "Ok";
  if (const auto* value = std::get_if<Value>(&result)) *out << "Value(" << text(value->value) << ")";
  if (std::holds_alternative<NotFound>(result)) *out << "NotFound";
  if (const auto* mismatch = std::get_if<CasMismatch>(&result)) {
    *out << "CasMismatch(" << (mismatch->current ? text(*mismatch->current) : "absent") << ")";
  }
  if (const auto* refused = std::get_if<Refused>(&result)) *out << "Refused(" << to_string(refused->reason) << ")";
}

}  // namespace loyal::kv

namespace loyal::kv::testing {

// Runs one encoded operation through the state machine interface and decodes its result.
inline OperationResult run(KvStore& store, ByteView operation) {
  const auto decoded = decode_result(store.execute(operation));
  EXPECT_TRUE(std::holds_alternative<OperationResult>(decoded)) << "the store's own result must decode";
  return std::holds_alternative<OperationResult>(decoded) ? std::get<OperationResult>(decoded)
                                                          : OperationResult{Refused{}};
}

inline OperationResult put(KvStore& store, std::string_view key, std::string_view value) {
  return run(store, encode_put(as_bytes(key), as_bytes(value)));
}
inline OperationResult get(KvStore& store, std::string_view key) { return run(store, encode_get(as_bytes(key))); }
inline OperationResult del(KvStore& store, std::string_view key) {
  return run(store, encode_delete(as_bytes(key)));
}

inline OperationResult value_of(std::string_view value) { return Value{to_bytes(value)}; }
inline OperationResult refused(ErrorReason reason) { return Refused{reason}; }

}  // namespace loyal::kv::testing
