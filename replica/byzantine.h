#pragma once
// Byzantine behaviour as a policy wrapped around the real engine (DESIGN.md §6), not a fork of it:
// a faulty replica runs the honest core and pipeline, and its policy rewrites what the core wants
// to send *before* the pipeline signs it. The same policies serve the simulator, the integration
// tests, the benchmark and docker-compose (`--byzantine MODE`).
//
// Ownership and ordering: the pipeline owns the policy and calls it from the replica thread only.
// rewrite() is called once per Outgoing the core emits, in emission order; on_tick() once per tick
// after the core's own tick. Whatever the policy appends is signed and sent in append order.

#include <cstdint>
#include <vector>

#include "replica/protocol.h"
#include "replica/types.h"

namespace loyal::replica {

// One message as the faulty replica actually sends it.
struct ByzantineSend {
  Outgoing message;
  bool corrupt_signature = false;  // sign, then flip a bit of the signature
};

class ByzantinePolicy {
 public:
  virtual ~ByzantinePolicy() = default;
  // The name it was selected by ("equivocate"), for logs and reports.
  virtual std::string_view name() const = 0;
  // What to send instead of `message`: nothing, the message, altered copies, one per destination...
  virtual void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) = 0;
  // Messages held back earlier (slow) or replayed (replay) that go out now.
  virtual void on_tick(Tick now, std::vector<ByzantineSend>& out) = 0;
};

}  // namespace loyal::replica
