#pragma once
// A replica started with another --protocol than its peers cannot talk to them: the envelope
// decoder refuses every frame whose protocol mode is not ours ("decode.wrong_mode", counted by the
// pipeline like any other drop). This turns the first such frame from each sender into an error an
// operator can act on, naming the sender and the mode it runs.
//
// Thread-safe: the verification pool calls it concurrently. Memory is bounded: the decoder only
// yields senders that are members of the cluster, so at most n + clients senders are remembered.

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/envelope_codec.h"

namespace loyal::runtime {

class ModeMismatchReporter {
 public:
  // `context` is the replica's own decode context (our cluster id and mode).
  explicit ModeMismatchReporter(const net::DecodeContext& context) : context_(context) {}

  // For a frame the decoder refused as wrong_mode: the error to log when it is the first from its
  // sender, else nothing. Frames that do not decode under any mode are not reported (they are
  // garbage, counted under their own reason, not a misconfigured peer).
  std::optional<std::string> first_report(ByteView frame);

 private:
  net::DecodeContext context_;
  std::mutex mutex_;
  std::set<NodeId> reported_;
};

}  // namespace loyal::runtime
