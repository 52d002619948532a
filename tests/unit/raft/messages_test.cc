// Wire codecs and the validator: what reaches the core is well-formed, and bad input is dropped
// with its named reason.

#include <gtest/gtest.h>

#include "raft/drop_reasons.h"
#include "raft_harness.h"

namespace loyal::raft::testing {
namespace {

using net::MessageKind;

std::string_view refused(const replica::Validation& validation) {
  const auto* reason = std::get_if<std::string_view>(&validation);
  return reason ? *reason : std::string_view{};
}

TEST(RaftMessages, RoundTrip) {
  const net::DecodeLimits limits;
  const VoteRequest vote{7, 42, 6};
  EXPECT_EQ(std::get<VoteRequest>(decode_vote_request(encode_vote_request(vote), limits)), vote);
  const VoteReply reply{7, true};
  EXPECT_EQ(std::get<VoteReply>(decode_vote_reply(encode_vote_reply(reply), limits)), reply);
  const AppendEntries append{5, 10, 4, {make_entry(4, "a"), make_entry(5, "b")}, 9};
  EXPECT_EQ(std::get<AppendEntries>(decode_append_entries(encode_append_entries(append), limits, 8)), append);
  const AppendEntriesReply reject{5, false, 0, 3, Term{2}};
  EXPECT_EQ(std::get<AppendEntriesReply>(decode_append_entries_reply(encode_append_entries_reply(reject), limits)),
            reject);
  const InstallSnapshot install{5, 100, 4, crypto::sha256(to_bytes("state"))};
  EXPECT_EQ(std::get<InstallSnapshot>(decode_install_snapshot(encode_install_snapshot(install), limits)), install);
  const InstallSnapshotReply installed{5, 100};
  EXPECT_EQ(std::get<InstallSnapshotReply>(
                decode_install_snapshot_reply(encode_install_snapshot_reply(installed), limits)),
            installed);
  EXPECT_EQ(std::get<TimeoutNow>(decode_timeout_now(encode_timeout_now({3}), limits)).term, 3u);
}

TEST(RaftMessages, TooManyEntriesIsMalformed) {
  const AppendEntries append{5, 0, 0, {make_entry(5, "a"), make_entry(5, "b"), make_entry(5, "c")}, 0};
  EXPECT_TRUE(std::holds_alternative<net::DecodeError>(
      decode_append_entries(encode_append_entries(append), net::DecodeLimits{}, 2)));
}

class RaftValidatorTest : public ::testing::Test {
 protected:
  RaftCore core_{test_options(0, 3)};
};

TEST_F(RaftValidatorTest, AcceptsWellFormedMessages) {
  const AppendEntries append{2, 0, 0, {make_entry(1, "a"), make_entry(2, {})}, 0};
  // A no-op entry: empty batch with the digest of no bytes.
  AppendEntries with_noop = append;
  with_noop.entries[1] = Entry{2, {}, crypto::sha256({})};
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries, encode_append_entries(with_noop))), "");
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_pre_vote, encode_vote_request({1, 0, 0}))), "");
}

TEST_F(RaftValidatorTest, RefusesBadInputWithNamedReasons) {
  const Bytes vote = encode_vote_request({1, 0, 0});
  EXPECT_EQ(refused(validate_at(core_, 3, MessageKind::raft_request_vote, vote)), reason::kSenderNotReplica);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::pbft_prepare, vote)), reason::kUnexpectedKind);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_request_vote, to_bytes("garbage"))),
            reason::kMalformedVoteRequest);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_request_vote, encode_vote_request({0, 0, 0}))),
            reason::kTermZero);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_request_vote, encode_vote_request({2, 5, 3}))),
            reason::kLogTermAboveMessage);

  Entry wrong_digest = make_entry(1, "a");
  wrong_digest.digest = crypto::sha256(to_bytes("b"));
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({1, 0, 0, {wrong_digest}, 0}))),
            reason::kBatchDigestMismatch);
  Entry not_a_batch{1, to_bytes("not a batch"), crypto::sha256(to_bytes("not a batch"))};
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({1, 0, 0, {not_a_batch}, 0}))),
            reason::kMalformedBatch);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({1, 0, 0, {make_entry(2, "a")}, 0}))),
            reason::kLogTermAboveMessage);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({3, 0, 2, {make_entry(1, "a")}, 0}))),
            reason::kLogTermAboveMessage);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({3, ~Index{0} - 1, 2, {}, 0}))),
            reason::kIndexOverflow);
  const Entry noop{1, {}, crypto::sha256({})};
  std::vector<Entry> too_many;
  for (std::uint32_t i = 0; i <= kMaxEntriesPerAppend; ++i) too_many.push_back(noop);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({1, 0, 0, too_many, 0}))),
            reason::kMalformedAppendEntries);
  Bytes huge(cluster::kMaxBatchBytes + 1, 0);
  const Entry too_large{1, huge, crypto::sha256(huge)};
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_append_entries,
                                encode_append_entries({1, 0, 0, {too_large}, 0}))),
            reason::kBatchTooLarge);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_install_snapshot, to_bytes("x"))),
            reason::kMalformedInstallSnapshot);
  EXPECT_EQ(refused(validate_at(core_, 1, MessageKind::raft_timeout_now, encode_timeout_now({0}))),
            reason::kTermZero);
}

}  // namespace
}  // namespace loyal::raft::testing
