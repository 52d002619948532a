#include "deploy/local/loopback_ports.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace loyal::local {
namespace {

// Closes the sockets it holds when it goes out of scope, whichever way find_free_loopback_ports returns.
class HeldSockets {
 public:
  HeldSockets() = default;
  HeldSockets(const HeldSockets&) = delete;
  HeldSockets& operator=(const HeldSockets&) = delete;
  ~HeldSockets() {
    for (int fd : fds_) ::close(fd);
  }
  void hold(int fd) { fds_.push_back(fd); }

 private:
  std::vector<int> fds_;
};

}  // namespace

Result<std::vector<std::uint16_t>> find_free_loopback_ports(std::uint32_t count) {
  if (count > kMaxPortsPerRequest) {
    return Error{"asked for " + std::to_string(count) + " ports; at most " + std::to_string(kMaxPortsPerRequest)};
  }
  HeldSockets held;
  std::vector<std::uint16_t> ports;
  for (std::uint32_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{std::string("cannot open a socket to find a free port: ") + std::strerror(errno)};
    held.hold(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return Error{std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(errno)};
    }
    ports.push_back(ntohs(address.sin_port));
  }
  return ports;
}

}  // namespace loyal::local
