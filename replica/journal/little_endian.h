#pragma once
// Fixed-width integers in the journal's on-disk formats are little-endian, written byte by byte
// so the files read the same on every host. Internal to replica/journal.

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

namespace loyal::journal::detail {

inline void put_u32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

inline void put_u64(Bytes& out, std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// Precondition: at least 4 (8) bytes at `at`.
inline std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | at[i];
  return value;
}

inline std::uint64_t get_u64(const std::uint8_t* at) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | at[i];
  return value;
}

}  // namespace loyal::journal::detail
