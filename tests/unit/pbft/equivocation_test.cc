// Equivocation evidence: two conflicting signed messages from one replica for one (view, sequence
// number) are kept as proof, up to a bound.

#include <gtest/gtest.h>

#include "core_fixture.h"
#include "net/authentication.h"
#include "net/envelope_codec.h"
#include "pbft/equivocation.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

class EquivocationTest : public CoreTest {};

TEST_F(EquivocationTest, AnEquivocatingPrimarysTwoPrePreparesAreKeptAsEvidence) {
  const TestBatch first = batch_for(1);
  const TestBatch second = batch_for(2);
  pre_prepare(1, first);
  pre_prepare(1, second);
  pre_prepare(1, second);  // counted, kept once
  ASSERT_EQ(core_.equivocations().size(), 1u);
  const EquivocationEvidence& evidence = core_.equivocations()[0];
  EXPECT_EQ(evidence.sender, 0u);
  EXPECT_EQ(evidence.kind, MessageKind::pbft_pre_prepare);
  EXPECT_EQ(evidence.view, 0u);
  EXPECT_EQ(evidence.sequence, 1u);
  EXPECT_EQ(evidence.first, keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, first)));
  EXPECT_EQ(evidence.second, keys_.frame(0, MessageKind::pbft_pre_prepare, pre_prepare_body(0, 1, second)));
  EXPECT_EQ(core_.equivocation_count(), 2u);
}

TEST_F(EquivocationTest, ConflictingPreparesAndCommitsFromOneReplicaAreKeptAsEvidence) {
  prepare(3, 1, batch_for(1).digest);
  prepare(3, 1, batch_for(2).digest);
  commit(3, 1, batch_for(1).digest);
  commit(3, 1, batch_for(2).digest);
  ASSERT_EQ(core_.equivocations().size(), 2u);
  EXPECT_EQ(core_.equivocations()[0].kind, MessageKind::pbft_prepare);
  EXPECT_EQ(core_.equivocations()[1].kind, MessageKind::pbft_commit);
  EXPECT_EQ(core_.equivocations()[1].sender, 3u);
}

TEST_F(EquivocationTest, ExportedEvidenceRoundTripsAndEachFrameVerifiesAgainstItsSigner) {
  pre_prepare(1, batch_for(1));
  pre_prepare(1, batch_for(2));
  prepare(3, 1, batch_for(1).digest);
  prepare(3, 1, batch_for(2).digest);
  const Bytes report = encode_equivocation_report(core_.equivocations());
  auto decoded = decode_equivocation_report(report, {});
  ASSERT_TRUE((std::holds_alternative<std::vector<EquivocationEvidence>>(decoded)));
  const auto& evidence = std::get<std::vector<EquivocationEvidence>>(decoded);
  ASSERT_EQ(evidence.size(), 2u);
  for (const EquivocationEvidence& entry : evidence) {
    // Portable proof: both frames decode and carry valid signatures of the accused replica.
    for (const Bytes& frame : {entry.first, entry.second}) {
      auto envelope = net::decode_envelope(frame, keys_.decode_context());
      ASSERT_TRUE(std::holds_alternative<net::Envelope>(envelope));
      EXPECT_EQ(std::get<net::Envelope>(envelope).header.sender, NodeId::replica(entry.sender));
      EXPECT_TRUE(net::verify_envelope_signature(std::get<net::Envelope>(envelope), keys_.verifier()));
    }
    EXPECT_NE(entry.first, entry.second);
  }
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(decode_equivocation_report(to_bytes("garbage!"), {})));
}

TEST(Equivocations, KeepABoundedNumber) {
  Equivocations equivocations;
  for (Sequence sequence = 1; sequence <= kMaxEquivocationsKept + 10; ++sequence) {
    equivocations.record(3, MessageKind::pbft_prepare, 0, sequence, Bytes{1}, Bytes{2});
  }
  EXPECT_EQ(equivocations.kept().size(), kMaxEquivocationsKept);
  EXPECT_EQ(equivocations.count(), kMaxEquivocationsKept + 10);
}

}  // namespace
}  // namespace loyal::pbft::testing
