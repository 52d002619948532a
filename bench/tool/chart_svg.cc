// chart.svg: one panel per protocol run, throughput (left axis) and p99 latency (right axis) over
// time, with the warm-up shaded, fault injections as red dashed lines and view/term/leader changes
// as grey dotted ones. Hand-written SVG: no dependency, and any browser shows it.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/tool/bench_report.h"

namespace loyal::bench {

namespace {

constexpr double kWidth = 960;
constexpr double kPanelHeight = 300;
constexpr double kLeft = 80;
constexpr double kRight = 880;
constexpr double kTop = 40;
constexpr double kBottom = 270;
constexpr int kTicks = 5;

std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

// Axis labels: whole numbers once they are large enough for decimals to be noise.
std::string label(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, value >= 10 || value == 0 ? "%.0f" : "%.2g", value);
  return buffer;
}

// XML text content: the same escaping rules as attribute values for the characters we meet.
std::string xml(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

// A round axis maximum at or above `value` (1, 2 or 5 times a power of ten).
double nice_ceiling(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

std::string panel(const ProtocolRun& run, const ScenarioConfig& config, double offset_y) {
  double end_s = config.duration_s;
  double max_ops = 0;
  double max_latency = 0;
  for (const TimelineSample& sample : run.timeline) {
    end_s = std::max(end_s, sample.end_s);
    max_ops = std::max(max_ops, throughput_ops_per_s(sample));
  }
  // Requests held up by a view change can take seconds, which would flatten every other sample's
  // latency to the axis: the scale follows the run's p99 instead and taller points are clipped to
  // the top (the CSV has the real values).
  for (const TimelineSample& sample : run.timeline) {
    if (sample.completed_ops > 0) max_latency = std::max(max_latency, sample.p50_ms);
  }
  max_latency = std::max(max_latency, 3 * run.latency.percentile_ms(0.99));
  end_s = std::max(end_s, 1.0);
  max_ops = nice_ceiling(max_ops);
  max_latency = nice_ceiling(max_latency);
  const auto x = [&](double t) { return kLeft + (kRight - kLeft) * t / end_s; };
  const auto y_ops = [&](double ops) { return offset_y + kBottom - (kBottom - kTop) * ops / max_ops; };
  const auto y_latency = [&](double ms) {
    return offset_y + kBottom - (kBottom - kTop) * std::min(ms, max_latency) / max_latency;
  };

  std::string svg = "<g class=\"run\" data-protocol=\"" + xml(run.protocol) + "\">\n";
  svg += "<text x=\"" + num(kLeft) + "\" y=\"" + num(offset_y + 22) + "\" font-size=\"16\" font-weight=\"bold\">" +
         xml(run.protocol) + " (" + std::to_string(run.replicas) + " replicas): " +
         num(run.throughput_ops_per_s()) + " ops/s, p50 " + num(run.latency.percentile_ms(0.5)) + " ms, p99 " +
         num(run.latency.percentile_ms(0.99)) + " ms</text>\n";
  if (config.warmup_s > 0) {
    svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(offset_y + kTop) + "\" width=\"" +
           num(x(config.warmup_s) - kLeft) + "\" height=\"" + num(kBottom - kTop) +
           "\" fill=\"#eeeeee\"><title>warm-up (excluded)</title></rect>\n";
  }
  svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(offset_y + kTop) + "\" width=\"" + num(kRight - kLeft) +
         "\" height=\"" + num(kBottom - kTop) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int i = 0; i <= kTicks; ++i) {
    const double fraction = static_cast<double>(i) / kTicks;
    const double y = offset_y + kBottom - (kBottom - kTop) * fraction;
    svg += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" font-size=\"11\" text-anchor=\"end\" fill=\"#1f77b4\">" +
           label(max_ops * fraction) + "</text>\n";
    svg += "<text x=\"" + num(kRight + 6) + "\" y=\"" + num(y + 4) + "\" font-size=\"11\" fill=\"#d62728\">" +
           label(max_latency * fraction) + "</text>\n";
    const double t = end_s * fraction;
    svg += "<text x=\"" + num(x(t)) + "\" y=\"" + num(offset_y + kBottom + 16) +
           "\" font-size=\"11\" text-anchor=\"middle\">" + label(t) + " s</text>\n";
  }
  svg += "<text x=\"" + num(kLeft - 60) + "\" y=\"" + num(offset_y + kTop - 8) +
         "\" font-size=\"11\" fill=\"#1f77b4\">ops/s</text>\n";
  svg += "<text x=\"" + num(kRight - 10) + "\" y=\"" + num(offset_y + kTop - 8) +
         "\" font-size=\"11\" fill=\"#d62728\">p50 / p99 ms</text>\n";

  std::string throughput_points;
  for (const TimelineSample& sample : run.timeline) {
    throughput_points += num(x(sample.end_s)) + "," + num(y_ops(throughput_ops_per_s(sample))) + " ";
  }
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"" + throughput_points + "\"/>\n";
  // Latency exists only where something completed: one polyline per stretch, no line across gaps.
  const auto latency_lines = [&](double TimelineSample::*percentile, const char* style) {
    std::string points;
    const auto flush = [&] {
      if (!points.empty()) svg += "<polyline fill=\"none\" " + std::string(style) + " points=\"" + points + "\"/>\n";
      points.clear();
    };
    for (const TimelineSample& sample : run.timeline) {
      if (sample.completed_ops == 0) {
        flush();
        continue;
      }
      points += num(x(sample.end_s)) + "," + num(y_latency(sample.*percentile)) + " ";
    }
    flush();
  };
  latency_lines(&TimelineSample::p99_ms, "stroke=\"#d62728\" stroke-width=\"1\" opacity=\"0.8\"");
  latency_lines(&TimelineSample::p50_ms, "stroke=\"#ff9896\" stroke-width=\"1\"");

  // Changes often come in quick succession (view change started, then completed): their labels
  // take turns over a few rows so that they do not print over each other.
  constexpr int kLabelRows = 4;
  int change_row = 0;
  for (const LeaderChange& change : leader_changes(run.timeline, epoch_word(run.protocol))) {
    svg += "<line x1=\"" + num(x(change.time_s)) + "\" x2=\"" + num(x(change.time_s)) + "\" y1=\"" +
           num(offset_y + kTop) + "\" y2=\"" + num(offset_y + kBottom) +
           "\" stroke=\"#777\" stroke-dasharray=\"2,3\"><title>" + xml(change.description) + "</title></line>\n";
    svg += "<text x=\"" + num(x(change.time_s) + 3) + "\" y=\"" + num(offset_y + kBottom - 6 - 12 * change_row) +
           "\" font-size=\"10\" fill=\"#555\">" + xml(change.description) + "</text>\n";
    change_row = (change_row + 1) % kLabelRows;
  }
  int fault_row = 0;
  for (const FaultOutcome& fault : run.faults) {
    if (!fault.injected_s) continue;
    const double fx = x(*fault.injected_s);
    svg += "<line x1=\"" + num(fx) + "\" x2=\"" + num(fx) + "\" y1=\"" + num(offset_y + kTop) + "\" y2=\"" +
           num(offset_y + kBottom) + "\" stroke=\"#d00\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/>\n";
    std::string label = fault.spec.text;
    if (fault.recovery.time_to_recover_s) label += " (recovered in " + num(*fault.recovery.time_to_recover_s) + " s)";
    svg += "<text x=\"" + num(fx + 3) + "\" y=\"" + num(offset_y + kTop + 12 + 12 * fault_row) +
           "\" font-size=\"11\" fill=\"#d00\">" + xml(label) + "</text>\n";
    ++fault_row;
  }
  return svg + "</g>\n";
}

}  // namespace

std::string chart_svg(const BenchReport& report) {
  std::vector<const ProtocolRun*> shown;
  for (const ProtocolRun& run : report.runs) {
    if (run.error.empty()) shown.push_back(&run);
  }
  const double height = kPanelHeight * static_cast<double>(std::max<std::size_t>(shown.size(), 1)) + 20;
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(kWidth) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(kWidth) + " " +
                    num(height) + "\" font-family=\"sans-serif\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (shown.empty()) {
    svg += "<text x=\"20\" y=\"40\" font-size=\"14\">no protocol run completed</text>\n";
  }
  for (std::size_t i = 0; i < shown.size(); ++i) {
    svg += panel(*shown[i], report.config, kPanelHeight * static_cast<double>(i));
  }
  return svg + "</svg>\n";
}

}  // namespace loyal::bench
