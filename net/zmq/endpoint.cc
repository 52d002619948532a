#include "net/zmq/endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <charconv>
#include <memory>

namespace loyal::net {
namespace {

bool is_ip_literal(const std::string& host) {
  std::array<unsigned char, sizeof(in6_addr)> parsed{};
  return ::inet_pton(AF_INET, host.c_str(), parsed.data()) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), parsed.data()) == 1;
}

}  // namespace

bool is_ipv6_literal(const std::string& host) { return host.find(':') != std::string::npos; }

std::string tcp_endpoint(const PeerAddress& address, bool any_port) {
  const std::string host = is_ipv6_literal(address.host) ? "[" + address.host + "]" : address.host;
  return "tcp://" + host + ":" + (any_port ? std::string("*") : std::to_string(address.port));
}

Result<PeerAddress> bindable_address(const PeerAddress& address) {
  if (address.host == "*" || is_ip_literal(address.host)) return address;
  // IPv4 first: that is what peers' DEALERs (ZMQ_IPV6 off for host names) connect to when they
  // resolve the same name, so binding to its IPv6 address would leave them knocking elsewhere.
  int status = EAI_NONAME;
  for (const int family : {AF_INET, AF_INET6}) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    status = ::getaddrinfo(address.host.c_str(), nullptr, &hints, &found);
    if (status != 0) continue;
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
    std::array<char, NI_MAXHOST> numeric{};
    if (::getnameinfo(found->ai_addr, found->ai_addrlen, numeric.data(), numeric.size(), nullptr, 0,
                      NI_NUMERICHOST) == 0) {
      return PeerAddress{numeric.data(), address.port};
    }
  }
  return Error{"cannot resolve host name " + address.host + ": " + ::gai_strerror(status)};
}

std::uint16_t port_of_endpoint(const std::string& endpoint) {
  const std::size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  std::uint16_t port = 0;
  const char* begin = endpoint.data() + colon + 1;
  const char* end = endpoint.data() + endpoint.size();
  const auto [stop, error] = std::from_chars(begin, end, port);
  return error == std::errc{} && stop == end ? port : 0;
}

}  // namespace loyal::net
