#pragma once
// Text encoding of keys for the cluster file and key files: standard base64 with padding.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace loyal::crypto {

std::string to_base64(ByteView bytes);
// Decodes exactly `out.size()` bytes; false on bad characters, padding or length.
bool from_base64(std::string_view text, std::span<std::uint8_t> out);

}  // namespace loyal::crypto
