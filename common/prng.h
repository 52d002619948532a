#pragma once
// The seeded pseudo-random generator of every deterministic component (Raft's election timeouts,
// the simulator's network and fault schedule). Hand-written rather than std::mt19937 plus a
// std::*_distribution because the standard distributions are implementation-defined: the same
// seed must give the same run on every compiler and library, or a printed seed cannot be replayed.
// Algorithm: xoshiro256** seeded through splitmix64 (Blackman & Vigna).

#include <cstdint>

namespace loyal {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    for (std::uint64_t& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound). Precondition: bound > 0. Rejection sampling removes modulo bias.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    std::uint64_t value = next();
    while (value >= limit) value = next();
    return value % bound;
  }

  // Uniform in [low, high]. Precondition: low <= high.
  std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    if (high - low == ~std::uint64_t{0}) return next();
    return low + below(high - low + 1);
  }

  // True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) { return below(denominator) < numerator; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
};

}  // namespace loyal
