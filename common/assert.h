#pragma once
// Always-on invariant checks. A broken invariant is a bug; continuing could break safety, so the
// process stops with the condition and its location. Never use this for bad network input or user
// errors: those are dropped with a counted reason, or returned as an Error.

#include <cstdio>
#include <cstdlib>

namespace loyal::detail {
[[noreturn]] inline void assertion_failed(const char* condition, const char* message, const char* file,
                                          int line) {
  std::fprintf(stderr, "loyal: invariant violated at %s:%d: %s (%s)\n", file, line, message, condition);
  std::fflush(stderr);
  std::abort();
}
}  // namespace loyal::detail

#define LOYAL_ASSERT(condition, message)                                              \
  do {                                                                                \
    if (!(condition)) ::loyal::detail::assertion_failed(#condition, message, __FILE__, __LINE__); \
  } while (false)
