// The report files are well-formed: report.json parses back (a small strict JSON parser below, so
// the test needs no JSON library), every timeline.csv row has the header's column count, and
// chart.svg's tags nest and close.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "bench/tool/bench_report.h"
#include "bench/tool/json_writer.h"

namespace loyal::bench {
namespace {

using ::testing::HasSubstr;

// A parsed JSON value: enough to walk the report and check its figures.
struct Json {
  std::variant<std::nullptr_t, bool, double, std::string, std::vector<Json>, std::map<std::string, Json>> value;
  const Json& operator[](const std::string& key) const {
    const auto& object = std::get<std::map<std::string, Json>>(value);
    const auto found = object.find(key);
    if (found == object.end()) throw std::runtime_error("no key " + key);
    return found->second;
  }
  const Json& operator[](std::size_t index) const { return std::get<std::vector<Json>>(value).at(index); }
  double number() const { return std::get<double>(value); }
  const std::string& string() const { return std::get<std::string>(value); }
  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value); }
  std::size_t size() const { return std::get<std::vector<Json>>(value).size(); }
};

// Strict enough for our writer's output: throws on anything that is not JSON.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}
  Json parse_document() {
    Json value = parse_value();
    skip_space();
    if (position_ != text_.size()) fail("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error("JSON: " + why + " at " + std::to_string(position_));
  }
  void skip_space() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) ++position_;
  }
  char peek() {
    skip_space();
    if (position_ >= text_.size()) fail("unexpected end");
    return text_[position_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected ") + c);
    ++position_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(position_, word.size()) != word) return false;
    position_ += word.size();
    return true;
  }
  Json parse_value() {
    const char c = peek();
    if (c == '{') return parse_object();
    if (c == '[') return parse_array();
    if (c == '"') return Json{parse_string()};
    if (literal("null")) return Json{nullptr};
    if (literal("true")) return Json{true};
    if (literal("false")) return Json{false};
    return parse_number();
  }
  Json parse_object() {
    expect('{');
    std::map<std::string, Json> object;
    if (peek() == '}') {
      ++position_;
      return Json{object};
    }
    while (true) {
      if (peek() != '"') fail("expected a key");
      std::string key = parse_string();
      expect(':');
      if (!object.emplace(key, parse_value()).second) fail("duplicate key " + key);
      if (peek() == ',') {
        ++position_;
        continue;
      }
      expect('}');
      return Json{object};
    }
  }
  Json parse_array() {
    expect('[');
    std::vector<Json> array;
    if (peek() == ']') {
      ++position_;
      return Json{array};
    }
    while (true) {
      array.push_back(parse_value());
      if (peek() == ',') {
        ++position_;
        continue;
      }
      expect(']');
      return Json{array};
    }
  }
  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (position_ >= text_.size()) fail("unterminated string");
      const char c = text_[position_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char escaped = text_[position_++];
      switch (escaped) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          out += static_cast<char>(std::stoi(std::string(text_.substr(position_, 4)), nullptr, 16));
          position_ += 4;
          break;
        }
        default: fail("bad escape");
      }
    }
  }
  Json parse_number() {
    const std::size_t start = position_;
    while (position_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[position_]) != std::string_view::npos) {
      ++position_;
    }
    if (start == position_) fail("expected a value");
    return Json{std::stod(std::string(text_.substr(start, position_ - start)))};
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

Json parse_json(std::string_view text) { return JsonParser(text).parse_document(); }

BenchReport sample_report() {
  BenchReport report;
  report.command_line = "loyal-bench local --fault 'crash:3@5' --out \"x\"";
  report.mode = "local";
  report.config.replicas = 4;
  report.config.f = 1;
  report.config.clients = 32;
  report.config.duration_s = 3;
  report.config.warmup_s = 0.5;
  report.config.put_percent = 80;
  for (const std::string protocol : {"pbft", "unreplicated"}) {
    ProtocolRun run;
    run.protocol = protocol;
    run.engine = protocol == "pbft" ? "pbft" : "raft";
    run.replicas = protocol == "pbft" ? 4 : 1;
    for (int k = 1; k <= 30; ++k) {
      TimelineSample sample;
      sample.end_s = k * interval_seconds();
      sample.completed_ops = (k > 20 && k <= 24) ? 0 : (protocol == "pbft" ? 100 : 400);
      sample.p50_ms = 2.5;
      sample.p99_ms = 9.0;
      sample.epoch = k > 24 ? 1 : 0;
      sample.leader = k > 24 ? 1 : 0;
      run.timeline.push_back(sample);
      run.completed_ops += sample.completed_ops;
      for (std::uint64_t i = 0; i < sample.completed_ops; ++i) run.latency.record(2000 + i);
    }
    run.measured_s = 3;
    run.peak_rss_bytes = std::vector<std::optional<std::uint64_t>>(run.replicas, 50'000'000);
    run.peak_rss_bytes.back() = std::nullopt;
    FaultOutcome fault;
    fault.spec = *parse_fault_spec("crash:0@2");
    fault.injected_s = 2.0;
    fault.recovery = time_to_recover(run.timeline, 2.0, 0.5);
    run.faults.push_back(fault);
    report.runs.push_back(run);
  }
  ProtocolRun failed;
  failed.protocol = "paxos";
  failed.error = "the launcher said \"no\"";
  report.runs.push_back(failed);
  return report;
}

TEST(ReportJson, ParsesBackWithEveryFigure) {
  const BenchReport report = sample_report();
  const Json json = parse_json(report_json(report));
  EXPECT_EQ(json["command_line"].string(), report.command_line);
  EXPECT_THAT(json["recovery_definition"].string(), HasSubstr("90%"));
  EXPECT_EQ(json["config"]["clients"].number(), 32);
  ASSERT_EQ(json["runs"].size(), 3u);
  const Json& pbft = json["runs"][0];
  EXPECT_EQ(pbft["protocol"].string(), "pbft");
  EXPECT_NEAR(pbft["throughput_ops_per_s"].number(), report.runs[0].throughput_ops_per_s(), 1e-9);
  for (const char* percentile : {"p50", "p90", "p99", "p999"}) {
    EXPECT_GT(pbft["latency_ms"][percentile].number(), 1.9) << percentile;
  }
  EXPECT_NEAR(pbft["ratio_to_unreplicated"]["throughput"].number(), 0.25, 1e-9);
  EXPECT_EQ(pbft["faults"][0]["kind"].string(), "crash");
  EXPECT_EQ(pbft["faults"][0]["replica"].number(), 0);
  EXPECT_EQ(pbft["faults"][0]["time_s"].number(), 2.0);
  EXPECT_NEAR(pbft["faults"][0]["time_to_recover_s"].number(), 0.4, 1e-9);
  EXPECT_EQ(pbft["peak_rss_bytes"].size(), 4u);
  EXPECT_EQ(pbft["peak_rss_bytes"][0].number(), 50'000'000);
  EXPECT_TRUE(pbft["peak_rss_bytes"][3].is_null());
  EXPECT_EQ(json["runs"][2]["error"].string(), "the launcher said \"no\"");
}

TEST(JsonWriterTest, EscapesAndNests) {
  JsonWriter writer;
  writer.begin_object().key("a\"b\n").value("x\\y\x01").key("list").begin_array().value(1).value(2.5).null()
      .value(true).end_array().key("nan").value(std::nan("")).end_object();
  const Json json = parse_json(writer.text());
  EXPECT_EQ(json["a\"b\n"].string(), "x\\y\x01");
  EXPECT_EQ(json["list"].size(), 4u);
  EXPECT_EQ(json["list"][1].number(), 2.5);
  EXPECT_TRUE(json["nan"].is_null());
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

TEST(TimelineCsv, EveryRowHasTheHeadersColumns) {
  const BenchReport report = sample_report();
  const std::string csv = timeline_csv(report);
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, kTimelineCsvHeader);
  const std::size_t columns = split(line, ',').size();
  EXPECT_EQ(columns, 9u);
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(split(line, ',').size(), columns) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 60u) << "30 samples for each of the two runs that happened";
  EXPECT_THAT(csv, HasSubstr("pbft,0.1,100,1000,0,2.500,9.000,0,0\n"));
}

// Tags nest and close: a stack of names over <x ...>, </x> and <x .../>.
void expect_well_formed_xml(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t position = 0;
  while ((position = xml.find('<', position)) != std::string::npos) {
    const std::size_t end = xml.find('>', position);
    ASSERT_NE(end, std::string::npos) << "unterminated tag at " << position;
    const std::string tag = xml.substr(position + 1, end - position - 1);
    position = end + 1;
    if (tag.starts_with("?")) continue;
    if (tag.starts_with("/")) {
      ASSERT_FALSE(open.empty()) << "closing " << tag << " with nothing open";
      ASSERT_EQ(open.back(), tag.substr(1));
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    if (!tag.ends_with("/")) open.push_back(name);
  }
  EXPECT_TRUE(open.empty()) << open.size() << " tags left open";
  EXPECT_EQ(xml.find('&', 0) == std::string::npos || xml.find("&amp;") != std::string::npos ||
                xml.find("&quot;") != std::string::npos || xml.find("&lt;") != std::string::npos,
            true);
}

TEST(ChartSvg, IsWellFormedAndMarksFaultsAndLeaderChanges) {
  const std::string svg = chart_svg(sample_report());
  expect_well_formed_xml(svg);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("crash:0@2"));
  EXPECT_THAT(svg, HasSubstr("view 1, leader 1"));
  EXPECT_THAT(svg, HasSubstr("data-protocol=\"unreplicated\""));
  EXPECT_EQ(svg.find("data-protocol=\"paxos\""), std::string::npos) << "a run that failed has no panel";
}

TEST(SummaryTable, NamesEveryRunAndFault) {
  const std::string table = summary_table(sample_report());
  EXPECT_THAT(table, HasSubstr("pbft"));
  EXPECT_THAT(table, HasSubstr("0.25x"));
  EXPECT_THAT(table, HasSubstr("paxos: not run: the launcher said \"no\""));
  EXPECT_THAT(table, HasSubstr("fault crash:0@2: at 2.0 s, recovered in 0.4 s"));
}

TEST(ReportFiles, AreWrittenIntoTheDirectory) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("loyal-bench-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&directory)));
  std::filesystem::remove_all(directory);
  ASSERT_TRUE(write_report_files(directory / "nested", sample_report()));
  for (const char* name : {"report.json", "timeline.csv", "chart.svg"}) {
    EXPECT_GT(std::filesystem::file_size(directory / "nested" / name), 100u) << name;
  }
  std::ifstream in(directory / "nested" / "report.json");
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_NO_THROW(parse_json(contents.str()));
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace loyal::bench
