#pragma once
// Helpers for transport tests on loopback: free ports, transports, and waiting for frames with a
// bounded deadline instead of sleeping.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "net/zmq/zmq_transport.h"

namespace loyal::net::testing {

// Far more than any step needs on a loaded machine; a passing test never waits this long.
inline constexpr std::chrono::milliseconds kGenerousDeadline{5'000};
inline constexpr std::chrono::milliseconds kPollStep{20};

// A port the kernel just handed out and nobody holds. A plain socket closes synchronously, unlike
// a ZeroMQ one (closed later by its I/O thread), so the port is free when this returns.
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

inline std::vector<PeerAddress> loopback_replicas(std::size_t count) {
  std::vector<PeerAddress> replicas;
  for (std::size_t index = 0; index < count; ++index) replicas.push_back({"127.0.0.1", free_loopback_port()});
  return replicas;
}

inline std::unique_ptr<ZmqTransport> make_replica(zmq::context_t& context, ReplicaId id,
                                                  const std::vector<PeerAddress>& replicas,
                                                  TransportLimits limits = {}) {
  auto transport = ZmqTransport::create(context, {NodeId::replica(id), replicas.at(id), replicas, limits});
  EXPECT_TRUE(transport.ok()) << (transport.ok() ? "" : transport.error().message);
  return transport.ok() ? std::move(transport).value() : nullptr;
}

inline std::unique_ptr<ZmqTransport> make_client(zmq::context_t& context, ClientId id,
                                                 const std::vector<PeerAddress>& replicas) {
  auto transport = ZmqTransport::create(context, {NodeId::client(id), std::nullopt, replicas, {}});
  EXPECT_TRUE(transport.ok()) << (transport.ok() ? "" : transport.error().message);
  return transport.ok() ? std::move(transport).value() : nullptr;
}

// Sends `frame` from `sender` to `to` and polls `receiver` until something arrives or the deadline
// passes; re-sends each step, because ZMQ_IMMEDIATE refuses frames until the connection is up.
// Returns everything received (possibly several copies of `frame`).
inline std::vector<Bytes> send_until_received(ZmqTransport& sender, NodeId to, ZmqTransport& receiver,
                                              const Bytes& frame) {
  std::vector<Bytes> received;
  const auto deadline = std::chrono::steady_clock::now() + kGenerousDeadline;
  while (received.empty() && std::chrono::steady_clock::now() < deadline) {
    sender.send(to, frame);
    receiver.receive(received, 64, kPollStep);
  }
  return received;
}

inline std::uint64_t dropped(const ZmqTransport& transport, std::string_view reason) {
  const TransportCounters counters = transport.counters();
  const auto found = counters.dropped.find(reason);
  return found == counters.dropped.end() ? 0 : found->second;
}

}  // namespace loyal::net::testing
