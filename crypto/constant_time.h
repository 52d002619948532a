#pragma once

#include "common/bytes.h"

namespace loyal::crypto {

// Compares two byte strings without leaking, through timing, where they first differ (used for
// MACs and digests that an attacker may probe). Different lengths compare unequal.
bool equal_constant_time(ByteView a, ByteView b);

}  // namespace loyal::crypto
