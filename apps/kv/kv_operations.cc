#include "apps/kv/kv_operations.h"

#include <initializer_list>

#include <capnp/message.h>

#include "apps/kv/kv.capnp.h"
#include "apps/kv/kv_limits.h"
#include "apps/kv/wire_data.h"
#include "net/untrusted_message.h"

namespace loyal::kv {

using detail::as_data;
using detail::bytes_of;
using detail::decode_limits_for;
using detail::first_segment_words;

namespace {

using DecodedOperation = std::variant<Operation, ErrorReason>;

// The first limit `key` or one of `values` breaks, checked in that order so the reason is the
// same on every replica.
std::optional<ErrorReason> oversized(capnp::Data::Reader key, std::initializer_list<capnp::Data::Reader> values) {
  if (key.size() > kMaxKeyBytes) return ErrorReason::key_too_large;
  for (const capnp::Data::Reader value : values) {
    if (value.size() > kMaxValueBytes) return ErrorReason::value_too_large;
  }
  return std::nullopt;
}

// A MaybeValue as read from the wire.
struct MaybeData {
  bool known = true;  // false for a union member this version does not know
  std::optional<capnp::Data::Reader> present;
};

MaybeData read_maybe(wire::MaybeValue::Reader in) {
  switch (in.which()) {
    case wire::MaybeValue::ABSENT: return {};
    case wire::MaybeValue::PRESENT: return {true, in.getPresent()};
  }
  return {false, std::nullopt};
}

std::optional<Bytes> optional_bytes_of(const std::optional<capnp::Data::Reader>& data) {
  if (data) return bytes_of(*data);
  return std::nullopt;
}

// Each Data field is read once and its reader kept (here and in read_result): every read spends
// the traversal budget again (see net::DecodeLimits), and the largest legitimate frames need all
// of it.
DecodedOperation read_operation(wire::Operation::Reader in) {
  switch (in.which()) {
    case wire::Operation::PUT: {
      const auto put = in.getPut();
      const capnp::Data::Reader key = put.getKey();
      const capnp::Data::Reader value = put.getValue();
      if (const auto refused = oversized(key, {value})) return *refused;
      return Put{bytes_of(key), bytes_of(value)};
    }
    case wire::Operation::GET: {
      const capnp::Data::Reader key = in.getGet().getKey();
      if (const auto refused = oversized(key, {})) return *refused;
      return Get{bytes_of(key)};
    }
    case wire::Operation::DELETE: {
      const capnp::Data::Reader key = in.getDelete().getKey();
      if (const auto refused = oversized(key, {})) return *refused;
      return Delete{bytes_of(key)};
    }
    case wire::Operation::COMPARE_AND_SWAP: {
      const auto cas = in.getCompareAndSwap();
      const capnp::Data::Reader key = cas.getKey();
      const MaybeData expected = read_maybe(cas.getExpected());
      const capnp::Data::Reader new_value = cas.getNewValue();
      if (!expected.known) return ErrorReason::malformed;
      if (const auto refused = oversized(key, {expected.present.value_or(capnp::Data::Reader()), new_value})) {
        return *refused;
      }
      return CompareAndSwap{bytes_of(key), optional_bytes_of(expected.present), bytes_of(new_value)};
    }
  }
  return ErrorReason::malformed;  // an operation added by a later version
}

wire::ErrorReason to_wire(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::malformed: return wire::ErrorReason::MALFORMED;
    case ErrorReason::key_too_large: return wire::ErrorReason::KEY_TOO_LARGE;
    case ErrorReason::value_too_large: return wire::ErrorReason::VALUE_TOO_LARGE;
    case ErrorReason::state_full: return wire::ErrorReason::STATE_FULL;
    case ErrorReason::not_a_query: return wire::ErrorReason::NOT_A_QUERY;
  }
  return wire::ErrorReason::MALFORMED;
}

std::optional<ErrorReason> from_wire(wire::ErrorReason reason) {
  switch (reason) {
    case wire::ErrorReason::MALFORMED: return ErrorReason::malformed;
    case wire::ErrorReason::KEY_TOO_LARGE: return ErrorReason::key_too_large;
    case wire::ErrorReason::VALUE_TOO_LARGE: return ErrorReason::value_too_large;
    case wire::ErrorReason::STATE_FULL: return ErrorReason::state_full;
    case wire::ErrorReason::NOT_A_QUERY: return ErrorReason::not_a_query;
  }
  return std::nullopt;  // a reason added by a later version, or garbage
}

std::size_t payload_bytes(const OperationResult& result) {
  if (const auto* value = std::get_if<Value>(&result)) return value->value.size();
  if (const auto* mismatch = std::get_if<CasMismatch>(&result)) {
    return mismatch->current ? mismatch->current->size() : 0;
  }
  return 0;
}

struct ResultWriter {
  wire::Result::Builder out;
  void operator()(const Ok&) { out.setOk(); }
  void operator()(const Value& value) { out.setValue(as_data(value.value)); }
  void operator()(const NotFound&) { out.setNotFound(); }
  void operator()(const CasMismatch& mismatch) {
    auto current = out.initCasMismatch();
    if (mismatch.current) {
      current.setPresent(as_data(*mismatch.current));
    } else {
      current.setAbsent();
    }
  }
  void operator()(const Refused& refused) { out.setError(to_wire(refused.reason)); }
};

std::variant<OperationResult, net::DecodeError> read_result(wire::Result::Reader in) {
  switch (in.which()) {
    case wire::Result::OK: return OperationResult{Ok{}};
    case wire::Result::VALUE: {
      const capnp::Data::Reader value = in.getValue();
      if (value.size() > kMaxValueBytes) return net::DecodeError::malformed;
      return OperationResult{Value{bytes_of(value)}};
    }
    case wire::Result::NOT_FOUND: return OperationResult{NotFound{}};
    case wire::Result::CAS_MISMATCH: {
      const MaybeData current = read_maybe(in.getCasMismatch());
      if (!current.known || (current.present && current.present->size() > kMaxValueBytes)) {
        return net::DecodeError::malformed;
      }
      return OperationResult{CasMismatch{optional_bytes_of(current.present)}};
    }
    case wire::Result::ERROR:
      if (const auto reason = from_wire(in.getError())) return OperationResult{Refused{*reason}};
      return net::DecodeError::malformed;
  }
  return net::DecodeError::malformed;
}

}  // namespace

std::string_view to_string(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::malformed: return "malformed operation";
    case ErrorReason::key_too_large: return "key too large";
    case ErrorReason::value_too_large: return "value too large";
    case ErrorReason::state_full: return "state full";
    case ErrorReason::not_a_query: return "not a read-only query";
  }
  return "unknown error reason";
}

Bytes encode_put(ByteView key, ByteView value) {
  capnp::MallocMessageBuilder message(first_segment_words(key.size() + value.size()));
  auto put = message.initRoot<wire::Operation>().initPut();
  put.setKey(as_data(key));
  put.setValue(as_data(value));
  return net::message_to_frame(message);
}

Bytes encode_get(ByteView key) {
  capnp::MallocMessageBuilder message(first_segment_words(key.size()));
  message.initRoot<wire::Operation>().initGet().setKey(as_data(key));
  return net::message_to_frame(message);
}

Bytes encode_delete(ByteView key) {
  capnp::MallocMessageBuilder message(first_segment_words(key.size()));
  message.initRoot<wire::Operation>().initDelete().setKey(as_data(key));
  return net::message_to_frame(message);
}

Bytes encode_compare_and_swap(ByteView key, std::optional<ByteView> expected, ByteView new_value) {
  capnp::MallocMessageBuilder message(
      first_segment_words(key.size() + (expected ? expected->size() : 0) + new_value.size()));
  auto cas = message.initRoot<wire::Operation>().initCompareAndSwap();
  cas.setKey(as_data(key));
  if (expected) {
    cas.initExpected().setPresent(as_data(*expected));
  } else {
    cas.initExpected().setAbsent();
  }
  cas.setNewValue(as_data(new_value));
  return net::message_to_frame(message);
}

Bytes encode_operation(const Operation& operation) {
  if (const auto* put = std::get_if<Put>(&operation)) return encode_put(put->key, put->value);
  if (const auto* get = std::get_if<Get>(&operation)) return encode_get(get->key);
  if (const auto* del = std::get_if<Delete>(&operation)) return encode_delete(del->key);
  const auto& cas = std::get<CompareAndSwap>(operation);
  return encode_compare_and_swap(cas.key, cas.expected ? std::optional<ByteView>(*cas.expected) : std::nullopt,
                                 cas.new_value);
}

std::variant<Operation, ErrorReason> decode_operation(ByteView bytes) {
  auto read = net::decode_message<wire::Operation, DecodedOperation>(
      bytes, decode_limits_for(kMaxOperationBytes), [](wire::Operation::Reader in) { return read_operation(in); });
  if (std::holds_alternative<net::DecodeError>(read)) return ErrorReason::malformed;
  return std::get<DecodedOperation>(std::move(read));
}

Bytes encode_result(const OperationResult& result) {
  capnp::MallocMessageBuilder message(first_segment_words(payload_bytes(result)));
  std::visit(ResultWriter{message.initRoot<wire::Result>()}, result);
  return net::message_to_frame(message);
}

std::variant<OperationResult, net::DecodeError> decode_result(ByteView bytes) {
  return net::decode_message<wire::Result, OperationResult>(
      bytes, decode_limits_for(kMaxResultBytes), [](wire::Result::Reader in) { return read_result(in); });
}

}  // namespace loyal::kv
