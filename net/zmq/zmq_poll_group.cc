#include "net/zmq/zmq_poll_group.h"

#include <algorithm>
#include <utility>

#include "common/assert.h"

namespace loyal::net {
namespace {

// As in ZmqTransport::receive: "wait forever" timeouts are cut to a day; the caller's loop waits again.
constexpr std::chrono::milliseconds kLongestWait = std::chrono::hours(24);

}  // namespace

ZmqPollGroup::ZmqPollGroup(std::vector<ZmqTransport*> transports) : transports_(std::move(transports)) {
  std::vector<zmq::fd_t> transport_descriptors;
  for (std::size_t position = 0; position < transports_.size(); ++position) {
    LOYAL_ASSERT(transports_[position] != nullptr, "a poll group polls existing transports");
    transport_descriptors.clear();
    transports_[position]->append_poll_descriptors(transport_descriptors);
    for (const zmq::fd_t descriptor : transport_descriptors) {
      descriptors_.push_back(pollfd{.fd = descriptor, .events = POLLIN, .revents = 0});
      transport_of_descriptor_.push_back(position);
    }
  }
  reported_.resize(transports_.size());
  ready_.reserve(transports_.size());
}

const std::vector<std::size_t>& ZmqPollGroup::wait(std::chrono::milliseconds timeout) {
  bool any_reported = false;
  for (std::size_t position = 0; position < transports_.size(); ++position) {
    reported_[position] = transports_[position]->may_hold_unsignalled_frames();
    any_reported = any_reported || reported_[position];
  }
  // A transport that may already hold frames must not wait; the others are still looked at, so
  // that a busy one does not starve them.
  const auto wait = any_reported ? std::chrono::milliseconds{0}
                                 : std::clamp(timeout, std::chrono::milliseconds{0}, kLongestWait);
  const int fired = ::poll(descriptors_.data(), descriptors_.size(), static_cast<int>(wait.count()));
  if (fired > 0) {
    for (std::size_t d = 0; d < descriptors_.size(); ++d) {
      if (descriptors_[d].revents != 0) reported_[transport_of_descriptor_[d]] = true;
    }
  }
  ready_.clear();
  for (std::size_t position = 0; position < transports_.size(); ++position) {
    if (reported_[position]) ready_.push_back(position);
  }
  return ready_;
}

}  // namespace loyal::net
