#include "bench/tool/fault_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace loyal::bench {
namespace {

using ::testing::HasSubstr;

TEST(FaultSpec, CrashAtTime) {
  auto spec = parse_fault_spec("crash:3@5");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->kind, FaultKind::crash);
  EXPECT_EQ(spec->replica, 3u);
  EXPECT_EQ(spec->time_s, 5.0);
  EXPECT_EQ(spec->text, "crash:3@5");
  EXPECT_FALSE(spec->from_start());
}

TEST(FaultSpec, RestartKeepsOrWipesData) {
  auto kept = parse_fault_spec("restart:2@7.5");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->kind, FaultKind::restart);
  EXPECT_EQ(kept->time_s, 7.5);
  auto wiped = parse_fault_spec("restart-wiped:1@12");
  ASSERT_TRUE(wiped) << wiped.error().message;
  EXPECT_EQ(wiped->kind, FaultKind::restart_wiped);
  EXPECT_EQ(wiped->replica, 1u);
}

TEST(FaultSpec, PauseHasADuration) {
  auto spec = parse_fault_spec("pause:1@4+2.5");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->kind, FaultKind::pause);
  EXPECT_EQ(spec->time_s, 4.0);
  EXPECT_EQ(spec->pause_duration_s, 2.5);
}

TEST(FaultSpec, ByzantineAtTimeOrFromTheStart) {
  auto timed = parse_fault_spec("byzantine:0=equivocate@10");
  ASSERT_TRUE(timed) << timed.error().message;
  EXPECT_EQ(timed->kind, FaultKind::byzantine);
  EXPECT_EQ(timed->replica, 0u);
  EXPECT_EQ(timed->byzantine_mode, "equivocate");
  EXPECT_EQ(timed->time_s, 10.0);

  auto from_start = parse_fault_spec("byzantine:2=silent");
  ASSERT_TRUE(from_start) << from_start.error().message;
  EXPECT_TRUE(from_start->from_start());
  EXPECT_EQ(from_start->byzantine_mode, "silent");
}

void expect_refused(std::string_view text, std::string_view why) {
  auto spec = parse_fault_spec(text);
  ASSERT_FALSE(spec) << text << " was accepted";
  EXPECT_THAT(spec.error().message, HasSubstr(std::string(text))) << "the error quotes the spec";
  EXPECT_THAT(spec.error().message, HasSubstr(std::string(why)));
}

TEST(FaultSpec, BadSpecsAreRefusedWithTheReason) {
  expect_refused("crash", "no `:`");
  expect_refused("explode:1@3", "unknown fault kind `explode`");
  expect_refused("crash:1", "no `@T`");
  expect_refused("crash:x@3", "`x` is not a replica id");
  expect_refused("crash:-1@3", "is not a replica id");
  expect_refused("crash:1@soon", "time `soon` is not a number of seconds");
  expect_refused("crash:1@-3", "is not a number of seconds");
  expect_refused("crash:1@100000", "more than a day");
  expect_refused("pause:1@3", "needs its duration");
  expect_refused("pause:1@3+0", "more than 0 seconds");
  expect_refused("pause:1@3+x", "duration `x`");
  expect_refused("byzantine:1@3", "needs a mode");
  expect_refused("byzantine:1=@3", "needs a mode");
  expect_refused("partition:1@3", "partitions are not supported");
}

TEST(FaultSchedule, ChecksReplicaIdsAndOrdersByTime) {
  auto schedule = parse_fault_schedule({"crash:3@5", "byzantine:0=silent@2", "byzantine:1=slow"}, 4);
  ASSERT_TRUE(schedule) << schedule.error().message;
  ASSERT_EQ(schedule->size(), 3u);
  EXPECT_EQ((*schedule)[0].text, "byzantine:1=slow");
  EXPECT_EQ((*schedule)[1].text, "byzantine:0=silent@2");
  EXPECT_EQ((*schedule)[2].text, "crash:3@5");

  auto out_of_range = parse_fault_schedule({"crash:4@5"}, 4);
  ASSERT_FALSE(out_of_range);
  EXPECT_THAT(out_of_range.error().message, HasSubstr("replicas 0 to 3, not 4"));
}

TEST(FaultSchedule, KeepsTheGivenOrderForTies) {
  auto schedule = parse_fault_schedule({"crash:2@5", "crash:1@5"}, 4);
  ASSERT_TRUE(schedule);
  EXPECT_EQ((*schedule)[0].replica, 2u);
  EXPECT_EQ((*schedule)[1].replica, 1u);
}

TEST(FaultSchedule, HasALimit) {
  std::vector<std::string> many(kMaxScheduledFaults + 1, "crash:1@1");
  EXPECT_FALSE(parse_fault_schedule(many, 4));
}

}  // namespace
}  // namespace loyal::bench
