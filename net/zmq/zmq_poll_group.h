#pragma once
// Waiting on many ZmqTransports at once from one thread, instead of one thread per transport:
// loyal-bench's load generator drives all its clients this way (bench/tool/load_generator.h),
// which on a small machine leaves the CPU to the replicas instead of spending it on thread
// switches.
//
// One wait is one poll() over the file descriptors of every socket the transports' receive()
// waits on. zmq_poll would do the same but then ask every socket for its state, two system calls
// per socket: with 32 clients of 4 replicas that was most of the load thread's time. Instead a
// transport is reported when one of its descriptors fired, or when it says frames may be waiting
// that no descriptor signals (ZmqTransport::may_hold_unsignalled_frames: after it sent). The
// caller then calls receive() with a zero timeout on exactly the reported transports; that
// receive() may find nothing (a descriptor also fires for libzmq's own housekeeping), but a
// transport with a frame or a wake waiting is never left out.
//
// Ownership and threading: the group borrows the transports, which must outlive it, and belongs
// to the one thread that owns all of them. A wake() on any of them ends a wait() early.

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "net/zmq/zmq_transport.h"

namespace loyal::net {

class ZmqPollGroup {
 public:
  // `transports` must not be null; a transport listed twice is reported twice.
  explicit ZmqPollGroup(std::vector<ZmqTransport*> transports);

  // Waits at most `timeout` (a negative one counts as zero, one above a day as a day) unless a
  // transport may already have something to read; returns the positions in the constructor's list
  // of every transport that may have a frame or a wake waiting, in increasing order. Empty when
  // the time ran out with nothing to read; a wait interrupted by a signal returns what it knows.
  // The list is valid until the next wait().
  const std::vector<std::size_t>& wait(std::chrono::milliseconds timeout);

  std::size_t size() const { return transports_.size(); }
  ZmqTransport& transport(std::size_t position) { return *transports_[position]; }

 private:
  std::vector<ZmqTransport*> transports_;
  std::vector<pollfd> descriptors_;
  std::vector<std::size_t> transport_of_descriptor_;  // [d]: position of descriptors_[d]'s transport
  std::vector<bool> reported_;                        // wait()'s scratch, one per transport
  std::vector<std::size_t> ready_;
};

}  // namespace loyal::net
