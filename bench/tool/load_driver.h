#pragma once
// Runs one protocol's load from start to end on the controlling thread: every timeline interval
// it closes a sample, lets the scenario annotate it (view/term and leader) and inject faults that
// are due, and once a second it rewrites the live progress line. The same loop serves
// `loyal-bench run` (no hooks) and `loyal-bench local` (the cluster's status and fault schedule).

#include <functional>
#include <ostream>
#include <string>

#include "bench/tool/bench_report.h"
#include "bench/tool/load_generator.h"

namespace loyal::bench {

struct DriveHooks {
  // Called once per interval with the sample just closed; fills epoch and leader when known.
  std::function<void(TimelineSample&)> annotate;
  // Called once per interval with the elapsed seconds; injects what is due and returns how many
  // events (fault injections) happened so far, for the progress line.
  std::function<std::size_t(double elapsed_s)> inject_due_faults;
};

struct DriveOptions {
  double duration_s = 20;
  double warmup_s = 0;
  bool live_progress = true;  // a \r-rewritten line on `progress`; false: nothing until the end
};

// Starts `load`, runs it for the duration, stops it, and fills `run`'s timeline and totals
// (faults and memory are the caller's).
void drive_load(LoadGenerator& load, const DriveOptions& options, const DriveHooks& hooks, ProtocolRun& run,
                std::ostream& progress);

}  // namespace loyal::bench
