#pragma once
// CRC-32C (Castagnoli), the checksum of journal records and of the saved snapshot file. It is not
// a defence against an adversary (the disk is ours); it catches torn writes and bit rot, and
// Castagnoli's polynomial detects more of the short bursts disks produce than CRC-32's.
// Written by hand (slicing-by-8 tables built at compile time) so the journal needs no extra
// library; reference value: crc32c("123456789") == 0xE3069283.

#include <cstdint>

#include "common/bytes.h"

namespace loyal::journal {

// Continues a running CRC: crc32c(b, crc32c(a)) == crc32c(a ++ b). Start with 0.
std::uint32_t crc32c(ByteView data, std::uint32_t running = 0);

}  // namespace loyal::journal
