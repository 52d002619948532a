#include "tests/integration/register_workload.h"

#include <condition_variable>
#include <utility>
#include <variant>

#include "apps/kv/kv_operations.h"
#include "common/assert.h"

namespace loyal::integration {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = RegisterOperation::Kind;
using Outcome = RegisterOperation::Outcome;

Bytes encode(const RegisterOperation& operation) {
  const ByteView key = as_bytes(operation.key);
  switch (operation.kind) {
    case Kind::write:
      return kv::encode_put(key, as_bytes(*operation.written));
    case Kind::read:
      return kv::encode_get(key);
    case Kind::compare_and_swap: {
      std::optional<ByteView> expected;
      if (operation.expected) expected = as_bytes(*operation.expected);
      return kv::encode_compare_and_swap(key, expected, as_bytes(*operation.written));
    }
  }
  return {};
}

RegisterValue as_value(const std::optional<Bytes>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(as_chars(*bytes));
}

}  // namespace

WorkloadClient::WorkloadClient(const std::filesystem::path& cluster_file, ClientId id, std::uint64_t seed,
                               WorkloadOptions options)
    : id_(id), options_(std::move(options)), client_(cluster_file, id), random_(seed) {
  LOYAL_ASSERT(!options_.keys.empty(), "a workload needs keys");
}

WorkloadClient::~WorkloadClient() { stop(); }

void WorkloadClient::start() {
  LOYAL_ASSERT(!thread_.joinable(), "a workload client starts once");
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void WorkloadClient::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  client_.wake();
  thread_.join();
}

RegisterOperation WorkloadClient::next_operation() {
  RegisterOperation operation;
  operation.client = id_;
  operation.key = options_.keys[random_() % options_.keys.size()];
  const auto unique_value = [this] { return "c" + std::to_string(id_) + "-" + std::to_string(next_value_++); };
  switch (random_() % 10) {
    case 0: case 1: case 2: case 3:
      operation.kind = Kind::write;
      operation.written = unique_value();
      break;
    case 4: case 5: case 6:
      operation.kind = Kind::read;
      break;
    default:
      operation.kind = Kind::compare_and_swap;
      operation.expected = last_seen_[operation.key];
      operation.written = unique_value();
      break;
  }
  return operation;
}

bool WorkloadClient::read_answer(RegisterOperation& operation, const Bytes& reply) {
  const auto decoded = kv::decode_result(reply);
  const auto* result = std::get_if<kv::OperationResult>(&decoded);
  std::string unexpected;
  if (result == nullptr) {
    unexpected = "a malformed result";
  } else if (operation.kind == Kind::read && std::holds_alternative<kv::Value>(*result)) {
    operation.observed = as_value(std::get<kv::Value>(*result).value);
  } else if (operation.kind == Kind::read && std::holds_alternative<kv::NotFound>(*result)) {
    operation.observed = std::nullopt;
  } else if (operation.kind != Kind::read && std::holds_alternative<kv::Ok>(*result)) {
    // The write or the swap took effect.
  } else if (operation.kind == Kind::compare_and_swap && std::holds_alternative<kv::CasMismatch>(*result)) {
    operation.outcome = Outcome::cas_failed;
    operation.observed = as_value(std::get<kv::CasMismatch>(*result).current);
  } else {
    unexpected = "a result that does not answer it";
  }
  if (unexpected.empty()) return true;
  std::lock_guard lock(mutex_);
  failure_ = "client " + std::to_string(id_) + " got " + unexpected + " for " +
             operation.describe(operation.invoked);
  return false;
}

void WorkloadClient::run(std::stop_token stop) {
  std::mutex pacing_mutex;
  std::condition_variable_any pacing;
  Clock::time_point next_invocation = Clock::now();
  for (std::size_t done = 0; done < options_.max_operations; ++done) {
    {
      std::unique_lock lock(pacing_mutex);
      // Returns early only when stop is requested.
      pacing.wait_until(lock, stop, next_invocation, [] { return false; });
    }
    if (stop.stop_requested() || Clock::now() >= options_.end_by) return;
    RegisterOperation operation = next_operation();
    operation.invoked = Clock::now();
    next_invocation = operation.invoked + options_.invocation_interval;
    const std::chrono::milliseconds timeout = std::min(
        options_.operation_timeout,
        std::chrono::ceil<std::chrono::milliseconds>(options_.end_by - operation.invoked));
    auto reply = client_.execute_once(encode(operation), timeout, stop);
    operation.completed = Clock::now();
    if (!reply) {
      operation.outcome = Outcome::unknown;
    } else if (!read_answer(operation, *reply)) {
      return;
    }
    if (operation.outcome != Outcome::unknown) {
      if (operation.kind == Kind::read || operation.outcome == Outcome::cas_failed) {
        last_seen_[operation.key] = operation.observed;
      } else {
        last_seen_[operation.key] = operation.written;
      }
    }
    std::lock_guard lock(mutex_);
    history_.push_back(std::move(operation));
  }
}

std::size_t WorkloadClient::answered_since(Clock::time_point since) const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const RegisterOperation& operation : history_) {
    count += operation.invoked >= since && operation.outcome != Outcome::unknown ? 1 : 0;
  }
  return count;
}

std::optional<Clock::time_point> WorkloadClient::first_answer_since(Clock::time_point since) const {
  std::lock_guard lock(mutex_);
  for (const RegisterOperation& operation : history_) {
    if (operation.invoked >= since && operation.outcome != Outcome::unknown) return operation.completed;
  }
  return std::nullopt;
}

std::size_t WorkloadClient::answered() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const RegisterOperation& operation : history_) count += operation.outcome != Outcome::unknown ? 1 : 0;
  return count;
}

std::size_t WorkloadClient::unknown() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const RegisterOperation& operation : history_) count += operation.outcome == Outcome::unknown ? 1 : 0;
  return count;
}

}  // namespace loyal::integration
