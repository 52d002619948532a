#include "crypto/secret.h"

#include <sodium.h>

namespace loyal::crypto {

// sodium_memzero cannot be optimised away as a dead store, unlike a plain memset.
void wipe(std::span<std::uint8_t> bytes) { sodium_memzero(bytes.data(), bytes.size()); }

}  // namespace loyal::crypto
