#pragma once
// Explicit synchronization with real processes: poll observable state (status lines, client
// results, process liveness) until a condition holds or a deadline passes, instead of sleeping a
// fixed time and hoping. Callers then assert on the returned value.

#include <chrono>
#include <thread>

namespace loyal::local {

inline constexpr std::chrono::milliseconds kDefaultPollInterval{20};

// Calls `condition` until it returns true (then true) or `timeout` has passed (then false; the
// condition is checked once more at the deadline, so a slow last poll is not lost).
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval = kDefaultPollInterval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return condition();
}

}  // namespace loyal::local
