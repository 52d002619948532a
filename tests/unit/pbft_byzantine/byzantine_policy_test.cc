// The Byzantine policies on their own: what each makes of the core's messages before signing.

#include "pbft/byzantine/byzantine_policy.h"

#include <gtest/gtest.h>

#include <set>

#include "pbft/messages.h"
#include "pbft/view_change.h"
#include "replica/request.h"

namespace loyal::pbft {
namespace {

using replica::ByzantineSend;
using replica::Outgoing;

constexpr std::uint32_t kReplicas = 4;

ByzantineContext context(ReplicaId self = 1, std::uint64_t seed = 7) {
  ByzantineContext c;
  c.self = self;
  c.replica_count = kReplicas;
  c.seed = seed;
  return c;
}

std::unique_ptr<replica::ByzantinePolicy> make(std::string_view mode, const ByzantineContext& c = context()) {
  auto policy = make_byzantine_policy(mode, c);
  EXPECT_NE(policy, nullptr) << mode;
  return policy;
}

// A real batch: one request; its content does not matter to the policies.
Bytes real_batch() {
  replica::Batch batch;
  batch.requests.push_back(replica::ClientRequest{0, 1, to_bytes("put k v"),
                                                  replica::encode_client_request_body(1, as_bytes("put k v")),
                                                  crypto::Signature{}});
  return replica::encode_batch(batch);
}

Outgoing pre_prepare(Sequence sequence) {
  const Bytes batch = real_batch();
  return {Outgoing::kAllReplicas, net::MessageKind::pbft_pre_prepare,
          encode_pre_prepare({0, sequence, crypto::sha256(batch)}), {}, batch};
}
Outgoing prepare(Sequence sequence) {
  return {Outgoing::kAllReplicas, net::MessageKind::pbft_prepare,
          encode_prepare({0, sequence, crypto::sha256(as_bytes("batch"))})};
}
Outgoing commit(Sequence sequence) {
  return {Outgoing::kAllReplicas, net::MessageKind::pbft_commit,
          encode_commit({0, sequence, crypto::sha256(as_bytes("batch"))})};
}
Outgoing checkpoint(Sequence sequence) {
  return {Outgoing::kAllReplicas, net::MessageKind::checkpoint,
          replica::encode_checkpoint({sequence, crypto::sha256(as_bytes("state"))})};
}
Outgoing forwarded() { return {0, net::MessageKind::forwarded_request, to_bytes("client frame")}; }

std::vector<ByzantineSend> rewrite(replica::ByzantinePolicy& policy, const Outgoing& message, replica::Tick now = 0) {
  std::vector<ByzantineSend> out;
  policy.rewrite(message, now, out);
  return out;
}
std::vector<ByzantineSend> tick(replica::ByzantinePolicy& policy, replica::Tick now) {
  std::vector<ByzantineSend> out;
  policy.on_tick(now, out);
  return out;
}

std::vector<Outgoing> all_kinds() { return {pre_prepare(1), prepare(1), commit(1), checkpoint(32), forwarded()}; }

TEST(ByzantineFactory, KnowsEveryModeByNameAndRefusesUnknownOnes) {
  const std::vector<std::string_view> names = byzantine_mode_names();
  EXPECT_EQ(names.size(), 11u);
  for (std::string_view name : names) {
    auto policy = make_byzantine_policy(name, context());
    ASSERT_NE(policy, nullptr) << name;
    EXPECT_EQ(policy->name(), name);
  }
  EXPECT_EQ(make_byzantine_policy("honest", context()), nullptr);
  EXPECT_EQ(make_byzantine_policy("equivocate-collude", context()), nullptr) << "test-only modes stay out";
}

TEST(ByzantineSilent, EmitsNothingEver) {
  auto policy = make("silent");
  for (const Outgoing& message : all_kinds()) EXPECT_TRUE(rewrite(*policy, message).empty());
  for (replica::Tick t = 1; t < 100; ++t) EXPECT_TRUE(tick(*policy, t).empty());
}

TEST(ByzantineSlow, DelaysPrePreparesByExactlyTheConfiguredTicks) {
  ByzantineContext c = context(0);
  c.slow_delay_ticks = 17;
  auto policy = make("slow", c);
  EXPECT_TRUE(rewrite(*policy, pre_prepare(1), 5).empty());
  EXPECT_TRUE(rewrite(*policy, pre_prepare(2), 6).empty());
  const auto other = rewrite(*policy, commit(1), 6);
  ASSERT_EQ(other.size(), 1u) << "other kinds go at once";
  EXPECT_EQ(other[0].message, commit(1));
  for (replica::Tick t = 6; t < 22; ++t) EXPECT_TRUE(tick(*policy, t).empty()) << "tick " << t;
  const auto first = tick(*policy, 22);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].message, pre_prepare(1));
  EXPECT_FALSE(first[0].corrupt_signature);
  const auto second = tick(*policy, 23);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].message, pre_prepare(2));
  EXPECT_TRUE(tick(*policy, 24).empty());
}

TEST(ByzantineEquivocate, SendsEachDestinationItsOwnValidPrePrepare) {
  auto policy = make("equivocate", context(0));
  const auto out = rewrite(*policy, pre_prepare(3));
  ASSERT_EQ(out.size(), kReplicas - 1);
  std::set<ReplicaId> to;
  std::set<crypto::Digest> digests;
  for (const ByzantineSend& send : out) {
    to.insert(send.message.to);
    EXPECT_EQ(send.message.kind, net::MessageKind::pbft_pre_prepare);
    auto decoded = decode_pre_prepare(send.message.body, {});
    ASSERT_TRUE(std::holds_alternative<PrePrepare>(decoded));
    const PrePrepare& p = std::get<PrePrepare>(decoded);
    EXPECT_EQ(p.view, 0u);
    EXPECT_EQ(p.sequence, 3u);
    const Bytes& batch = send.message.attachment;
    EXPECT_EQ(crypto::sha256(batch), p.batch_digest) << "a backup drops a batch its digest does not match";
    EXPECT_TRUE(std::holds_alternative<replica::Batch>(replica::decode_batch(batch, kReplicas, {})));
    digests.insert(p.batch_digest);
  }
  EXPECT_EQ(to, (std::set<ReplicaId>{1, 2, 3})) << "one per destination, none to itself";
  EXPECT_EQ(digests.size(), 2u) << "two different batches at one (view, sequence)";
  EXPECT_EQ(rewrite(*policy, pre_prepare(3)).front().message.body, out.front().message.body)
      << "a destination is always told the same";
  const auto vote = rewrite(*policy, commit(3));
  ASSERT_EQ(vote.size(), 1u);
  EXPECT_EQ(vote[0].message, commit(3));
}

TEST(ByzantineWithhold, DropsPreparesAndCommitsOnly) {
  auto policy = make("withhold");
  EXPECT_TRUE(rewrite(*policy, prepare(1)).empty());
  EXPECT_TRUE(rewrite(*policy, commit(1)).empty());
  for (const Outgoing& message : {pre_prepare(1), checkpoint(32), forwarded()}) {
    const auto out = rewrite(*policy, message);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].message, message);
  }
}

TEST(ByzantineBadSignature, CorruptsEverySignature) {
  auto policy = make("bad-signature");
  for (const Outgoing& message : all_kinds()) {
    const auto out = rewrite(*policy, message);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].message, message);
    EXPECT_TRUE(out[0].corrupt_signature);
  }
}

TEST(ByzantineWrongDigest, ChangesTheDigestOfPreparesAndCommits) {
  auto policy = make("wrong-digest");
  const auto p = rewrite(*policy, prepare(4));
  ASSERT_EQ(p.size(), 1u);
  const Prepare sent_prepare = std::get<Prepare>(decode_prepare(p[0].message.body, {}));
  EXPECT_EQ(sent_prepare.sequence, 4u);
  EXPECT_NE(sent_prepare.batch_digest, crypto::sha256(as_bytes("batch")));
  const auto c = rewrite(*policy, commit(4));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].message.kind, net::MessageKind::pbft_commit);
  EXPECT_NE(std::get<Commit>(decode_commit(c[0].message.body, {})).batch_digest, crypto::sha256(as_bytes("batch")));
  const auto pp = rewrite(*policy, pre_prepare(4));
  ASSERT_EQ(pp.size(), 1u);
  EXPECT_EQ(pp[0].message, pre_prepare(4));
}

TEST(ByzantineReplay, SendsEverythingAndResendsEarlierFrames) {
  ByzantineContext c = context();
  c.replays_per_tick = 3;
  c.replay_ring_capacity = 4;
  auto policy = make("replay", c);
  EXPECT_TRUE(tick(*policy, 1).empty()) << "nothing to replay yet";
  std::vector<Outgoing> sent;
  for (Sequence s = 1; s <= 6; ++s) {
    const auto out = rewrite(*policy, prepare(s));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].message, prepare(s));
  }
  std::set<Sequence> replayed;
  for (replica::Tick t = 2; t < 40; ++t) {
    const auto out = tick(*policy, t);
    ASSERT_EQ(out.size(), 3u);
    for (const ByzantineSend& send : out) {
      replayed.insert(std::get<Prepare>(decode_prepare(send.message.body, {})).sequence);
    }
  }
  EXPECT_EQ(replayed, (std::set<Sequence>{3, 4, 5, 6})) << "the ring keeps the last four";
}

TEST(ByzantineCorruptCheckpoint, ChangesTheStateDigestOnly) {
  auto policy = make("corrupt-checkpoint");
  const auto out = rewrite(*policy, checkpoint(64));
  ASSERT_EQ(out.size(), 1u);
  const auto sent = std::get<replica::CheckpointMessage>(replica::decode_checkpoint(out[0].message.body, {}));
  EXPECT_EQ(sent.sequence, 64u);
  EXPECT_NE(sent.state_digest, crypto::sha256(as_bytes("state")));
  EXPECT_EQ(rewrite(*policy, commit(1)).front().message, commit(1));
}

// An honest VIEW-CHANGE with its checkpoint proof and one prepared certificate (sequence 33).
ViewChange honest_view_change() {
  const PreparedCertificateFrames certificate{to_bytes("pre-prepare 33"),
                                              {to_bytes("prepare 33 from 2"), to_bytes("prepare 33 from 3")}};
  return ViewChange{1, 32, {to_bytes("checkpoint a"), to_bytes("checkpoint b")}, {certificate}};
}

TEST(ByzantineHideCertificates, SendsAValidViewChangeWithoutAnyPreparedCertificate) {
  auto policy = make("hide-certificates");
  const ViewChange honest = honest_view_change();
  const Outgoing message{Outgoing::kAllReplicas, net::MessageKind::pbft_view_change, encode_view_change(honest)};
  const auto out = rewrite(*policy, message);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].corrupt_signature);
  const ViewChange hidden = std::get<ViewChange>(decode_view_change(out[0].message.body, {}, 1000));
  EXPECT_EQ(hidden, (ViewChange{1, 32, honest.checkpoint_proof, {}}));
  for (const Outgoing& other : all_kinds()) EXPECT_EQ(rewrite(*policy, other).front().message, other);
}

TEST(ByzantineForgeViewChange, MakesEveryPreparedCertificateInvalidAndAddsAForgedOne) {
  auto policy = make("forge-view-change");
  const ViewChange honest = honest_view_change();
  const Outgoing message{Outgoing::kAllReplicas, net::MessageKind::pbft_view_change, encode_view_change(honest)};
  const auto out = rewrite(*policy, message);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message.kind, net::MessageKind::pbft_view_change);
  EXPECT_FALSE(out[0].corrupt_signature) << "the VIEW-CHANGE itself is properly signed";
  auto decoded = decode_view_change(out[0].message.body, {}, 1000);
  ASSERT_TRUE(std::holds_alternative<ViewChange>(decoded));
  const ViewChange& forged = std::get<ViewChange>(decoded);
  EXPECT_EQ(forged.view, 1u);
  EXPECT_EQ(forged.stable_sequence, 32u);
  EXPECT_EQ(forged.checkpoint_proof, honest.checkpoint_proof);
  ASSERT_EQ(forged.prepared.size(), 2u);
  EXPECT_EQ(forged.prepared[0].pre_prepare, honest.prepared[0].pre_prepare);
  EXPECT_EQ(forged.prepared[0].prepares,
            (std::vector<Bytes>{to_bytes("prepare 33 from 2"), to_bytes("prepare 33 from 2")}))
      << "one signer counted twice";
  const PrePrepare bare = std::get<PrePrepare>(decode_pre_prepare(forged.prepared[1].pre_prepare, {}));
  EXPECT_EQ(bare.sequence, 33u) << "a bare, unsigned PRE-PREPARE is no evidence";
  EXPECT_TRUE(forged.prepared[1].prepares.empty());
  for (const Outgoing& other : all_kinds()) EXPECT_EQ(rewrite(*policy, other).front().message, other);
}

std::vector<Outgoing> mutate_run(std::uint64_t seed) {
  auto policy = make("mutate", context(1, seed));
  std::vector<Outgoing> sent;
  for (Sequence s = 1; s <= 200; ++s) {
    for (const Outgoing& message : {pre_prepare(s), prepare(s), commit(s)}) {
      for (ByzantineSend& send : rewrite(*policy, message)) sent.push_back(std::move(send.message));
    }
  }
  return sent;
}

TEST(ByzantineMutate, IsDeterministicForASeedAndEditsSomeMessagesSlightly) {
  const std::vector<Outgoing> first = mutate_run(11);
  EXPECT_EQ(first, mutate_run(11));
  EXPECT_NE(first, mutate_run(12));
  ASSERT_EQ(first.size(), 600u) << "one message out per message in";
  std::size_t edited = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const Sequence s = i / 3 + 1;
    const Outgoing original = i % 3 == 0 ? pre_prepare(s) : i % 3 == 1 ? prepare(s) : commit(s);
    if (first[i] == original) continue;
    ++edited;
    EXPECT_EQ(first[i].kind, original.kind);
    if (original.kind == net::MessageKind::pbft_pre_prepare) {
      const auto p = std::get<PrePrepare>(decode_pre_prepare(first[i].body, {}));
      const auto o = std::get<PrePrepare>(decode_pre_prepare(original.body, {}));
      EXPECT_EQ(first[i].attachment, original.attachment);
      EXPECT_EQ(int{p.view != o.view} + int{p.sequence != o.sequence} + int{p.batch_digest != o.batch_digest}, 1);
    }
  }
  EXPECT_GT(edited, 60u);   // about 20 %
  EXPECT_LT(edited, 200u);
  auto policy = make("mutate");
  const auto out = rewrite(*policy, checkpoint(32));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].message, checkpoint(32)) << "only ordering messages are mutated";
}

}  // namespace
}  // namespace loyal::pbft
