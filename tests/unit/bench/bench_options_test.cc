#include "bench/tool/bench_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bench/tool/fault_schedule.h"

namespace loyal::bench {
namespace {

using ::testing::HasSubstr;

TEST(Mix, PutAndGetShares) {
  EXPECT_EQ(*parse_mix("put=80,get=20"), 80u);
  EXPECT_EQ(*parse_mix("get=20,put=80"), 80u);
  EXPECT_EQ(*parse_mix("get=100"), 0u);
  EXPECT_EQ(*parse_mix("put=100"), 100u);
}

TEST(Mix, BadMixesAreRefused) {
  EXPECT_THAT(parse_mix("put=80,get=30").error().message, HasSubstr("add to 110"));
  EXPECT_THAT(parse_mix("put=80,del=20").error().message, HasSubstr("unknown operation `del`"));
  EXPECT_THAT(parse_mix("put=x").error().message, HasSubstr("not a percentage"));
  EXPECT_THAT(parse_mix("put=101").error().message, HasSubstr("not a percentage"));
  EXPECT_THAT(parse_mix("put=50,put=50").error().message, HasSubstr("given twice"));
  EXPECT_FALSE(parse_mix(""));
  EXPECT_FALSE(parse_mix("put"));
}

TEST(ProtocolList, NamesEachProtocolOnce) {
  auto list = parse_protocol_list("pbft,raft,paxos,unreplicated");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(*list, (std::vector<std::string>{"pbft", "raft", "paxos", "unreplicated"}));
  EXPECT_THAT(parse_protocol_list("pbft,zab").error().message, HasSubstr("`zab`"));
  EXPECT_THAT(parse_protocol_list("raft,raft").error().message, HasSubstr("twice"));
  EXPECT_FALSE(parse_protocol_list(""));
}

TEST(ReplicasFor, FollowsEachProtocolsQuorums) {
  EXPECT_EQ(replicas_for("pbft", 1), 4u);
  EXPECT_EQ(replicas_for("pbft", 2), 7u);
  EXPECT_EQ(replicas_for("raft", 1), 3u);
  EXPECT_EQ(replicas_for("paxos", 2), 5u);
  EXPECT_EQ(replicas_for("unreplicated", 3), 1u);
}

TEST(DefaultScenario, ItsFaultScheduleParsesForFourReplicas) {
  auto schedule = parse_fault_schedule(default_fault_schedule(), replicas_for(kDefaultProtocol, kDefaultF));
  ASSERT_TRUE(schedule) << schedule.error().message;
  EXPECT_EQ(schedule->size(), 3u);
}

}  // namespace
}  // namespace loyal::bench
