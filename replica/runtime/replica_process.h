#pragma once
// The threads of one replica process (DESIGN.md §2.3), around one replica::Replica:
//
//   transport --receive--> [I/O thread] --inbound queue--> [verification pool: Replica::validate]
//     --validated queue--> [replica thread: deliver, on_tick, Outbox] --outbound queue--> [I/O thread] --send-->
//
//  - The I/O thread is the only one that touches the Transport (net/transport.h), except wake(),
//    which the replica thread calls after queueing frames so that a receive() in progress returns
//    and the frames leave at once.
//  - The verification pool runs Replica::validate(), which is pure and thread-safe; signature
//    checks are the expensive step, so this is where extra cores help. Frames may reach the
//    replica thread in another order than they arrived (the network reorders anyway).
//  - The replica thread is the only one that calls Replica::deliver() and on_tick() and reads the
//    Replica's state. It ticks once per tick_ms of std::chrono::steady_clock; after a stall (the
//    process was stopped, the machine overloaded) it runs at most max_catch_up_ticks ticks at once
//    and skips the rest (counted), so timeouts do not all fire in one burst. Journal syncs happen
//    on this thread, inside the pipeline, through the Journal interface: a slow disk slows the
//    replica thread, never the I/O thread. (A dedicated journal thread is the next step once the
//    file journal is measured.)
//  - Every queue has a named limit (ProcessLimits). Between the I/O thread and the replica thread
//    nothing is dropped: the I/O thread takes from the transport only what the inbound queue has
//    room for, and the pool waits for room in the validated queue. What does not fit waits in
//    ZeroMQ's bounded per-peer queues, and beyond those the sender's queue drops it (counted
//    there as transport.send_queue_full), exactly as when the one-thread loop is busy. Dropping
//    here instead lost frames at random under load, among them the one NEW-VIEW between hundreds
//    of retransmitted VIEW-CHANGEs, and PBFT went from view to view without installing one
//    (issue 12). Only the outbound queue drops ("runtime.outbound_queue_full"): the replica thread
//    must never wait for the I/O thread, and a full peer queue drops in the transport anyway.
//  - Every status_interval the replica thread logs one status line (spdlog).
//  - verify_threads = 0: one thread does it all (receive, validate, deliver, tick, send), with no
//    queue and no hand-off between threads. When the replicas share the machine's cores (loyal-bench
//    local, docker-compose on one host), extra threads add context switches, not parallelism.
//
// Ownership: the ReplicaSetup, Transport and Journal must outlive the process; the process owns
// the Replica and its threads. start() once, then stop() once (or let the destructor stop), both
// from the thread that owns the process. status() and wait_for() may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/ids.h"
#include "net/transport.h"
#include "replica/environment.h"
#include "replica/replica.h"
#include "replica/runtime/bounded_queue.h"
#include "replica/runtime/mode_mismatch.h"
#include "replica/runtime/replica_setup.h"

namespace loyal::runtime {

// Queue depths are latency as much as memory: a frame waits behind everything queued before it,
// and a VIEW-CHANGE full of certificates can take milliseconds to verify, while the replica
// thread's timers keep running. With back-pressure the queues need to hold no more than one hand-off
// batch each (what waits beyond that waits in ZeroMQ), so they are kept that small.
struct ProcessLimits {
  std::size_t max_inbound_frames = 256;        // received, waiting for the verification pool
  std::size_t max_validated_messages = 256;    // verified, waiting for the replica thread
  std::size_t max_outbound_frames = 8192;      // from the replica thread, waiting for the I/O thread
  std::size_t receive_batch_frames = 256;      // taken from the transport per receive()
  std::size_t work_batch = 256;                // items a thread takes from its queue at once
  std::uint32_t max_catch_up_ticks = 50;       // ticks run back to back after a stall
};

inline constexpr std::uint32_t kMaxVerifyThreads = 64;
// How long the I/O thread waits in receive() when nothing wakes it: bounds how late it notices stop().
inline constexpr std::chrono::milliseconds kIoPollTimeout{50};
// How long the I/O thread waits for room in a full inbound queue before it looks for frames to
// send again (the replica thread wakes the transport, not this wait). Only under back-pressure.
inline constexpr std::chrono::milliseconds kBackPressureWait{1};
// How often the I/O thread copies the transport's counters for the status line.
inline constexpr std::chrono::milliseconds kTransportCountersRefresh{100};

struct ProcessOptions {
  std::uint32_t verify_threads = 1;  // 0 (one thread for everything) to kMaxVerifyThreads
  std::chrono::milliseconds status_interval{1000};  // zero: no status line
  ProcessLimits limits;
};

// Drops and totals of the process's own queues and clock, apart from the Replica's counters.
struct RuntimeCounters {
  std::uint64_t frames_received = 0;
  std::uint64_t frames_queued_to_send = 0;
  std::uint64_t ticks = 0;
  // Ticks not run because the replica thread fell more than max_catch_up_ticks behind the clock.
  std::uint64_t ticks_skipped = 0;
  std::map<std::string_view, std::uint64_t> dropped;  // "runtime.outbound_queue_full"
};

// What the replica thread last published: a consistent copy of the Replica's state.
struct ProcessStatus {
  replica::ProtocolStatus protocol;
  replica::Sequence last_executed = 0;
  std::uint64_t requests_executed = 0;
  std::map<std::string_view, std::uint64_t> replica_drops;  // the pipeline's, by reason
  std::map<std::string_view, std::uint64_t> runtime_drops;  // the process's queues
  std::uint64_t ticks = 0;
  std::uint64_t ticks_skipped = 0;
};

class ReplicaProcess {
 public:
  // `restored_snapshot`: the journal's saved snapshot when restarting (replica/replica.h).
  ReplicaProcess(ReplicaSetup& setup, net::Transport& transport, replica::Journal& journal, ProcessOptions options,
                 std::optional<replica::SavedSnapshot> restored_snapshot = std::nullopt);
  ReplicaProcess(const ReplicaProcess&) = delete;
  ReplicaProcess& operator=(const ReplicaProcess&) = delete;
  ~ReplicaProcess();

  // Starts the threads. Precondition: not started before.
  void start();
  // Stops the loops, joins every thread and syncs the journal. Idempotent.
  void stop();

  ProcessStatus status() const;
  // Waits until `predicate` holds for a published status, or `timeout` passes. Returns whether it held.
  bool wait_for(const std::function<bool(const ProcessStatus&)>& predicate, std::chrono::milliseconds timeout) const;
  RuntimeCounters runtime_counters() const;
  // The transport's counters as the I/O thread last copied them (at most kTransportCountersRefresh old).
  net::TransportCounters transport_counters() const;
  // Every drop of the process by reason: the pipeline's, "transport.<reason>" and "runtime.<reason>".
  std::map<std::string, std::uint64_t> drops() const;
  // The line the status logger prints; `requests_per_second` is the caller's measurement.
  std::string status_line(double requests_per_second) const;

 private:
  struct OutboundFrame {
    NodeId to;
    Bytes frame;
  };
  // The Replica's Outbox: queues frames for the I/O thread. Replica thread only.
  class QueueOutbox final : public replica::Outbox {
   public:
    explicit QueueOutbox(ReplicaProcess& process) : process_(process) {}
    void to_replica(ReplicaId replica, ByteView frame) override { queue(NodeId::replica(replica), frame); }
    void to_client(ClientId client, ByteView frame) override { queue(NodeId::client(client), frame); }
    // Wakes the I/O thread once for everything queued since the last flush.
    void flush();

   private:
    void queue(NodeId to, ByteView frame);
    ReplicaProcess& process_;
    bool queued_since_flush_ = false;
  };

  // When the replica thread next ticks and logs its status line.
  struct RoundClock {
    std::chrono::steady_clock::time_point next_tick;
    std::chrono::steady_clock::time_point last_status;
    std::chrono::steady_clock::time_point next_status;
    std::uint64_t executed_at_last_status = 0;
  };

  bool single_threaded() const { return options_.verify_threads == 0; }
  void io_loop();
  void verify_loop();
  void replica_loop();
  void single_loop();
  RoundClock start_clock() const;
  // After a round of inputs: due ticks, the group-commit sync, the wake of the I/O thread, status.
  void finish_round(RoundClock& clock);
  // When `frame` was dropped for coming from a replica running another protocol, logs it (once per peer).
  void report_if_wrong_mode(std::optional<std::string_view> drop_reason, const Bytes& frame);
  void publish_status();
  void count_drop(std::string_view reason);

  ReplicaSetup& setup_;
  net::Transport& transport_;
  replica::Journal& journal_;
  ProcessOptions options_;
  std::chrono::milliseconds tick_;
  QueueOutbox outbox_;
  std::unique_ptr<replica::Replica> replica_;
  ModeMismatchReporter mode_mismatch_;

  BoundedQueue<Bytes> inbound_;
  BoundedQueue<replica::Inbound> validated_;
  BoundedQueue<OutboundFrame> outbound_;

  std::atomic<bool> stopping_replica_{false};
  std::atomic<bool> stopping_io_{false};
  bool started_ = false;
  bool stopped_ = false;
  std::thread io_thread_;
  std::vector<std::thread> verify_threads_;
  std::thread replica_thread_;

  mutable std::mutex counters_mutex_;
  RuntimeCounters runtime_counters_;
  net::TransportCounters transport_counters_;

  mutable std::mutex status_mutex_;
  mutable std::condition_variable status_changed_;
  ProcessStatus status_;
};

}  // namespace loyal::runtime
