#include "net/zmq/endpoint.h"

#include <gtest/gtest.h>

namespace loyal::net {
namespace {

TEST(Endpoint, FormatsIpv4Ipv6AndEphemeralPorts) {
  EXPECT_EQ(tcp_endpoint({"10.0.0.1", 7000}), "tcp://10.0.0.1:7000");
  EXPECT_EQ(tcp_endpoint({"::1", 7000}), "tcp://[::1]:7000");
  EXPECT_EQ(tcp_endpoint({"127.0.0.1", 0}, true), "tcp://127.0.0.1:*");
  EXPECT_EQ(tcp_endpoint({"replica0", 7001}), "tcp://replica0:7001");
}

TEST(Endpoint, ReadsThePortBackFromABoundEndpoint) {
  EXPECT_EQ(port_of_endpoint("tcp://127.0.0.1:54321"), 54321);
  EXPECT_EQ(port_of_endpoint("tcp://[::1]:7000"), 7000);
  EXPECT_EQ(port_of_endpoint("tcp://127.0.0.1:*"), 0);
  EXPECT_EQ(port_of_endpoint("tcp://127.0.0.1:99999"), 0);
  EXPECT_EQ(port_of_endpoint("inproc"), 0);
}

TEST(Endpoint, IpLiteralsAndTheWildcardAreBoundAsGiven) {
  for (const char* host : {"127.0.0.1", "0.0.0.0", "::1", "*"}) {
    const auto bindable = bindable_address({host, 7000});
    ASSERT_TRUE(bindable.ok()) << host;
    EXPECT_EQ(*bindable, (PeerAddress{host, 7000}));
  }
}

TEST(Endpoint, HostNamesAreResolvedToAnAddressZeroMqCanBind) {
  const auto bindable = bindable_address({"localhost", 7000});
  ASSERT_TRUE(bindable.ok()) << bindable.error().message;
  // IPv4 preferred, as peers connecting to "localhost" with ZMQ_IPV6 off reach 127.0.0.1.
  EXPECT_EQ(bindable->host, "127.0.0.1");
  EXPECT_EQ(bindable->port, 7000);
}

TEST(Endpoint, UnresolvableHostNameIsAnError) {
  const auto bindable = bindable_address({"no-such-host.invalid", 7000});
  ASSERT_FALSE(bindable.ok());
  EXPECT_NE(bindable.error().message.find("cannot resolve host name no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace loyal::net
