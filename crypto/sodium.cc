#include "crypto/sodium.h"

#include <sodium.h>

#include "common/assert.h"

namespace loyal::crypto {

void ensure_sodium() {
  // A function-local static runs sodium_init exactly once, thread-safely.
  static const bool initialised = sodium_init() >= 0;
  LOYAL_ASSERT(initialised, "libsodium failed to initialise");
}

}  // namespace loyal::crypto
