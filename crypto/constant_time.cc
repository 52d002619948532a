#include "crypto/constant_time.h"

#include <sodium.h>

namespace loyal::crypto {

bool equal_constant_time(ByteView a, ByteView b) {
  // The lengths of MACs and digests are public, so an early exit on length leaks nothing.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace loyal::crypto
