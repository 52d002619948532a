#pragma once
// The key-value store's operations and results as plain C++ values, with their encoders and
// untrusted decoders (wire form: apps/kv/kv.capnp). A client builds operation bytes with the
// encode_* helpers, sends them as a request's operation, and reads the reply's result with
// decode_result(); the store decodes operations with decode_operation(). Keys and values are
// arbitrary bytes, ordered bytewise (unsigned).

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "common/bytes.h"
#include "net/decode_error.h"

namespace loyal::kv {

struct Put {
  Bytes key;
  Bytes value;
  friend bool operator==(const Put&, const Put&) = default;
};
struct Get {
  Bytes key;
  friend bool operator==(const Get&, const Get&) = default;
};
struct Delete {
  Bytes key;
  friend bool operator==(const Delete&, const Delete&) = default;
};
// Sets new_value only if the current value equals `expected`; std::nullopt expects the key to be
// absent (create-if-absent).
struct CompareAndSwap {
  Bytes key;
  std::optional<Bytes> expected;
  Bytes new_value;
  friend bool operator==(const CompareAndSwap&, const CompareAndSwap&) = default;
};
using Operation = std::variant<Put, Get, Delete, CompareAndSwap>;

// Why the store refused an operation. Whenever one is returned, the state is unchanged.
enum class ErrorReason : std::uint8_t {
  malformed,        // not a decodable operation
  key_too_large,    // over kMaxKeyBytes
  value_too_large,  // over kMaxValueBytes (a compareAndSwap's expected value included)
  state_full,       // applying it would take the store over its byte limit
  not_a_query,      // a read-only query that is not a get
};
std::string_view to_string(ErrorReason reason);

struct Ok {  // put; delete of a present key; compareAndSwap that swapped
  friend bool operator==(const Ok&, const Ok&) = default;
};
struct Value {  // get of a present key
  Bytes value;
  friend bool operator==(const Value&, const Value&) = default;
};
struct NotFound {  // get or delete of an absent key
  friend bool operator==(const NotFound&, const NotFound&) = default;
};
struct CasMismatch {  // compareAndSwap whose expectation failed
  std::optional<Bytes> current;  // std::nullopt: the key is absent
  friend bool operator==(const CasMismatch&, const CasMismatch&) = default;
};
struct Refused {
  ErrorReason reason = ErrorReason::malformed;
  friend bool operator==(const Refused&, const Refused&) = default;
};
using OperationResult = std::variant<Ok, Value, NotFound, CasMismatch, Refused>;

// Client-side encoders. They encode sizes as given, without refusing: the store answers an
// oversized key or value with a Refused result. (Beyond Cap'n Proto's own Data limit of 512 MiB a
// value cannot be encoded at all, and Cap'n Proto throws kj::Exception.)
Bytes encode_put(ByteView key, ByteView value);
Bytes encode_get(ByteView key);
Bytes encode_delete(ByteView key);
Bytes encode_compare_and_swap(ByteView key, std::optional<ByteView> expected, ByteView new_value);
Bytes encode_operation(const Operation& operation);

// Decodes untrusted operation bytes without throwing. Refuses, with the reason to answer the
// client with, frames over kMaxOperationBytes or refused by net::UntrustedMessage, operations this
// version does not know, and keys or values over their limits.
std::variant<Operation, ErrorReason> decode_operation(ByteView bytes);

Bytes encode_result(const OperationResult& result);
// Decodes a result from a reply (untrusted: a Byzantine replica may send anything) without
// throwing; values over kMaxValueBytes and unknown results or error reasons are malformed.
std::variant<OperationResult, net::DecodeError> decode_result(ByteView bytes);

}  // namespace loyal::kv
