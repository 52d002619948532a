#pragma once
// libsodium must be initialised once before use (it picks CPU-specific implementations and opens
// the random source). Every crypto entry point that needs it calls ensure_sodium(); the call is
// cheap after the first and safe from any thread.

namespace loyal::crypto {
void ensure_sodium();
}  // namespace loyal::crypto
