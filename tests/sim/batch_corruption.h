#pragma once
// TEST ONLY: a deliberately broken replica, to show that the checkers can fail. The decorator
// wraps a real protocol core and, at one sequence number, swaps the committed batch it hands to
// the pipeline for a different valid one (an empty no-op batch, with that batch's digest) before
// the pipeline executes it. The agreement checker must then report a violation. Never used by
// loyal-sim's normal runs; only SimOptions::test hooks reach it.

#include <memory>

#include "replica/protocol.h"
#include "tests/sim/sim_replica.h"

namespace loyal::sim {

struct BatchCorruption {
  ReplicaId replica = 0;
  replica::Sequence sequence = 1;
  friend bool operator==(const BatchCorruption&, const BatchCorruption&) = default;
};

class CorruptingProtocol final : public replica::Protocol {
 public:
  CorruptingProtocol(std::unique_ptr<replica::Protocol> inner, replica::Sequence sequence)
      : inner_(std::move(inner)), sequence_(sequence) {}

  ProtocolMode mode() const override { return inner_->mode(); }
  replica::Validation validate(const net::Envelope& envelope, ByteView frame) const override {
    return inner_->validate(envelope, frame);
  }
  void on_message(const replica::ValidatedMessage& message, replica::Actions& out) override {
    inner_->on_message(message, out);
    corrupt(out);
  }
  bool can_propose() const override { return inner_->can_propose(); }
  void propose(Bytes batch, const crypto::Digest& digest, replica::Actions& out) override {
    inner_->propose(std::move(batch), digest, out);
    corrupt(out);
  }
  void on_tick(replica::Actions& out) override {
    inner_->on_tick(out);
    corrupt(out);
  }
  void on_persisted(std::uint64_t last_durable_id, replica::Actions& out) override {
    inner_->on_persisted(last_durable_id, out);
    corrupt(out);
  }
  void on_checkpoint_taken(replica::Sequence sequence, const crypto::Digest& state_digest,
                           replica::Actions& out) override {
    inner_->on_checkpoint_taken(sequence, state_digest, out);
    corrupt(out);
  }
  void on_state_installed(replica::Sequence sequence, const crypto::Digest& state_digest,
                          replica::Actions& out) override {
    inner_->on_state_installed(sequence, state_digest, out);
    corrupt(out);
  }
  replica::ProtocolStatus status() const override { return inner_->status(); }

 private:
  void corrupt(replica::Actions& out) const;

  std::unique_ptr<replica::Protocol> inner_;
  replica::Sequence sequence_;
};

// `make_protocol`, except that `corruption.replica`'s core is wrapped in a CorruptingProtocol.
ProtocolFactory with_batch_corruption(ProtocolFactory make_protocol, BatchCorruption corruption);

}  // namespace loyal::sim
