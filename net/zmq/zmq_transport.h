#pragma once
// The Transport over ZeroMQ (TCP). Socket layout, per node:
// - a replica binds one ROUTER on its listen address. Every other node's DEALER connects to it;
//   the ROUTER receives from all of them and is how the replica answers clients, by the client's
//   routing id (routing_id.h).
// - every node (replica or client) has one DEALER per other replica, connected to that replica's
//   address. Replica-to-replica and client-to-replica frames go out on these; a client receives
//   replies on them.
// - an inproc PAIR pair lets wake() interrupt a receive() from another thread.
// Replica ids are positions in ZmqTransportOptions::replicas. ZeroMQ reconnects by itself, so a
// replica that restarts on the same address gets frames again without anyone re-creating sockets.
//
// Ownership: the caller owns the zmq::context_t (one per process) and must keep it alive until
// every ZmqTransport made from it is destroyed. Threading is as in net/transport.h: one owning
// thread for everything except wake(); the owner must make sure no wake() is still running when
// it destroys the transport (join the threads that call it first).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <poll.h>

#include <zmq.hpp>

#include "common/result.h"
#include "net/transport.h"

namespace loyal::net {

struct ZmqTransportOptions {
  NodeId self;
  // Replicas must listen (port 0 picks an ephemeral port, see bound_port()); clients must not.
  std::optional<PeerAddress> listen;
  // Address of replica i at position i; a replica's own entry is not connected to.
  std::vector<PeerAddress> replicas;
  TransportLimits limits;
};

class ZmqTransport final : public Transport {
 public:
  // Why a frame was dropped (TransportCounters::dropped keys).
  static constexpr std::string_view kDropToSelf = "to_self";
  static constexpr std::string_view kDropFrameTooLarge = "frame_too_large";
  static constexpr std::string_view kDropSendQueueFull = "send_queue_full";  // or the replica is down
  static constexpr std::string_view kDropClientUnreachable = "client_unreachable";
  static constexpr std::string_view kDropUnknownReplica = "unknown_replica";
  static constexpr std::string_view kDropNoRouteToClient = "no_route_to_client";  // a client sending to a client
  static constexpr std::string_view kDropSendFailed = "send_failed";              // any other libzmq error
  static constexpr std::string_view kDropMalformedMultipart = "malformed_multipart";

  // Binds (replicas) and connects; returns an Error in plain words for bad options or an address
  // that cannot be bound ("cannot listen on tcp://127.0.0.1:7000: Address already in use").
  static Result<std::unique_ptr<ZmqTransport>> create(zmq::context_t& context, ZmqTransportOptions options);

  ~ZmqTransport() override;
  ZmqTransport(const ZmqTransport&) = delete;
  ZmqTransport& operator=(const ZmqTransport&) = delete;

  void send(NodeId to, ByteView frame) override;
  // A negative timeout counts as zero; one above a day counts as a day.
  std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) override;
  void wake() override;
  TransportCounters counters() const override;

  // The TCP port the ROUTER is bound to (the ephemeral one when asked for port 0); 0 for a client.
  std::uint16_t bound_port() const { return bound_port_; }
  NodeId self() const { return self_; }

  // For ZmqPollGroup (zmq_poll_group.h), which waits on many transports with one poll() over
  // their sockets' file descriptors (ZMQ_FD) where zmq_poll would ask every socket for its state,
  // two system calls per socket per wait.
  //
  // Appends the descriptor of every socket receive() waits on (the receiving sockets and the wake
  // pair's end) and returns how many. They belong to the sockets: valid while this transport
  // lives, and only its owning thread may poll them. A readable descriptor means something may
  // have changed on its socket, not always a frame: receive() with a zero timeout finds out.
  std::size_t append_poll_descriptors(std::vector<zmq::fd_t>& descriptors) const;
  // libzmq makes a descriptor readable only when commands reach its socket, and any call on the
  // socket may consume them, so frames (or a wake) can be waiting that no descriptor signals. That
  // can be the case only after a send(), or a receive() that stopped at max_frames or was
  // interrupted, and ends with a receive() that read those sockets empty. True before the first
  // receive().
  bool may_hold_unsignalled_frames() const;

 private:
  // What a socket's messages look like when well formed: a ROUTER prefixes the sender's routing
  // id, a DEALER delivers the frame alone.
  struct ReceivingSocket {
    zmq::socket_t* socket = nullptr;
    std::size_t expected_parts = 1;
  };
  enum class ReceiveOutcome { nothing_waiting, frame, dropped };

  ZmqTransport(zmq::context_t& context, NodeId self, TransportLimits limits);

  Status listen_on(const PeerAddress& address);
  void connect_replicas(const std::vector<PeerAddress>& replicas);
  void set_up_wake_pair();
  void collect_receiving_sockets();

  void send_to_replica(ReplicaId replica, ByteView frame);
  void send_to_client(NodeId client, ByteView frame);
  void count_sent(std::size_t bytes);
  void count_drop(std::string_view reason);

  // Drains ready sockets one message at a time, round robin, into `out`. Returns frames appended.
  std::size_t drain_ready(std::vector<Bytes>& out, std::size_t max_frames);
  ReceiveOutcome receive_one(const ReceivingSocket& from, std::vector<Bytes>& out);
  // Consumes pending wake signals; true if there was at least one.
  bool consume_wakes();

  zmq::context_t& context_;
  const NodeId self_;
  const TransportLimits limits_;
  std::uint16_t bound_port_ = 0;

  std::optional<zmq::socket_t> router_;
  // Indexed by ReplicaId; empty at the node's own index.
  std::vector<std::optional<zmq::socket_t>> replica_links_;

  zmq::socket_t wake_receiver_;
  std::mutex wake_sender_mutex_;  // guards wake_sender_: wake() may be called from any thread
  zmq::socket_t wake_sender_;

  // Built once. descriptors_[i] is receiving_[i].socket's ZMQ_FD; the last one is wake_receiver_'s.
  // may_hold_[i]: that socket may have something to read although its descriptor did not signal
  // (see may_hold_unsignalled_frames()); receive() reads it until empty, which clears the flag.
  static constexpr std::size_t kNoSocket = static_cast<std::size_t>(-1);
  std::vector<ReceivingSocket> receiving_;
  std::vector<pollfd> descriptors_;
  std::vector<bool> may_hold_;
  std::size_t router_index_ = kNoSocket;      // the ROUTER's position in receiving_
  std::vector<std::size_t> link_index_;       // replica id -> its DEALER's position in receiving_
  std::size_t next_socket_to_drain_ = 0;  // round-robin start, so no socket starves the others

  TransportCounters counters_;
};

}  // namespace loyal::net
