#include "net/zmq/routing_id.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace loyal::net {
namespace {

TEST(RoutingId, NamesTheRoleAndIndex) {
  EXPECT_EQ(routing_id_for(NodeId::replica(3)), "r3");
  EXPECT_EQ(routing_id_for(NodeId::client(17)), "c17");
}

TEST(RoutingId, ReplicasAndClientsWithTheSameIndexDiffer) {
  EXPECT_NE(routing_id_for(NodeId::replica(0)), routing_id_for(NodeId::client(0)));
}

TEST(RoutingId, RoundTripsAtTheEdgesOfTheIdSpace) {
  for (const NodeId node : {NodeId::replica(0), NodeId::client(0), NodeId::replica(127),
                            NodeId::client(std::numeric_limits<std::uint32_t>::max())}) {
    const std::string id = routing_id_for(node);
    EXPECT_LE(id.size(), kMaxRoutingIdBytes);
    EXPECT_EQ(parse_routing_id(id), node) << id;
  }
}

TEST(RoutingId, RejectsWhatItNeverProduces) {
  const std::string_view leading_zero_byte("\0r3", 3);
  for (const std::string_view bad :
       {std::string_view(""), std::string_view("r"), std::string_view("x3"), std::string_view("r-1"),
        std::string_view("r+1"), std::string_view("r03"), std::string_view("r 3"), std::string_view("r3x"),
        std::string_view("c4294967296"), leading_zero_byte}) {
    EXPECT_EQ(parse_routing_id(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace loyal::net
