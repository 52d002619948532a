#include "bench/tool/load_generator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "apps/kv/kv_operations.h"
#include "client/client_setup.h"
#include "client/zmq_connection.h"
#include "common/assert.h"
#include "common/prng.h"
#include "net/zmq/zmq_transport.h"

namespace loyal::bench {

// One client of the load, touched only by the load thread once it started.
struct LoadGenerator::LoadClient {
  LoadClient(client::ClientSession client_session, std::uint64_t seed, std::uint32_t payload_bytes)
      : session(std::move(client_session)), prng(seed), value(payload_bytes) {
    for (auto& byte : value) byte = static_cast<std::uint8_t>(prng.next());
  }

  client::ClientSession session;
  // Which key, and get or put: the same sequence per client index and seed on every run.
  Prng prng;
  Bytes value;  // every put's value
  Clock::time_point intended;   // when the operation in flight was due: latency counts from here
  Clock::time_point next_send;  // open loop: when the next operation is due
};

namespace {

// Sessions are ticked this often: the core's tick, so retransmissions and deadlines are on time
// to the millisecond, and the longest the load thread waits while an operation is in flight.
constexpr std::chrono::milliseconds kTickInterval{1};

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
  std::vector<net::ZmqTransport*> transports;
  const Clock::time_point epoch = Clock::now();
  for (std::uint32_t i = 0; i < options.clients; ++i) {
    const ClientId id = options.first_client_id + i;
    client::ClientSetupOptions setup_options;
    setup_options.id = id;
    auto setup = client::load_client_setup(options.cluster_file, setup_options);
    if (!setup) return Error{"client " + std::to_string(id) + ": " + setup.error().message};
    auto transport = client::connect_to_cluster(context, *setup);
    if (!transport) return Error{"client " + std::to_string(id) + ": " + transport.error().message};
    transports.push_back(transport->get());  // the poll group watches its sockets
    generator->clients_.push_back(std::make_unique<LoadClient>(
        client::ClientSession(std::move(*setup), std::move(*transport), epoch), options.seed * 1'000'003 + i,
        options.payload_bytes));
  }
  generator->poll_group_ = std::make_unique<net::ZmqPollGroup>(std::move(transports));
  if (options.target_rate_ops_per_s) {
    generator->period_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(options.clients) / *options.target_rate_ops_per_s));
  }
  return generator;
}

void LoadGenerator::start() {
  LOYAL_ASSERT(!started_, "a load generator starts once");
  started_ = true;
  start_ = Clock::now();
  // Open-loop clients start spread over one period, so the rate is smooth rather than in bursts.
  const auto count = static_cast<std::int64_t>(clients_.size());
  for (std::int64_t i = 0; i < count; ++i) {
    clients_[static_cast<std::size_t>(i)]->next_send = start_ + (period_ ? *period_ * i / count : Clock::duration{0});
  }
  load_thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

double LoadGenerator::elapsed_s() const {
  const auto until = stopped_ ? stopped_at_ : Clock::now();
  return std::chrono::duration<double>(until - start_).count();
}

void LoadGenerator::run(std::stop_token stop) {
  std::vector<Outcome> outcomes;
  Clock::time_point next_tick = start_ + kTickInterval;
  while (!stop.stop_requested()) {
    Clock::time_point now = Clock::now();
    if (now >= next_tick) {
      tick_sessions(now, outcomes);
      next_tick = now + kTickInterval;
    }
    start_due_operations(now);
    const std::vector<std::size_t>& ready = poll_group_->wait(wait_timeout(now, next_tick));
    if (stop.stop_requested()) break;
    now = Clock::now();
    for (const std::size_t position : ready) receive_replies(position, now, outcomes);
    if (!outcomes.empty()) record(outcomes);
    outcomes.clear();
  }
  // Stopped: what is in flight is abandoned, not counted.
  for (const auto& client : clients_) client->session.abandon();
}

void LoadGenerator::tick_sessions(Clock::time_point now, std::vector<Outcome>& outcomes) {
  for (const auto& client : clients_) {
    if (!client->session.busy()) continue;
    if (auto result = client->session.on_time(now)) finish_operation(*client, std::move(*result), now, outcomes);
  }
}

void LoadGenerator::start_due_operations(Clock::time_point now) {
  for (const auto& client : clients_) {
    if (client->session.busy()) continue;
    if (period_) {
      if (now < client->next_send) continue;
      client->intended = client->next_send;
      client->next_send += *period_;
    } else {
      client->intended = now;
    }
    const Bytes key = key_bytes(client->prng.below(options_.keys));
    const bool put = client->prng.below(100) < options_.put_percent;
    Bytes operation = put ? kv::encode_put(key, client->value) : kv::encode_get(key);
    client->session.start(std::move(operation), now, options_.operation_timeout);
  }
}

std::chrono::milliseconds LoadGenerator::wait_timeout(Clock::time_point now, Clock::time_point next_tick) const {
  // With nothing in flight, nothing needs a tick: a wake() from stop() ends the wait early.
  std::optional<Clock::time_point> until;
  for (const auto& client : clients_) {
    if (client->session.busy()) {
      until = next_tick;
      break;
    }
  }
  if (period_) {
    for (const auto& client : clients_) {
      if (!client->session.busy()) until = std::min(until.value_or(client->next_send), client->next_send);
    }
  }
  // No client busy and none scheduled cannot happen (a closed-loop client is always busy), but
  // a tick is a safe answer.
  const Clock::time_point wake_at = until.value_or(next_tick);
  if (wake_at <= now) return std::chrono::milliseconds{0};
  return std::chrono::ceil<std::chrono::milliseconds>(wake_at - now);
}

void LoadGenerator::receive_replies(std::size_t position, Clock::time_point now, std::vector<Outcome>& outcomes) {
  LoadClient& client = *clients_[position];
  frames_.clear();
  client.session.transport().receive(frames_, client::kMaxFramesPerReceive, std::chrono::milliseconds{0});
  if (auto result = client.session.on_frames(frames_, now)) finish_operation(client, std::move(*result), now, outcomes);
}

void LoadGenerator::finish_operation(LoadClient& client, Result<Bytes> result, Clock::time_point now,
                                     std::vector<Outcome>& outcomes) {
  Outcome& outcome = outcomes.emplace_back();
  outcome.done = now;
  outcome.latency = std::chrono::duration_cast<std::chrono::microseconds>(now - client.intended);
  if (!result) {
    outcome.failure = result.error().message;
    return;
  }
  auto refused = refusal(*result);
  outcome.ok = !refused.has_value();
  if (refused) outcome.failure = std::move(*refused);
}

void LoadGenerator::record(const std::vector<Outcome>& outcomes) {
  std::lock_guard lock(mutex_);
  for (const Outcome& outcome : outcomes) {
    const bool after_warmup = std::chrono::duration<double>(outcome.done - start_).count() >= options_.warmup_s;
    if (!outcome.ok) {
      ++interval_.failed;
      if (after_warmup) ++measured_.failed;
      if (first_failure_.empty()) first_failure_ = outcome.failure;
      continue;
    }
    const auto micros = static_cast<std::uint64_t>(std::max<std::int64_t>(outcome.latency.count(), 0));
    ++interval_.completed;
    interval_.latency.record(micros);
    recent_.record(micros);
    if (after_warmup) {
      ++measured_.completed;
      measured_.latency.record(micros);
    }
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
  load_thread_.request_stop();
  // The load thread may be waiting for a scheduled send; a wake on any polled transport ends it.
  poll_group_->transport(0).wake();
  load_thread_.join();
  stopped_at_ = Clock::now();
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
