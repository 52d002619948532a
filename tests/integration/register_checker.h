#pragma once
// A linearizability checker for histories of a key-value store seen as one register per key, as
// real clients observe it: each operation with its invocation and completion time on one clock.
// Keys are independent (a register per key), so each key's history is checked on its own.
//
// The search is Wing & Gong's with Lowe's memoization (the algorithm Knossos and Porcupine use):
// walk the history in time order, linearize an operation whose invocation has been reached if the
// register allows it, and backtrack when a completion is reached whose operation is not linearized
// yet; a (set of linearized operations, register value) pair that failed once is never tried again.
//
// An operation whose outcome is unknown (the client gave up waiting: it may have executed, once,
// at any time after its invocation, or never) is given no completion: the search may linearize it
// anywhere after its invocation or leave it out. A read with an unknown outcome says nothing and is
// left out by the caller.
//
// Written values should be unique (each write its own value): the checker is correct either way,
// but unique values let a read name the write it saw, which keeps the search small.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"

namespace loyal::integration {

// nullopt: the key is absent (every register starts absent).
using RegisterValue = std::optional<std::string>;

struct RegisterOperation {
  enum class Kind { write, read, compare_and_swap };
  // ok: a write or swap that took effect, or a read that returned `observed`.
  // cas_failed: a compare-and-swap that answered "the value is `observed`, not `expected`".
  // unknown: no answer (writes and compare-and-swaps only).
  enum class Outcome { ok, cas_failed, unknown };

  ClientId client = 0;
  std::string key;
  Kind kind = Kind::read;
  Outcome outcome = Outcome::ok;
  RegisterValue written;   // write, compare_and_swap: the new value (never nullopt)
  RegisterValue expected;  // compare_and_swap
  RegisterValue observed;  // read (ok), compare_and_swap (cas_failed)
  std::chrono::steady_clock::time_point invoked;
  std::chrono::steady_clock::time_point completed;  // ignored when the outcome is unknown

  // "client 2 cas k1 c2-7 -> c2-8: ok [12.345 s .. 12.349 s]", times from `origin`.
  std::string describe(std::chrono::steady_clock::time_point origin) const;
};

struct RegisterCheck {
  enum class Verdict { linearizable, not_linearizable, undecided };
  Verdict verdict = Verdict::linearizable;
  // For not_linearizable: the key and the operation no linearization got past, with the register
  // value the longest attempt had reached; for undecided: which key exhausted the search budget.
  std::string explanation;
  std::uint64_t search_steps = 0;
};

// Search steps per key before the checker gives up with `undecided` (never a wrong verdict). A
// history of a few hundred operations per key with a few unknown outcomes needs about as many
// steps as operations; the bound keeps a pathological one from eating memory (the search
// remembers a set of linearized operations per step, about a hundred bytes each here).
inline constexpr std::uint64_t kMaxRegisterSearchSteps = 2'000'000;

// Checks every key of `history` (any order). Time points are compared only with each other;
// `origin` is where the explanation's times count from.
RegisterCheck check_register_history(const std::vector<RegisterOperation>& history,
                                     std::chrono::steady_clock::time_point origin,
                                     std::uint64_t max_steps_per_key = kMaxRegisterSearchSteps);

}  // namespace loyal::integration
