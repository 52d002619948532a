#include "replica/runtime/replica_process.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <variant>

#include "common/assert.h"
#include "net/decode_error.h"
#include "replica/runtime/status_line.h"

namespace loyal::runtime {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kOutboundQueueFull = "runtime.outbound_queue_full";

}  // namespace

void ReplicaProcess::QueueOutbox::queue(NodeId to, ByteView frame) {
  if (process_.single_threaded()) {
    // The replica thread owns the transport: straight out, no copy, no hand-off.
    process_.transport_.send(to, frame);
  } else {
    OutboundFrame outbound{to, Bytes(frame.begin(), frame.end())};
    if (!process_.outbound_.try_push(outbound)) {
      process_.count_drop(kOutboundQueueFull);
      return;
    }
    queued_since_flush_ = true;
  }
  std::lock_guard lock(process_.counters_mutex_);
  ++process_.runtime_counters_.frames_queued_to_send;
}

void ReplicaProcess::QueueOutbox::flush() {
  if (!queued_since_flush_) return;
  queued_since_flush_ = false;
  process_.transport_.wake();
}

ReplicaProcess::ReplicaProcess(ReplicaSetup& setup, net::Transport& transport, replica::Journal& journal,
                               ProcessOptions options, std::optional<replica::SavedSnapshot> restored_snapshot)
    : setup_(setup),
      transport_(transport),
      journal_(journal),
      options_(options),
      tick_(setup.tick_ms()),
      outbox_(*this),
      mode_mismatch_(net::DecodeContext{setup.options().cluster_id, setup.mode(), setup.options().replica_count,
                                        setup.options().client_count, setup.options().limits}),
      inbound_(options.limits.max_inbound_frames),
      validated_(options.limits.max_validated_messages),
      outbound_(options.limits.max_outbound_frames) {
  LOYAL_ASSERT(options.verify_threads <= kMaxVerifyThreads,
               "the command line checks --verify-threads");
  LOYAL_ASSERT(options.limits.receive_batch_frames > 0 && options.limits.work_batch > 0 &&
                   options.limits.max_catch_up_ticks > 0,
               "every batch limit is positive");
  replica_ = std::make_unique<replica::Replica>(setup.options(),
                                                setup.take_parts(outbox_, journal, std::move(restored_snapshot)));
  publish_status();
}

ReplicaProcess::~ReplicaProcess() { stop(); }

void ReplicaProcess::start() {
  LOYAL_ASSERT(!started_, "a process starts once");
  started_ = true;
  if (single_threaded()) {
    replica_thread_ = std::thread([this] { single_loop(); });
    return;
  }
  io_thread_ = std::thread([this] { io_loop(); });
  for (std::uint32_t i = 0; i < options_.verify_threads; ++i) verify_threads_.emplace_back([this] { verify_loop(); });
  replica_thread_ = std::thread([this] { replica_loop(); });
}

void ReplicaProcess::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  if (single_threaded()) {
    stopping_replica_ = true;
    transport_.wake();
    replica_thread_.join();
    journal_.sync();
    publish_status();
    return;
  }
  // The replica side first, so nothing is queued for sending after the I/O thread has gone.
  stopping_replica_ = true;
  inbound_.close();
  validated_.close();
  for (std::thread& thread : verify_threads_) thread.join();
  replica_thread_.join();
  stopping_io_ = true;
  outbound_.close();
  transport_.wake();
  io_thread_.join();
  journal_.sync();
  publish_status();
}

void ReplicaProcess::count_drop(std::string_view reason) {
  std::lock_guard lock(counters_mutex_);
  ++runtime_counters_.dropped[reason];
}

// ---- I/O thread -----------------------------------------------------------------------------

void ReplicaProcess::io_loop() {
  std::vector<OutboundFrame> sending;
  std::vector<Bytes> received;
  Clock::time_point next_counters_copy = Clock::now();
  for (;;) {
    sending.clear();
    outbound_.try_pop(sending, options_.limits.work_batch);
    for (const OutboundFrame& frame : sending) transport_.send(frame.to, frame.frame);
    if (stopping_io_) break;

    // With more to send, only collect what already arrived instead of waiting.
    const bool more_to_send = outbound_.size() > 0;
    // Back-pressure: read no more than the inbound queue has room for, and while it is full leave
    // the frames in ZeroMQ (see the header). This thread is the queue's only producer, so the
    // room can only grow until the pushes below. Once stopping, the queue is closed and what is
    // read is discarded.
    const bool stopping = stopping_replica_;
    const std::size_t room = inbound_.room();
    received.clear();
    if (room == 0 && !stopping) {
      inbound_.wait_for_room(Clock::now() + (more_to_send ? std::chrono::milliseconds(0) : kBackPressureWait));
    } else {
      transport_.receive(received, stopping ? options_.limits.receive_batch_frames
                                            : std::min(room, options_.limits.receive_batch_frames),
                         more_to_send ? std::chrono::milliseconds(0) : kIoPollTimeout);
    }
    for (Bytes& frame : received) {
      const bool queued = inbound_.try_push(frame);
      LOYAL_ASSERT(queued || stopping_replica_, "the I/O thread reads only what fits in the inbound queue");
    }

    const Clock::time_point now = Clock::now();
    const bool copy_counters = now >= next_counters_copy;
    net::TransportCounters copied;
    if (copy_counters) {
      copied = transport_.counters();
      next_counters_copy = now + kTransportCountersRefresh;
    }
    std::lock_guard lock(counters_mutex_);
    runtime_counters_.frames_received += received.size();
    if (copy_counters) transport_counters_ = std::move(copied);
  }
  net::TransportCounters final_counters = transport_.counters();
  std::lock_guard lock(counters_mutex_);
  transport_counters_ = std::move(final_counters);
}

// ---- verification pool ----------------------------------------------------------------------

void ReplicaProcess::report_if_wrong_mode(std::optional<std::string_view> drop_reason, const Bytes& frame) {
  if (drop_reason != net::drop_reason(net::DecodeError::wrong_mode)) return;
  if (std::optional<std::string> report = mode_mismatch_.first_report(frame)) spdlog::error("{}", *report);
}

void ReplicaProcess::verify_loop() {
  std::vector<Bytes> frames;
  while (!stopping_replica_) {
    frames.clear();
    if (inbound_.pop_wait(frames, options_.limits.work_batch) == 0) break;
    for (const Bytes& frame : frames) {
      // A batch of expensive frames (certificates full of signatures) must not hold up stop().
      if (stopping_replica_) return;
      replica::Inbound inbound = replica_->validate(frame);
      if (const auto* reason = std::get_if<std::string_view>(&inbound)) report_if_wrong_mode(*reason, frame);
      // Waits while the replica thread is behind (back-pressure, see the header); false once stopping.
      if (!validated_.push_wait(inbound)) return;
    }
  }
}

// ---- replica thread -------------------------------------------------------------------------

void ReplicaProcess::replica_loop() {
  std::vector<replica::Inbound> batch;
  RoundClock clock = start_clock();
  while (!stopping_replica_) {
    batch.clear();
    // Records appended after the last sync (batches proposed by it) are synced now, not after the
    // next input or tick.
    validated_.pop_until(batch, options_.limits.work_batch, replica_->sync_pending() ? Clock::now() : clock.next_tick);
    for (replica::Inbound& inbound : batch) {
      if (stopping_replica_) break;
      replica_->deliver(std::move(inbound));
    }
    finish_round(clock);
  }
}

void ReplicaProcess::single_loop() {
  std::vector<Bytes> received;
  RoundClock clock = start_clock();
  Clock::time_point next_counters_copy = Clock::now();
  while (!stopping_replica_) {
    received.clear();
    const Clock::time_point now = Clock::now();
    // Whole milliseconds (the transport's unit), rounded up so that the loop does not spin before a tick.
    const auto until_tick = std::chrono::ceil<std::chrono::milliseconds>(clock.next_tick - now);
    const std::chrono::milliseconds wait =
        replica_->sync_pending() ? std::chrono::milliseconds(0)
                                 : std::clamp(until_tick, std::chrono::milliseconds(0), kIoPollTimeout);
    transport_.receive(received, options_.limits.receive_batch_frames, wait);
    for (const Bytes& frame : received) {
      if (stopping_replica_) break;
      // On this thread the core's state may be consulted first: frames it would ignore are not verified.
      report_if_wrong_mode(replica_->on_frame(frame), frame);
    }
    {
      std::lock_guard lock(counters_mutex_);
      runtime_counters_.frames_received += received.size();
    }
    if (now >= next_counters_copy) {
      net::TransportCounters copied = transport_.counters();
      next_counters_copy = now + kTransportCountersRefresh;
      std::lock_guard lock(counters_mutex_);
      transport_counters_ = std::move(copied);
    }
    finish_round(clock);
  }
  net::TransportCounters final_counters = transport_.counters();
  std::lock_guard lock(counters_mutex_);
  transport_counters_ = std::move(final_counters);
}

ReplicaProcess::RoundClock ReplicaProcess::start_clock() const {
  const Clock::time_point now = Clock::now();
  return RoundClock{.next_tick = now + tick_,
                    .last_status = now,
                    .next_status = now + options_.status_interval,
                    .executed_at_last_status = replica_->counters().requests_executed};
}

void ReplicaProcess::finish_round(RoundClock& clock) {
  Clock::time_point now = Clock::now();
  if (now >= clock.next_tick) {
    const auto due = static_cast<std::uint64_t>((now - clock.next_tick) / tick_) + 1;
    const std::uint64_t run = std::min<std::uint64_t>(due, options_.limits.max_catch_up_ticks);
    for (std::uint64_t i = 0; i < run; ++i) replica_->on_tick();
    {
      std::lock_guard lock(counters_mutex_);
      runtime_counters_.ticks += run;
      runtime_counters_.ticks_skipped += due - run;
    }
    clock.next_tick += tick_ * static_cast<std::int64_t>(due);
  }
  // Group commit: one journal sync for everything this round persisted, before what waits for it
  // leaves.
  replica_->sync_journal();
  outbox_.flush();
  publish_status();

  if (options_.status_interval.count() > 0 && now >= clock.next_status) {
    const std::uint64_t executed = replica_->counters().requests_executed;
    // Over the time that really passed: after a stall it is longer than the interval.
    const double seconds = std::chrono::duration<double>(now - clock.last_status).count();
    spdlog::info("{}", status_line(static_cast<double>(executed - clock.executed_at_last_status) / seconds));
    clock.executed_at_last_status = executed;
    clock.last_status = now;
    clock.next_status += options_.status_interval;
    if (clock.next_status < now) clock.next_status = now + options_.status_interval;
  }
}

void ReplicaProcess::publish_status() {
  ProcessStatus status;
  status.protocol = replica_->status();
  status.last_executed = replica_->last_executed();
  status.requests_executed = replica_->counters().requests_executed;
  status.replica_drops = replica_->counters().dropped;
  {
    std::lock_guard lock(counters_mutex_);
    status.ticks = runtime_counters_.ticks;
    status.ticks_skipped = runtime_counters_.ticks_skipped;
    status.runtime_drops = runtime_counters_.dropped;
  }
  {
    std::lock_guard lock(status_mutex_);
    status_ = std::move(status);
  }
  status_changed_.notify_all();
}

// ---- observers ------------------------------------------------------------------------------

ProcessStatus ReplicaProcess::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

bool ReplicaProcess::wait_for(const std::function<bool(const ProcessStatus&)>& predicate,
                              std::chrono::milliseconds timeout) const {
  std::unique_lock lock(status_mutex_);
  return status_changed_.wait_for(lock, timeout, [&] { return predicate(status_); });
}

RuntimeCounters ReplicaProcess::runtime_counters() const {
  std::lock_guard lock(counters_mutex_);
  return runtime_counters_;
}

net::TransportCounters ReplicaProcess::transport_counters() const {
  std::lock_guard lock(counters_mutex_);
  return transport_counters_;
}

std::map<std::string, std::uint64_t> ReplicaProcess::drops() const {
  std::map<std::string, std::uint64_t> all;
  for (const auto& [reason, count] : status().replica_drops) all[std::string(reason)] += count;
  for (const auto& [reason, count] : transport_counters().dropped) all["transport." + std::string(reason)] += count;
  for (const auto& [reason, count] : runtime_counters().dropped) all[std::string(reason)] += count;
  return all;
}

std::string ReplicaProcess::status_line(double requests_per_second) const {
  return format_status_line(StatusLineInput{
      .self = setup_.self(),
      .mode = setup_.mode(),
      .status = status(),
      .requests_per_second = requests_per_second,
      .ticks_skipped = runtime_counters().ticks_skipped,
      .drops = drops(),
  });
}

}  // namespace loyal::runtime
