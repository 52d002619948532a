#include "bench/tool/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/assert.h"

namespace loyal::bench {

LatencyHistogram::LatencyHistogram() : buckets_(kBucketCount, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  micros = std::min(micros, kMaxRecordableMicros);
  if (micros < kExactBelowMicros) return static_cast<std::size_t>(micros);
  const unsigned exponent = static_cast<unsigned>(std::bit_width(micros)) - 1;  // >= kSubBucketBits
  const std::uint64_t mantissa = (micros >> (exponent - kSubBucketBits)) & (kSubBuckets - 1);
  return static_cast<std::size_t>(kSubBuckets + (exponent - kSubBucketBits) * kSubBuckets + mantissa);
}

std::uint64_t LatencyHistogram::bucket_lowest(std::size_t bucket) {
  LOYAL_ASSERT(bucket < kBucketCount, "histogram bucket out of range");
  if (bucket < kSubBuckets) return bucket;
  const std::uint64_t exponent = (bucket - kSubBuckets) / kSubBuckets + kSubBucketBits;
  const std::uint64_t mantissa = (bucket - kSubBuckets) % kSubBuckets;
  return (std::uint64_t{1} << exponent) | (mantissa << (exponent - kSubBucketBits));
}

std::uint64_t LatencyHistogram::bucket_highest(std::size_t bucket) {
  LOYAL_ASSERT(bucket < kBucketCount, "histogram bucket out of range");
  if (bucket < kSubBuckets) return bucket;
  const std::uint64_t exponent = (bucket - kSubBuckets) / kSubBuckets + kSubBucketBits;
  return bucket_lowest(bucket) + (std::uint64_t{1} << (exponent - kSubBucketBits)) - 1;
}

void LatencyHistogram::record(std::uint64_t micros) {
  micros = std::min(micros, kMaxRecordableMicros);
  ++buckets_[bucket_of(micros)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
}

double LatencyHistogram::percentile_micros(double quantile) const {
  LOYAL_ASSERT(quantile > 0 && quantile <= 1, "a quantile is in (0, 1]");
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      const std::uint64_t low = bucket_lowest(i);
      const std::uint64_t high = std::min(bucket_highest(i), max_);
      return (static_cast<double>(low) + static_cast<double>(std::max(low, high))) / 2.0;
    }
  }
  return static_cast<double>(max_);
}

}  // namespace loyal::bench
