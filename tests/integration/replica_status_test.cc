// Reading replicas' status lines back from their logs: the launcher's only window into them.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "deploy/local/replica_status.h"
#include "tests/integration/integration_support.h"

namespace loyal::local {
namespace {

constexpr std::string_view kPbftLine =
    "2026-11-26 15:05:50.087 info replica 2 pbft: view 3, leader 0, executed 1234, stable checkpoint 1152, "
    "5321 requests/s; drops: decode.wrong_mode=3 transport.send_queue_full=2";

TEST(StatusLine, ParsesEveryField) {
  const auto status = parse_status_line(kPbftLine);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->replica, 2u);
  EXPECT_EQ(status->epoch, 3u);
  EXPECT_EQ(status->leader, std::optional<ReplicaId>(0));
  EXPECT_EQ(status->executed, 1234u);
  EXPECT_EQ(status->stable_checkpoint, 1152u);
  EXPECT_EQ(status->drops.at("decode.wrong_mode"), 3u);
  EXPECT_EQ(status->total_drops(), 5u);
  EXPECT_EQ(status->drops_with_prefix("decode."), 3u);
}

TEST(StatusLine, ParsesNoLeaderSkippedTicksAndNoDrops) {
  const auto status = parse_status_line(
      "info replica 1 raft: term 7, leader none, executed 5, stable checkpoint 0, 0 requests/s, 12 ticks skipped; "
      "drops: none");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->epoch, 7u);
  EXPECT_FALSE(status->leader.has_value());
  EXPECT_TRUE(status->drops.empty());
}

TEST(StatusLine, RefusesOtherLines) {
  EXPECT_FALSE(parse_status_line("info replica 0 runs pbft (n = 4, f = 1), listening on 127.0.0.1:7100").has_value());
  EXPECT_FALSE(parse_status_line("info replica 0 pbft: view 3, leader 0, executed").has_value());
  EXPECT_FALSE(parse_status_line("").has_value());
}

TEST(StatusLine, LatestComesFromTheCurrentRunOnly) {
  integration::ScratchDirectory scratch;
  const std::filesystem::path log = scratch.path() / "replica-2.log";
  {
    std::ofstream out(log);
    out << kStartMarker << " 2 (start 1)\n" << kPbftLine << "\n" << kStartMarker << " 2 (start 2)\n";
  }
  EXPECT_FALSE(latest_status_in_log(log).has_value()) << "the second run has not reported yet";
  {
    std::ofstream out(log, std::ios::app);
    out << "info replica 2 pbft: view 4, leader 1, executed 9, stable checkpoint 8, 1 requests/s; drops: none\n"
        << "info replica 2 pbft: view 4, leader 1, exec";  // being written
  }
  const auto status = latest_status_in_log(log);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->epoch, 4u);
  EXPECT_EQ(status->executed, 9u);
  EXPECT_NE(log_tail(log, 1).find("exec"), std::string::npos);
}

}  // namespace
}  // namespace loyal::local
