#include "net/zmq/zmq_socket_options.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace loyal::net {
namespace {

TransportLimits distinctive_limits() {
  TransportLimits limits;
  limits.max_frame_bytes = 12'345;
  limits.send_high_water_mark = 77;
  limits.receive_high_water_mark = 88;
  limits.reconnect_interval_ms = 50;
  limits.reconnect_interval_max_ms = 700;
  limits.linger_ms = 3;
  limits.tcp_keepalive_idle_s = 41;
  limits.tcp_keepalive_interval_s = 7;
  limits.tcp_keepalive_count = 5;
  limits.handshake_interval_ms = 1'234;
  return limits;
}

TEST(SocketOptions, EveryLimitReachesTheSocket) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  configure_socket(socket, distinctive_limits());
  EXPECT_EQ(socket.get(zmq::sockopt::maxmsgsize), 12'345);
  EXPECT_EQ(socket.get(zmq::sockopt::sndhwm), 77);
  EXPECT_EQ(socket.get(zmq::sockopt::rcvhwm), 88);
  EXPECT_EQ(socket.get(zmq::sockopt::reconnect_ivl), 50);
  EXPECT_EQ(socket.get(zmq::sockopt::reconnect_ivl_max), 700);
  EXPECT_EQ(socket.get(zmq::sockopt::linger), 3);
  EXPECT_EQ(socket.get(zmq::sockopt::tcp_keepalive), 1);
  EXPECT_EQ(socket.get(zmq::sockopt::tcp_keepalive_idle), 41);
  EXPECT_EQ(socket.get(zmq::sockopt::tcp_keepalive_intvl), 7);
  EXPECT_EQ(socket.get(zmq::sockopt::tcp_keepalive_cnt), 5);
  EXPECT_EQ(socket.get(zmq::sockopt::handshake_ivl), 1'234);
}

TEST(SocketOptions, ReplicaLinksRefuseFramesUntilConnectedAndCarryTheRoutingId) {
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  configure_replica_link(dealer, distinctive_limits(), "c17");
  EXPECT_TRUE(dealer.get(zmq::sockopt::immediate));
  EXPECT_EQ(dealer.get(zmq::sockopt::routing_id), "c17");
  EXPECT_EQ(dealer.get(zmq::sockopt::sndhwm), 77);
}

TEST(SocketOptions, ListenerGetsTheCommonLimits) {
  // ZMQ_ROUTER_MANDATORY and ZMQ_ROUTER_HANDOVER are write-only in libzmq; their effect is
  // tested through the transport (a reply to an unknown client is counted).
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  configure_listener(router, distinctive_limits());
  EXPECT_EQ(router.get(zmq::sockopt::maxmsgsize), 12'345);
  EXPECT_EQ(router.get(zmq::sockopt::rcvhwm), 88);
}

TEST(SocketOptions, DefaultLimitsAreValid) { EXPECT_TRUE(validate_transport_limits({}).ok()); }

TEST(SocketOptions, LimitsThatWouldMeanUnboundedOrNonsenseAreRejected) {
  const auto rejected = [](auto change) {
    TransportLimits limits;
    change(limits);
    return !validate_transport_limits(limits).ok();
  };
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.max_frame_bytes = 0; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.send_high_water_mark = 0; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.receive_high_water_mark = -1; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.reconnect_interval_ms = 0; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.reconnect_interval_max_ms = l.reconnect_interval_ms - 1; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.linger_ms = -1; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.tcp_keepalive_idle_s = 0; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.tcp_keepalive_interval_s = 0; }));
  EXPECT_TRUE(rejected([](TransportLimits& l) { l.tcp_keepalive_count = 0; }));
}

}  // namespace
}  // namespace loyal::net
