#pragma once
// The mode classes behind make_byzantine_policy() (byzantine_policy.h), and the helpers they share
// for taking the core's messages apart and putting them back together. Internal to this folder:
// callers select modes by name.

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "common/prng.h"
#include "crypto/digest.h"
#include "pbft/byzantine/byzantine_policy.h"
#include "pbft/messages.h"
#include "replica/protocol.h"

namespace loyal::pbft::byzantine {

using replica::ByzantineSend;
using replica::Outgoing;
using replica::Tick;

// ---- helpers (rewriting.cc) ----------------------------------------------------------------

// The replicas `message` goes to: its one destination, or every replica but `self`, in id order.
std::vector<ReplicaId> destinations(const Outgoing& message, ReplicaId self, std::uint32_t replica_count);
// A digest that is certainly not `digest` yet looks like one: SHA-256 of it.
crypto::Digest wrong_digest(const crypto::Digest& digest);
// The empty batch, encoded: valid (it decodes and carries no request), with its own digest.
const Bytes& empty_batch();
bool is_vote(net::MessageKind kind);  // PREPARE or COMMIT
// The fields PREPARE and COMMIT share, so a mode can edit either the same way.
struct VoteFields {
  View view = 0;
  Sequence sequence = 0;
  crypto::Digest digest;
};
// Nullopt if `message` is not a PREPARE/COMMIT or its body does not decode (the core's own bodies
// always do; callers pass anything else through unchanged).
std::optional<VoteFields> decode_vote_fields(const Outgoing& message, const net::DecodeLimits& limits);
// `message` with its body re-encoded from `fields` (same destination and kind).
Outgoing with_vote_fields(const Outgoing& message, const VoteFields& fields);

// ---- silent, withhold, bad-signature (silence_modes.cc) --------------------------------------

class SilentPolicy final : public replica::ByzantinePolicy {
 public:
  std::string_view name() const override { return "silent"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;
};

class WithholdPolicy final : public replica::ByzantinePolicy {
 public:
  std::string_view name() const override { return "withhold"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;
};

class BadSignaturePolicy final : public replica::ByzantinePolicy {
 public:
  std::string_view name() const override { return "bad-signature"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;
};

// ---- slow, equivocate (proposal_modes.cc) ----------------------------------------------------

class SlowPolicy final : public replica::ByzantinePolicy {
 public:
  explicit SlowPolicy(Tick delay_ticks) : delay_ticks_(delay_ticks) {}
  std::string_view name() const override { return "slow"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  struct Held {
    Tick release_at = 0;
    Outgoing message;
  };
  Tick delay_ticks_;
  std::deque<Held> held_;  // release_at never decreases along it: one delay for all
};

class EquivocatePolicy final : public replica::ByzantinePolicy {
 public:
  explicit EquivocatePolicy(const ByzantineContext& context)
      : self_(context.self), replica_count_(context.replica_count), limits_(context.limits) {}
  std::string_view name() const override { return "equivocate"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  ReplicaId self_;
  std::uint32_t replica_count_;
  net::DecodeLimits limits_;
};

// ---- wrong-digest, mutate (vote_modes.cc) ----------------------------------------------------

class WrongDigestPolicy final : public replica::ByzantinePolicy {
 public:
  explicit WrongDigestPolicy(const net::DecodeLimits& limits) : limits_(limits) {}
  std::string_view name() const override { return "wrong-digest"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  net::DecodeLimits limits_;
};

class MutatePolicy final : public replica::ByzantinePolicy {
 public:
  explicit MutatePolicy(const ByzantineContext& context)
      : prng_(context.seed), per_mille_(context.mutate_per_mille), limits_(context.limits) {}
  std::string_view name() const override { return "mutate"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  std::optional<Outgoing> mutated(const Outgoing& message);
  Prng prng_;
  std::uint32_t per_mille_;
  net::DecodeLimits limits_;
};

// ---- replay, corrupt-checkpoint, forge-view-change (message_modes.cc) ------------------------

class ReplayPolicy final : public replica::ByzantinePolicy {
 public:
  explicit ReplayPolicy(const ByzantineContext& context)
      : prng_(context.seed), capacity_(context.replay_ring_capacity), per_tick_(context.replays_per_tick) {}
  std::string_view name() const override { return "replay"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  Prng prng_;
  std::uint32_t capacity_;
  std::uint32_t per_tick_;
  std::deque<Outgoing> sent_;  // the last `capacity_` messages sent, oldest first
};

class CorruptCheckpointPolicy final : public replica::ByzantinePolicy {
 public:
  explicit CorruptCheckpointPolicy(const net::DecodeLimits& limits) : limits_(limits) {}
  std::string_view name() const override { return "corrupt-checkpoint"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  net::DecodeLimits limits_;
};

// Makes every prepared certificate in its VIEW-CHANGEs invalid, and adds one more: each real
// certificate keeps its PRE-PREPARE but its PREPAREs become copies of its first one (one signer
// counted 2f times), and a forged certificate claims the sequence number after the stable
// checkpoint with a bare, unsigned PRE-PREPARE of the empty batch. A correct replica must refuse
// the whole VIEW-CHANGE, and the invalid certificates must not mask the valid ones in the other
// replicas' VIEW-CHANGEs. Other kinds pass unchanged.
class ForgeViewChangePolicy final : public replica::ByzantinePolicy {
 public:
  explicit ForgeViewChangePolicy(const net::DecodeLimits& limits) : limits_(limits) {}
  std::string_view name() const override { return "forge-view-change"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  net::DecodeLimits limits_;
};

// Sends VIEW-CHANGEs that are valid but lie by omission: the stable checkpoint proof as it is, no
// prepared certificate at all. The replica otherwise takes part honestly, so batches prepare and
// commit with its votes; then a NEW-VIEW must still re-issue them from the correct replicas'
// VIEW-CHANGEs, which is what a correct replica that lost its certificate (issue 12) would break.
// Other kinds pass unchanged.
class HideCertificatesPolicy final : public replica::ByzantinePolicy {
 public:
  explicit HideCertificatesPolicy(const net::DecodeLimits& limits) : limits_(limits) {}
  std::string_view name() const override { return "hide-certificates"; }
  void rewrite(const Outgoing& message, Tick now, std::vector<ByzantineSend>& out) override;
  void on_tick(Tick now, std::vector<ByzantineSend>& out) override;

 private:
  net::DecodeLimits limits_;
};

}  // namespace loyal::pbft::byzantine
