#include "bench/tool/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/prng.h"

namespace loyal::bench {
namespace {

TEST(LatencyHistogram, EmptyHasNoPercentiles) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile_micros(0.5), 0.0);
}

TEST(LatencyHistogram, ExactBelowTheSubBucketCount) {
  LatencyHistogram histogram;
  for (std::uint64_t v = 1; v <= 100; ++v) histogram.record(v);
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.percentile_micros(0.5), 50.0);
  EXPECT_EQ(histogram.percentile_micros(0.9), 90.0);
  EXPECT_EQ(histogram.percentile_micros(0.99), 99.0);
  EXPECT_EQ(histogram.percentile_micros(1.0), 100.0);
  EXPECT_EQ(histogram.max_micros(), 100u);
  EXPECT_DOUBLE_EQ(histogram.mean_micros(), 50.5);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGaps) {
  for (std::size_t bucket = 0; bucket + 1 < LatencyHistogram::kBucketCount; ++bucket) {
    ASSERT_EQ(LatencyHistogram::bucket_highest(bucket) + 1, LatencyHistogram::bucket_lowest(bucket + 1)) << bucket;
  }
  for (const std::uint64_t v : {0ull, 127ull, 128ull, 129ull, 1000ull, 123456ull, 99999999ull}) {
    const std::size_t bucket = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::bucket_lowest(bucket), v);
    EXPECT_GE(LatencyHistogram::bucket_highest(bucket), v);
  }
}

// Against the exact percentile of a sorted sample: within the bucket width (under 1%).
TEST(LatencyHistogram, PercentilesWithinOnePercentOfExact) {
  Prng prng(42);
  std::vector<std::uint64_t> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 20000; ++i) {
    // Roughly log-uniform between 100 us and 1 s, like real latencies with a long tail.
    const std::uint64_t v = 100 + (prng.below(1000) * prng.below(1000));
    values.push_back(v);
    histogram.record(v);
  }
  std::sort(values.begin(), values.end());
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    const double exact = static_cast<double>(values[rank - 1]);
    EXPECT_NEAR(histogram.percentile_micros(q), exact, exact * 0.01) << "q=" << q;
  }
}

TEST(LatencyHistogram, MergeAndReset) {
  LatencyHistogram a;
  LatencyHistogram b;
  for (int i = 0; i < 10; ++i) a.record(10);
  for (int i = 0; i < 10; ++i) b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 20u);
  EXPECT_EQ(a.percentile_micros(0.5), 10.0);
  EXPECT_EQ(a.percentile_micros(0.51), 20.0);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.max_micros(), 0u);
}

TEST(LatencyHistogram, HugeValuesAreClampedButCounted) {
  LatencyHistogram histogram;
  histogram.record(~std::uint64_t{0});
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.max_micros(), LatencyHistogram::kMaxRecordableMicros);
}

}  // namespace
}  // namespace loyal::bench
