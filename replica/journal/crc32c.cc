#include "replica/journal/crc32c.h"

#include <array>

namespace loyal::journal {

namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by k
// zero bytes, which lets the main loop fold eight input bytes per step.
constexpr Tables make_tables() {
  Tables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kReflectedPolynomial : 0u);
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFFu];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();

}  // namespace

std::uint32_t crc32c(ByteView data, std::uint32_t running) {
  std::uint32_t crc = ~running;
  const std::uint8_t* next = data.data();
  std::size_t left = data.size();
  while (left >= 8) {
    // Assembled byte by byte: independent of host endianness and alignment.
    const std::uint32_t low = crc ^ (std::uint32_t{next[0]} | std::uint32_t{next[1]} << 8 |
                                     std::uint32_t{next[2]} << 16 | std::uint32_t{next[3]} << 24);
    crc = kTables[7][low & 0xFFu] ^ kTables[6][(low >> 8) & 0xFFu] ^ kTables[5][(low >> 16) & 0xFFu] ^
          kTables[4][low >> 24] ^ kTables[3][next[4]] ^ kTables[2][next[5]] ^ kTables[1][next[6]] ^
          kTables[0][next[7]];
    next += 8;
    left -= 8;
  }
  while (left > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *next) & 0xFFu];
    ++next;
    --left;
  }
  return ~crc;
}

}  // namespace loyal::journal
