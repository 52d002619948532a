// VIEW-CHANGE and NEW-VIEW stay inside one frame for every configuration the loader accepts
// (cluster/pbft_bounds.h): certificates name batches by digest, the loader refuses windows too
// large for n, and replicas refuse VIEW-CHANGEs larger than their share of a NEW-VIEW. The worst
// case is built here with real signatures, at the largest window the loader accepts, and decoded
// and verified as the receiving replica does.

#include <gtest/gtest.h>

#include "cluster/pbft_bounds.h"
#include "net/envelope_codec.h"
#include "pbft/drop_reasons.h"
#include "pbft/new_view.h"
#include "pbft/validator.h"
#include "pbft/view_change.h"
#include "pbft_test_support.h"

namespace loyal::pbft::testing {
namespace {

using net::MessageKind;

constexpr std::uint32_t kInterval = 128;  // K, the default
constexpr Sequence kStable = kInterval;   // every VIEW-CHANGE proves a stable checkpoint here

// One cluster of n replicas at the largest window the loader accepts for n.
class WorstCase {
 public:
  explicit WorstCase(std::uint32_t replica_count)
      : keys_(replica_count), options_(options_for(replica_count)), validator_(options_, keys_.authenticator(1), keys_.verifier()) {}

  const PbftOptions& options() const { return options_; }
  std::uint32_t quorum() const { return quorum_size(options_.replica_count, options_.max_faulty); }

  // A VIEW-CHANGE for view 1 as large as a correct replica's can be: n CHECKPOINTs of proof and a
  // prepared certificate for every sequence number of the window. `prepares` per certificate:
  // quorum - 1 for a correct replica; a faulty one may add more.
  Bytes view_change(ReplicaId sender, std::uint32_t prepares) const {
    const crypto::Digest state = state_digest("worst case");
    ViewChange view_change{1, kStable, {}, {}};
    for (ReplicaId replica = 0; replica < options_.replica_count; ++replica) {
      view_change.checkpoint_proof.push_back(keys_.frame(replica, MessageKind::checkpoint, checkpoint_body(kStable, state)));
    }
    for (Sequence sequence = kStable + 1; sequence <= kStable + options_.window; ++sequence) {
      const crypto::Digest digest = crypto::sha256(as_bytes("batch " + std::to_string(sequence)));
      const Bytes prepare = prepare_body(0, sequence, digest);
      PreparedCertificateFrames certificate{
          keys_.frame(0, MessageKind::pbft_pre_prepare, encode_pre_prepare({0, sequence, digest})), {}};
      for (ReplicaId backup = 1; backup <= prepares; ++backup) {
        certificate.prepares.push_back(keys_.frame(backup, MessageKind::pbft_prepare, prepare));
      }
      view_change.prepared.push_back(std::move(certificate));
    }
    return keys_.frame(sender, MessageKind::pbft_view_change, encode_view_change(view_change));
  }

  replica::Validation validate(const Bytes& frame) const {
    const auto decoded = net::decode_envelope(frame, keys_.decode_context());
    EXPECT_TRUE(std::holds_alternative<net::Envelope>(decoded));
    if (!std::holds_alternative<net::Envelope>(decoded)) return std::string_view("undecodable");
    return validator_.validate(std::get<net::Envelope>(decoded), frame);
  }

  const TestKeys& keys() const { return keys_; }

 private:
  static PbftOptions options_for(std::uint32_t replica_count) {
    PbftOptions options = small_options(1, replica_count, (replica_count - 1) / 3);
    const auto fitting = cluster::pbft_fitting_window(replica_count, kInterval, cluster::kMaxWindow);
    EXPECT_TRUE(fitting.has_value());
    options.checkpoint_interval = fitting->first;
    options.window = fitting->second;
    return options;
  }

  TestKeys keys_;
  PbftOptions options_;
  PbftValidator validator_;
};

std::string_view reason_of(const replica::Validation& validation) {
  return std::holds_alternative<std::string_view>(validation) ? std::get<std::string_view>(validation)
                                                               : std::string_view("accepted");
}

TEST(ViewChangeSize, TheBoundsCoverEverySignedFrameACertificateHolds) {
  const TestKeys keys(4);
  const Sequence most = ~Sequence{0};
  const crypto::Digest digest = crypto::sha256(as_bytes("d"));
  const Bytes pre_prepare = encode_pre_prepare({most, most, digest});
  EXPECT_LE(keys.frame(3, MessageKind::pbft_pre_prepare, pre_prepare).size(), cluster::kSignedVoteFrameBytes);
  EXPECT_LE(keys.frame(3, MessageKind::pbft_prepare, prepare_body(most, most, digest)).size(),
            cluster::kSignedVoteFrameBytes);
  EXPECT_LE(keys.frame(3, MessageKind::checkpoint, checkpoint_body(most, digest)).size(), cluster::kSignedVoteFrameBytes);
  EXPECT_LE(pre_prepare.size() + cluster::kListEntryBytes, cluster::kReissuedPrePrepareBytes);
}

// For n = 4 and n = 10 at the largest window the loader accepts: the largest VIEW-CHANGE a
// correct replica sends is accepted, and a NEW-VIEW of a quorum of them fits one frame and is
// accepted by a backup that checks every signature in it.
TEST(ViewChangeSize, TheWorstCaseNewViewFitsOneFrameAndIsAcceptedAtTheLargestWindowTheLoaderAccepts) {
  for (const std::uint32_t n : {4u, 10u}) {
    const WorstCase cluster(n);
    const std::uint32_t window = cluster.options().window;
    EXPECT_GE(window, n == 4 ? 1024u : 256u) << "digest-sized certificates leave room for long windows";
    EXPECT_EQ(cluster::check_pbft_window(n, window, cluster.options().checkpoint_interval), std::nullopt);

    std::vector<Bytes> view_changes;
    std::vector<CheckedViewChange> checked;
    for (ReplicaId sender = 0; sender < cluster.quorum(); ++sender) {
      view_changes.push_back(cluster.view_change(sender, cluster.quorum() - 1));
      EXPECT_LE(view_changes.back().size(), cluster::pbft_largest_view_change_bytes(n, window));
      EXPECT_LE(view_changes.back().size(), cluster::pbft_view_change_limit_bytes(n, window));
      const replica::Validation validation = cluster.validate(view_changes.back());
      ASSERT_EQ(reason_of(validation), "accepted") << "n = " << n;
      checked.push_back(dynamic_cast<const ViewChangeMessage&>(
                            *std::get<std::unique_ptr<const replica::ValidatedMessage>>(validation))
                            .view_change());
    }
    const NewViewPlan plan = plan_new_view(1, checked);
    ASSERT_EQ(plan.pre_prepares.size(), window);
    const Bytes new_view =
        cluster.keys().frame(1, MessageKind::pbft_new_view, encode_new_view({1, view_changes, encode_pre_prepares(plan)}));
    EXPECT_LE(new_view.size(), net::kMaxFrameBytes) << "n = " << n;
    EXPECT_EQ(reason_of(cluster.validate(new_view)), "accepted") << "n = " << n;
  }
}

// A faulty replica padding its certificates with every PREPARE there is would make the NEW-VIEW
// that carries its VIEW-CHANGE too large to send: it is refused before any signature is checked.
TEST(ViewChangeSize, AViewChangeLargerThanItsShareOfANewViewIsRefused) {
  const WorstCase cluster(10);
  const Bytes padded = cluster.view_change(3, cluster.options().replica_count - 1);
  ASSERT_GT(padded.size(), cluster::pbft_view_change_limit_bytes(10, cluster.options().window));
  EXPECT_EQ(reason_of(cluster.validate(padded)), reason::kViewChangeTooLarge);
}

TEST(ViewChangeSize, TheLoaderRefusesAWindowTooLargeForNAndNamesOneThatFits) {
  EXPECT_EQ(cluster::check_pbft_window(4, 256, 128), std::nullopt);
  EXPECT_EQ(cluster::check_pbft_window(10, 256, 128), std::nullopt);
  const auto problem = cluster::check_pbft_window(13, 256, 128);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("use checkpoint_interval 64 and window 192"), std::string::npos) << *problem;
  const auto fitting = cluster::pbft_fitting_window(13, 128, 256);
  ASSERT_TRUE(fitting.has_value());
  EXPECT_EQ(*fitting, std::make_pair(64u, 192u));
  EXPECT_EQ(cluster::check_pbft_window(13, 192, 64), std::nullopt);
  const auto smaller = cluster::check_pbft_window(13, 512, 64);
  ASSERT_TRUE(smaller.has_value());
  EXPECT_NE(smaller->find("use window 192 or less"), std::string::npos) << *smaller;
  // Far above a hundred replicas not even K = 1, L = 2 fits one frame.
  EXPECT_EQ(cluster::pbft_fitting_window(128, 128, 256), std::nullopt);
  EXPECT_TRUE(cluster::check_pbft_window(128, 2, 1).has_value());
}

}  // namespace
}  // namespace loyal::pbft::testing
