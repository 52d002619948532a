#include "replica/runtime/mode_mismatch.h"

#include <array>
#include <variant>

namespace loyal::runtime {

namespace {

constexpr std::array kAllModes = {ProtocolMode::pbft, ProtocolMode::raft, ProtocolMode::paxos};

}  // namespace

std::optional<std::string> ModeMismatchReporter::first_report(ByteView frame) {
  // Decoding again under each other mode is the decoder's own range-checked path, so no second
  // parser of untrusted bytes exists; it only runs for frames already refused as wrong_mode.
  for (ProtocolMode mode : kAllModes) {
    if (mode == context_.mode) continue;
    net::DecodeContext theirs = context_;
    theirs.mode = mode;
    auto decoded = net::decode_envelope(frame, theirs);
    const auto* envelope = std::get_if<net::Envelope>(&decoded);
    if (envelope == nullptr) continue;
    const NodeId sender = envelope->header.sender;
    {
      std::lock_guard lock(mutex_);
      if (!reported_.insert(sender).second) return std::nullopt;
    }
    return to_string(sender) + " sent a " + std::string(to_string(mode)) + " message but this cluster runs " +
           std::string(to_string(context_.mode)) + ": start every replica with the same --protocol";
  }
  return std::nullopt;
}

}  // namespace loyal::runtime
