#pragma once
// Moving frames between processes: the runtime's only way to reach other nodes (replicas and
// clients). The ZeroMQ implementation is net/zmq/zmq_transport.h; the simulator has its own network
// and never uses this.
//
// Addressing: every replica listens on its cluster-file address; every node reaches replica r at
// that address. A replica answers a client over the connection the client opened (clients do not
// listen). A frame's claimed origin is never trusted: the envelope inside says who sent it, and
// its authenticator proves it.
//
// Threading: one Transport belongs to one thread (the I/O thread of a replica, the thread of a
// blocking client), except wake(), which any thread may call.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/limits.h"

namespace loyal::net {

struct PeerAddress {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

// Every queue and timer of a transport has a named limit here.
struct TransportLimits {
  std::size_t max_frame_bytes = kMaxFrameBytes;  // larger frames are refused by the socket
  int send_high_water_mark = 10'000;             // frames queued per peer before sends drop
  // Frames queued per peer before the peer waits. Counted in frames, not bytes: with 4 MiB frames
  // this is up to 4 GiB per peer in the worst case, but the I/O thread drains the socket into the
  // runtime's own bounded queue as fast as frames arrive, so it stays far below that.
  int receive_high_water_mark = 1'000;
  int reconnect_interval_ms = 100;               // first retry after a peer went away
  int reconnect_interval_max_ms = 1'000;         // back-off ceiling
  int linger_ms = 0;                             // unsent frames are dropped at close
  int handshake_interval_ms = 5'000;             // a connection that never completes its handshake is dropped
  int tcp_keepalive_idle_s = 30;                 // dead peers behind NAT or a cut cable
  int tcp_keepalive_interval_s = 10;
  int tcp_keepalive_count = 3;
};

struct TransportCounters {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::map<std::string_view, std::uint64_t> dropped;  // by reason: "send_queue_full", ...
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Never blocks. A frame that cannot be queued now (the peer's queue is full, an unknown or
  // disconnected client, a frame above the limit) is dropped and counted: the protocols and
  // clients retransmit. `frame` is only borrowed for the call.
  virtual void send(NodeId to, ByteView frame) = 0;

  // Waits at most `timeout` for at least one frame (or a wake()), then appends every frame
  // already waiting, up to `max_frames`, to `out`. Returns how many it appended.
  virtual std::size_t receive(std::vector<Bytes>& out, std::size_t max_frames, std::chrono::milliseconds timeout) = 0;

  // Thread-safe: makes a receive() that is waiting (or the next one) return early.
  virtual void wake() = 0;

  virtual TransportCounters counters() const = 0;
};

}  // namespace loyal::net
