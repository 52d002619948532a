#pragma once
// Opening Cap'n Proto bytes that came from the network. Used by the envelope decoder and by every
// mode's body decoder, so all untrusted reading goes through the same checks:
//  - size cap, then a copy into word-aligned memory (frames from ZeroMQ need not be aligned);
//  - the whole message is walked once up front with the nesting and traversal limits, so every
//    pointer is known to be in bounds before any field is read, and data not reachable from the
//    root (smuggled trailing bytes) is refused;
//  - Cap'n Proto exceptions never escape: they become a DecodeError.
// Callers then read fields and range-check them into plain structs; a Cap'n Proto reader is never
// handed to a protocol core.
//
// Frame format: a Cap'n Proto flat array holding exactly ONE segment in which every word is
// reachable from the root. That is what makes "no unreachable data" checkable exactly (far
// pointers between segments would add landing pads that no walk can account for). Build frames
// with message_to_frame() below, never with capnp::messageToFlatArray(): a MallocMessageBuilder
// spills into a second segment beyond its first 8 KiB, and such a frame is refused as malformed.

#include <memory>
#include <utility>
#include <variant>

#include <capnp/message.h>
#include <kj/exception.h>

#include "common/bytes.h"
#include "net/decode_error.h"
#include "net/limits.h"

namespace loyal::net {

class UntrustedMessage {
 public:
  // Does not keep `frame`: the message owns an aligned copy.
  static std::variant<UntrustedMessage, DecodeError> open(ByteView frame, const DecodeLimits& limits);

  // The root as the given schema. Getting the root and reading its fields can still throw
  // kj::Exception for data of the wrong type (a list where a struct was expected), or when
  // repeated reads exhaust the traversal limit; call root() and read fields only inside
  // read_fields(). Readers returned here point into this message and die with it.
  template <typename Schema>
  typename Schema::Reader root() {
    return reader_->getRoot<Schema>();
  }

  UntrustedMessage(UntrustedMessage&&) noexcept;
  UntrustedMessage& operator=(UntrustedMessage&&) noexcept;
  ~UntrustedMessage();

 private:
  struct Storage;
  explicit UntrustedMessage(std::unique_ptr<Storage> storage, std::unique_ptr<capnp::MessageReader> reader);
  std::unique_ptr<Storage> storage_;              // the aligned words reader_ points into
  std::unique_ptr<capnp::MessageReader> reader_;  // declared last: destroyed before storage_
};

// The DecodeError naming why Cap'n Proto refused to read: too_deep, traversal_limit, truncated,
// or malformed for everything else.
DecodeError decode_error_from(const kj::Exception& exception);

// Runs `read` (which reads fields of an opened message and returns a DecodeError or a value),
// turning any Cap'n Proto exception into DecodeError::malformed (or too_deep / traversal_limit).
template <typename T, typename Read>
std::variant<T, DecodeError> read_fields(Read&& read) {
  try {
    return std::forward<Read>(read)();
  } catch (const kj::Exception& exception) {
    return decode_error_from(exception);
  }
}

// The usual whole job: opens `bytes` as an untrusted message and runs `read` (taking the root
// reader of `Schema`, returning a T or a DecodeError) inside read_fields, so any Cap'n Proto
// exception becomes a DecodeError. Body decoders of every mode are one call to this.
template <typename Schema, typename T, typename Read>
std::variant<T, DecodeError> decode_message(ByteView bytes, const DecodeLimits& limits, Read&& read) {
  auto opened = UntrustedMessage::open(bytes, limits);
  if (const auto* error = std::get_if<DecodeError>(&opened)) return *error;
  auto& message = std::get<UntrustedMessage>(opened);
  return read_fields<T>([&]() -> std::variant<T, DecodeError> { return read(message.root<Schema>()); });
}

// Our own message as a frame that UntrustedMessage::open accepts: one segment, every word
// reachable. Copies the message into a compact single segment first when it is not one already
// (spilled into more segments, or left holes by overwritten fields).
Bytes message_to_frame(capnp::MessageBuilder& message);

}  // namespace loyal::net
