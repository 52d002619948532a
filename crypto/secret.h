#pragma once
// Fixed-size secret material that is wiped (sodium_memzero) when destroyed or overwritten, so a
// key does not linger in freed memory. Copying is allowed (key tables hold copies); every copy
// wipes itself.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace loyal::crypto {

void wipe(std::span<std::uint8_t> bytes);

template <std::size_t N>
class Secret {
 public:
  Secret() { bytes_.fill(0); }
  explicit Secret(std::span<const std::uint8_t, N> bytes) {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = bytes[i];
  }
  Secret(const Secret&) = default;
  Secret& operator=(const Secret& other) {
    if (this != &other) bytes_ = other.bytes_;
    return *this;
  }
  ~Secret() { wipe(bytes_); }

  static constexpr std::size_t size() { return N; }
  std::span<const std::uint8_t, N> view() const { return bytes_; }
  std::span<std::uint8_t, N> mutable_view() { return bytes_; }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* data() { return bytes_.data(); }

 private:
  std::array<std::uint8_t, N> bytes_;
};

}  // namespace loyal::crypto
