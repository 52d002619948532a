#include "bench/tool/load_generator.h"

#include <condition_variable>
#include <variant>

#include "apps/kv/kv_operations.h"
#include "client/client_setup.h"
#include "client/zmq_connection.h"
#include "common/assert.h"
#include "common/prng.h"

namespace loyal::bench {

struct LoadGenerator::Worker {
  std::unique_ptr<client::BlockingClient> client;
  std::mutex wait_mutex;  // only for the open-loop schedule's interruptible wait
  std::condition_variable_any wait;
};

namespace {

// Every key has the same width, so get and put sizes do not depend on which key was drawn.
Bytes key_bytes(std::uint64_t index) {
  char text[32];
  const int length = std::snprintf(text, sizeof text, "key-%010llu", static_cast<unsigned long long>(index));
  return to_bytes(std::string_view(text, static_cast<std::size_t>(length)));
}

// A successful operation is any answer but a refusal; a refused one is a failure the user must
// see (for example a payload over the store's value limit).
std::optional<std::string> refusal(const Bytes& result) {
  const auto decoded = kv::decode_result(result);
  if (!std::holds_alternative<kv::OperationResult>(decoded)) return "the reply's result does not decode";
  const auto& outcome = std::get<kv::OperationResult>(decoded);
  if (const auto* refused = std::get_if<kv::Refused>(&outcome)) {
    return "the store refused the operation: " + std::string(kv::to_string(refused->reason));
  }
  return std::nullopt;
}

}  // namespace

LoadGenerator::LoadGenerator(const LoadOptions& options) : options_(options) {}

LoadGenerator::~LoadGenerator() { stop(); }

Result<std::unique_ptr<LoadGenerator>> LoadGenerator::create(const LoadOptions& options, zmq::context_t& context) {
  if (options.clients == 0 || options.clients > kMaxLoadClients) {
    return Error{"--clients must be 1 to " + std::to_string(kMaxLoadClients)};
  }
  if (options.keys == 0 || options.keys > kMaxKeys) return Error{"--keys must be 1 to " + std::to_string(kMaxKeys)};
  if (options.payload_bytes > kMaxPayloadBytes) {
    return Error{"--payload must be at most " + std::to_string(kMaxPayloadBytes) + " bytes"};
  }
  if (options.put_percent > 100) return Error{"the put share of --mix must be 0 to 100"};
  if (options.target_rate_ops_per_s && !(*options.target_rate_ops_per_s > 0)) return Error{"--rate must be above 0"};

  std::unique_ptr<LoadGenerator> generator(new LoadGenerator(options));
  for (std::uint32_t i = 0; i < options.clients; ++i) {
    const ClientId id = options.first_client_id + i;
    client::ClientSetupOptions setup_options;
    setup_options.id = id;
    auto setup = client::load_client_setup(options.cluster_file, setup_options);
    if (!setup) return Error{"client " + std::to_string(id) + ": " + setup.error().message};
    auto transport = client::connect_to_cluster(context, *setup);
    if (!transport) return Error{"client " + std::to_string(id) + ": " + transport.error().message};
    auto worker = std::make_unique<Worker>();
    worker->client = std::make_unique<client::BlockingClient>(std::move(*setup), std::move(*transport));
    generator->workers_.push_back(std::move(worker));
  }
  return generator;
}

void LoadGenerator::start() {
  LOYAL_ASSERT(!started_, "a load generator starts once");
  started_ = true;
  start_ = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < workers_.size(); ++i) {
    threads_.emplace_back([this, i](std::stop_token stop) { run_worker(stop, *workers_[i], i); });
  }
}

double LoadGenerator::elapsed_s() const {
  const auto until = stopped_ ? stopped_at_ : std::chrono::steady_clock::now();
  return std::chrono::duration<double>(until - start_).count();
}

void LoadGenerator::run_worker(std::stop_token stop, Worker& worker, std::uint32_t index) {
  Prng prng(options_.seed * 1'000'003 + index);
  Bytes value(options_.payload_bytes);
  for (auto& byte : value) byte = static_cast<std::uint8_t>(prng.next());

  using Clock = std::chrono::steady_clock;
  std::optional<Clock::duration> period;
  if (options_.target_rate_ops_per_s) {
    period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(workers_.size()) / *options_.target_rate_ops_per_s));
  }
  // Open-loop clients start spread over one period, so the rate is smooth rather than in bursts.
  Clock::time_point next_send = start_;
  if (period) next_send += *period * index / static_cast<std::int64_t>(workers_.size());

  while (!stop.stop_requested()) {
    Clock::time_point intended = Clock::now();
    if (period) {
      std::unique_lock lock(worker.wait_mutex);
      // Returns early only when the stop is requested: the predicate never becomes true.
      (void)worker.wait.wait_until(lock, stop, next_send, [] { return false; });
      if (stop.stop_requested()) break;
      intended = next_send;
      next_send += *period;
    }
    const Bytes key = key_bytes(prng.below(options_.keys));
    const bool put = prng.below(100) < options_.put_percent;
    Bytes operation = put ? kv::encode_put(key, value) : kv::encode_get(key);
    auto result = worker.client->execute(std::move(operation), options_.operation_timeout, stop);
    if (stop.stop_requested()) break;
    const Clock::time_point done = Clock::now();
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(done - intended);
    if (!result) {
      record(done, latency, false, result.error().message);
      continue;
    }
    const auto refused = refusal(*result);
    record(done, latency, !refused.has_value(), refused.value_or(""));
  }
}

void LoadGenerator::record(std::chrono::steady_clock::time_point done, std::chrono::microseconds latency, bool ok,
                           const std::string& failure) {
  const bool after_warmup = std::chrono::duration<double>(done - start_).count() >= options_.warmup_s;
  const auto micros = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  std::lock_guard lock(mutex_);
  if (!ok) {
    ++interval_.failed;
    if (after_warmup) ++measured_.failed;
    if (first_failure_.empty()) first_failure_ = failure;
    return;
  }
  ++interval_.completed;
  interval_.latency.record(micros);
  recent_.record(micros);
  if (after_warmup) {
    ++measured_.completed;
    measured_.latency.record(micros);
  }
}

TimelineSample LoadGenerator::close_interval() {
  TimelineSample sample;
  sample.end_s = elapsed_s();
  std::lock_guard lock(mutex_);
  sample.completed_ops = interval_.completed;
  sample.failed_ops = interval_.failed;
  sample.p50_ms = interval_.latency.percentile_ms(0.5);
  sample.p99_ms = interval_.latency.percentile_ms(0.99);
  interval_.latency.reset();
  interval_.completed = 0;
  interval_.failed = 0;
  return sample;
}

std::pair<double, double> LoadGenerator::recent_percentiles_ms() {
  std::lock_guard lock(mutex_);
  const std::pair<double, double> percentiles{recent_.percentile_ms(0.5), recent_.percentile_ms(0.99)};
  recent_.reset();
  return percentiles;
}

void LoadGenerator::stop() {
  if (!started_ || stopped_) return;
  for (std::jthread& thread : threads_) thread.request_stop();
  for (const auto& worker : workers_) worker->client->wake();
  for (std::jthread& thread : threads_) thread.join();
  stopped_at_ = std::chrono::steady_clock::now();
  stopped_ = true;
}

const LoadTotals& LoadGenerator::measured() const {
  LOYAL_ASSERT(stopped_, "totals are read after stop()");
  return measured_;
}

std::string LoadGenerator::first_failure() const {
  std::lock_guard lock(mutex_);
  return first_failure_;
}

}  // namespace loyal::bench
