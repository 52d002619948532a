#pragma once
// A fixed-size log-linear latency histogram in microseconds (the HdrHistogram idea, much smaller):
// exact below kExactBelowMicros, and within 1/kSubBuckets (under 1%) of the true value above,
// up to kMaxRecordableMicros. Recording is O(1) and allocation-free after construction, so the
// load generator's threads can each keep one and merge them when a timeline interval closes.
//
// Not thread-safe: one writer at a time (the load generator guards its shared ones with a mutex).

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace loyal::bench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // 128
  static constexpr std::uint64_t kExactBelowMicros = kSubBuckets;
  static constexpr unsigned kMaxExponent = 40;  // 2^40 us is 12.7 days
  static constexpr std::uint64_t kMaxRecordableMicros = (std::uint64_t{1} << (kMaxExponent + 1)) - 1;
  static constexpr std::size_t kBucketCount = kSubBuckets + (kMaxExponent - kSubBucketBits + 1) * kSubBuckets;

  LatencyHistogram();

  // Larger values are clamped to kMaxRecordableMicros (and still counted).
  void record(std::uint64_t micros);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t max_micros() const { return max_; }
  double mean_micros() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The q-quantile (0 < q <= 1): the smallest recorded value v such that at least q of the values
  // are <= v, reported as its bucket's midpoint (exact below kExactBelowMicros). 0 when empty.
  double percentile_micros(double quantile) const;
  double percentile_ms(double quantile) const { return percentile_micros(quantile) / 1000.0; }

  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_lowest(std::size_t bucket);
  static std::uint64_t bucket_highest(std::size_t bucket);

 private:
  std::vector<std::uint64_t> buckets_;  // kBucketCount entries
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace loyal::bench
