#include "bench/tool/load_driver.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <vector>
#include <thread>

namespace loyal::bench {

void drive_load(LoadGenerator& load, const DriveOptions& options, const DriveHooks& hooks, ProtocolRun& run,
                std::ostream& progress) {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(kTimelineIntervalMs);
  const auto intervals = static_cast<std::uint64_t>(std::ceil(options.duration_s * 1000.0 / kTimelineIntervalMs));
  const std::uint64_t intervals_per_progress = 1000 / kTimelineIntervalMs;
  // The controlling thread looks a little after each interval closed, so the sample is there.
  const auto look_after_close = std::chrono::milliseconds(5);

  load.start();
  const Clock::time_point start = Clock::now();
  // Samples are closed on their own thread, on time, because the controlling thread may block for
  // seconds in a fault injection (a restart waits until the replica listens again): the
  // throughput figures stay exact, only the view/leader annotation of those samples comes late.
  std::mutex closed_mutex;
  std::vector<TimelineSample> closed;  // guarded by closed_mutex
  std::jthread sampler([&] {
    for (std::uint64_t k = 1; k <= intervals; ++k) {
      std::this_thread::sleep_until(start + interval * k);
      TimelineSample sample = load.close_interval();
      // Nominal interval ends keep the CSV's time column regular.
      sample.end_s = static_cast<double>(k) * interval_seconds();
      std::lock_guard lock(closed_mutex);
      closed.push_back(sample);
    }
  });

  std::size_t events = 0;
  std::uint64_t recent_completed = 0;
  std::uint64_t recent_samples = 0;
  const auto take_closed = [&] {
    std::vector<TimelineSample> fresh;
    {
      std::lock_guard lock(closed_mutex);
      fresh.swap(closed);
    }
    for (TimelineSample& sample : fresh) {
      if (hooks.annotate) hooks.annotate(sample);
      recent_completed += sample.completed_ops;
      run.timeline.push_back(sample);
      ++recent_samples;
    }
  };
  for (std::uint64_t k = 1; k <= intervals; ++k) {
    std::this_thread::sleep_until(start + interval * k + look_after_close);
    take_closed();
    if (hooks.inject_due_faults) events = hooks.inject_due_faults(static_cast<double>(k) * interval_seconds());

    if (options.live_progress && k % intervals_per_progress == 0 && recent_samples > 0) {
      const TimelineSample& last = run.timeline.back();
      const auto [p50, p99] = load.recent_percentiles_ms();
      char line[200];
      std::snprintf(line, sizeof line, "\r%-12s %5.1f/%.0f s  %8.0f ops/s  p50 %7.2f ms  p99 %8.2f ms  events %zu",
                    run.protocol.c_str(), last.end_s, options.duration_s, static_cast<double>(recent_completed) / (static_cast<double>(recent_samples) * interval_seconds()),
                    p50, p99, events);
      progress << line;
      if (last.epoch) progress << "  " << epoch_word(run.engine) << " " << *last.epoch;
      if (last.leader) progress << " leader " << *last.leader;
      progress << "   " << std::flush;
      recent_completed = 0;
      recent_samples = 0;
    }
  }
  sampler.join();
  take_closed();
  load.stop();
  if (options.live_progress) progress << "\n";

  const LoadTotals& totals = load.measured();
  run.latency = totals.latency;
  run.completed_ops = totals.completed;
  run.failed_ops = totals.failed;
  run.measured_s = std::max(0.0, options.duration_s - options.warmup_s);
}

}  // namespace loyal::bench
