#include "replica/runtime/mode_mismatch.h"

#include <gtest/gtest.h>

#include "net/envelope_codec.h"

namespace loyal::runtime {
namespace {

constexpr std::uint64_t kClusterId = 9;

net::DecodeContext pbft_context() { return net::DecodeContext{kClusterId, ProtocolMode::pbft, 4, 2, {}}; }

Bytes frame_from(NodeId sender, ProtocolMode mode, net::MessageKind kind, std::uint64_t cluster_id = kClusterId) {
  net::Envelope envelope;
  envelope.header = {cluster_id, mode, sender, kind};
  envelope.body = to_bytes("body");
  envelope.authenticator = crypto::Signature{};
  return net::encode_envelope(envelope);
}

TEST(ModeMismatchReporter, NamesTheSenderAndItsModeOncePerSender) {
  ModeMismatchReporter reporter(pbft_context());
  const Bytes raft = frame_from(NodeId::replica(2), ProtocolMode::raft, net::MessageKind::raft_append_entries);
  const std::optional<std::string> first = reporter.first_report(raft);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first,
            "replica 2 sent a raft message but this cluster runs pbft: start every replica with the same --protocol");
  EXPECT_FALSE(reporter.first_report(raft).has_value());
  // Another sender is reported on its own.
  const Bytes paxos = frame_from(NodeId::replica(3), ProtocolMode::paxos, net::MessageKind::paxos_prepare);
  const std::optional<std::string> other = reporter.first_report(paxos);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->find("replica 3 sent a paxos message"), std::string::npos);
}

TEST(ModeMismatchReporter, IgnoresFramesThatDoNotDecodeUnderAnyMode) {
  ModeMismatchReporter reporter(pbft_context());
  EXPECT_FALSE(reporter.first_report(to_bytes("not an envelope at all")).has_value());
  EXPECT_FALSE(reporter.first_report(frame_from(NodeId::replica(1), ProtocolMode::raft,
                                                net::MessageKind::raft_append_entries, kClusterId + 1))
                   .has_value());
  // A sender outside the cluster is not a member that runs the wrong protocol.
  EXPECT_FALSE(reporter.first_report(frame_from(NodeId::replica(7), ProtocolMode::raft,
                                                net::MessageKind::raft_append_entries))
                   .has_value());
}

}  // namespace
}  // namespace loyal::runtime
