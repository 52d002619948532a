#include "tests/sim/simulation.h"

#include <algorithm>
#include <memory>

#include "common/assert.h"
#include "paxos/paxos_core.h"
#include "raft/raft_core.h"
#include "tests/sim/colluding_equivocation.h"
#include "tests/sim/paxos_checkers.h"
#include "tests/sim/protocols.h"
#include "tests/sim/raft_checkers.h"
#include "tests/sim/sim_client.h"
#include "tests/sim/sim_crypto.h"
#include "tests/sim/sim_replica.h"

namespace loyal::sim {

namespace {

class Simulation {
 public:
  Simulation(const SimOptions& options, std::ostream* trace);
  SimResult run();

 private:
  void apply(const FaultEvent& event);
  void crash(ReplicaId replica);
  // Crashes the replicas whose conditional crash (crash_in_view_change, crash_after_view_change)
  // is due, and schedules their restarts.
  void fire_conditional_crashes();
  // The live replica that leads now, if any (the highest epoch among those naming themselves).
  std::optional<ReplicaId> current_leader() const;
  void begin_liveness_phase();
  void deliver(Delivery delivery);
  // The mode's own checkers, on the live cores (raft_checkers.h, paxos_checkers.h).
  void check_cores();
  void print_summary(const SimResult& result) const;

  SimOptions options_;
  std::ostream* trace_;
  Prng seeds_;
  Prng storage_faults_;  // torn writes at crashes
  Tick now_ = 0;
  SimCrypto crypto_;
  SimNetwork network_;
  Checkers checkers_;
  RaftCheckers raft_checkers_;
  PaxosCheckers paxos_checkers_;
  std::vector<std::unique_ptr<SimReplica>> replicas_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  FaultPlan plan_;
  std::vector<ByzantineReplica> byzantine_;
  bool large_values_ = false;
  struct ConditionalCrash {
    FaultEvent event;
    replica::Epoch epoch_when_armed = 0;
    Tick deadline = 0;
  };
  std::vector<ConditionalCrash> armed_crashes_;
  std::size_t next_event_ = 0;
};

// A salt for the Prng that tears journal writes at crashes: its own stream, like the one below.
constexpr std::uint64_t kStorageFaultSalt = 0x746f'726e'7772'6974ULL;

// A salt for the Prng that draws `--byzantine random`: a stream of its own, so that runs without
// Byzantine replicas draw exactly what they drew before the option existed.
constexpr std::uint64_t kByzantineDrawSalt = 0x6279'7a61'6e74'696eULL;
// And one for drawing whether a `by_seed` run writes large values.
constexpr std::uint64_t kLargeValuesSalt = 0x6c61'7267'6576'616cULL;

bool writes_large_values(const SimOptions& options) {
  switch (options.large_values) {
    case LargeValues::never: return false;
    case LargeValues::always: return true;
    case LargeValues::by_seed: {
      Prng draw(options.seed ^ kLargeValuesSalt);
      return draw.chance(1, 10);
    }
  }
  return false;
}

Simulation::Simulation(const SimOptions& options, std::ostream* trace)
    : options_(options),
      trace_(trace),
      seeds_(options.seed),
      storage_faults_(options.seed ^ kStorageFaultSalt),
      crypto_(options.replicas, options.clients, options.seed, options.real_crypto),
      network_(seeds_.next()),
      checkers_(options.progress_bound_ticks),
      raft_checkers_(checkers_),
      paxos_checkers_(checkers_) {
  large_values_ = writes_large_values(options);
  ProtocolFactory make_protocol = protocol_factory(options, crypto_);
  if (options.test.corrupt_batch) make_protocol = with_batch_corruption(make_protocol, *options.test.corrupt_batch);

  replica::ReplicaOptions replica_options;
  replica_options.cluster_id = kSimClusterId;
  replica_options.mode = options.protocol;
  replica_options.replica_count = options.replicas;
  replica_options.client_count = options.clients;
  replica_options.checkpoint_interval = options.checkpoint_interval;
  replica_options.batching.max_requests = options.batch_max_requests;
  replica_options.batching.linger_ticks = options.batch_linger_ticks;
  if (large_values_) {
    // The largest batches the cluster file allows: every client's request at once overflows them.
    replica_options.batching.max_bytes = cluster::kMaxBatchBytes;
    replica_options.max_request_bytes = cluster::kMaxBatchBytes;  // a compare-and-swap carries two values
    static_assert(2 * KvWorkload::kValues * kLargeValueStepBytes + 4096 <= cluster::kMaxBatchBytes);
  }
  const std::uint32_t max_faulty = cluster::max_faulty(options.protocol, options.replicas);
  const std::optional<ReplicaId> primary = initial_leader(options);
  Prng byzantine_draw(options.seed ^ kByzantineDrawSalt);
  byzantine_ = choose_byzantine(options.byzantine, options.replicas, max_faulty, byzantine_draw);
  std::vector<ReplicaId> faulty;  // Byzantine or colluding: left out of the checkers and of the victims
  for (const ByzantineReplica& b : byzantine_) faulty.push_back(b.replica);
  faulty.insert(faulty.end(), options.test.colluding_equivocators.begin(), options.test.colluding_equivocators.end());
  for (ReplicaId r : faulty) checkers_.mark_byzantine(r);
  for (ReplicaId r = 0; r < options.replicas; ++r) {
    replica_options.self = r;
    std::unique_ptr<replica::ByzantinePolicy> policy;
    const auto assigned = std::find_if(byzantine_.begin(), byzantine_.end(),
                                       [r](const ByzantineReplica& b) { return b.replica == r; });
    if (assigned != byzantine_.end()) policy = make_sim_policy(*assigned, options.replicas, options.seed);
    const auto& colluders = options.test.colluding_equivocators;
    if (std::find(colluders.begin(), colluders.end(), r) != colluders.end()) {
      policy = std::make_unique<ColludingEquivocation>(r, options.replicas, colluders);
    }
    replicas_.push_back(std::make_unique<SimReplica>(replica_options, options.client_auth, crypto_, make_protocol,
                                                     network_, now_, &checkers_, std::move(policy)));
  }

  client::ClientOptions client_options;
  client_options.cluster_id = kSimClusterId;
  client_options.mode = options.protocol;
  client_options.replica_count = options.replicas;
  client_options.max_faulty = cluster::max_faulty(options.protocol, options.replicas);
  client_options.client_count = options.clients;
  client_options.client_auth = options.client_auth;
  client_options.retry_ticks = options.client_retry_ticks;
  for (ClientId c = 0; c < options.clients; ++c) {
    client_options.id = c;
    clients_.push_back(std::make_unique<SimClient>(client_options, crypto_, network_, seeds_.next(), checkers_,
                                                   large_values_ ? kLargeValueStepBytes : 0,
                                                   large_values_ ? kLargeValueThinkTicks : 0));
  }

  Prng fault_prng(seeds_.next());
  // PBFT's primary of view 0 leads from the start; Raft and Multi-Paxos have no leader until
  // their first election. The fault plan spares nobody: crashing or cutting off the leader is what
  // starts the view changes and elections whose persistence the restarts then test.
  for (const auto& replica : replicas_) {
    const std::optional<ReplicaId> leader = replica->replica().status().leader;
    LOYAL_ASSERT(primary ? leader.value_or(*primary) == *primary : !leader,
                 "the simulator and the cores agree on the first leader");
  }
  plan_ = plan_faults(FaultPlanInput{options.faults, options.replicas, client_options.max_faulty, std::nullopt,
                                     options.ticks, faulty},
                      fault_prng);
  plan_.events.insert(plan_.events.end(), options.test.scripted_faults.begin(), options.test.scripted_faults.end());
  std::stable_sort(plan_.events.begin(), plan_.events.end(),
                   [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  network_.set_conditions(plan_.safety_conditions);
  for (ReplicaId r = 0; r < options.replicas && !options.loss_on_every_link; ++r) {
    if (std::find(plan_.victims.begin(), plan_.victims.end(), r) == plan_.victims.end()) {
      network_.mark_reliable(NodeId::replica(r));
    }
  }
  for (ReplicaId r : options.test.isolate_forever) network_.isolate(NodeId::replica(r));
}

void Simulation::apply(const FaultEvent& event) {
  if (trace_) *trace_ << "  " << to_string(event) << "\n";
  switch (event.kind) {
    case FaultEvent::Kind::crash: crash(event.node.index); break;
    case FaultEvent::Kind::crash_leader:
      if (const std::optional<ReplicaId> leader = current_leader()) {
        crash(*leader);
      } else if (trace_) {
        *trace_ << "    no replica leads: nothing crashes\n";
      }
      break;
    case FaultEvent::Kind::restart:
      if (replicas_.at(event.node.index)->crashed()) replicas_[event.node.index]->restart();
      break;
    case FaultEvent::Kind::restart_wiped:
      if (replicas_.at(event.node.index)->crashed()) replicas_[event.node.index]->restart_wiped();
      break;
    case FaultEvent::Kind::crash_in_view_change:
    case FaultEvent::Kind::crash_after_view_change: {
      const SimReplica& replica = *replicas_.at(event.node.index);
      if (replica.crashed()) break;
      const Tick latest = plan_.liveness_phase_start > event.restart_delay + 1
                              ? plan_.liveness_phase_start - event.restart_delay - 1
                              : now_;
      armed_crashes_.push_back(ConditionalCrash{event, replica.replica().status().epoch, std::max(latest, now_)});
      break;
    }
    case FaultEvent::Kind::isolate: network_.isolate(event.node); break;
    case FaultEvent::Kind::reconnect: network_.reconnect(event.node); break;
    case FaultEvent::Kind::cut: network_.cut(event.node, event.to); break;
    case FaultEvent::Kind::restore: network_.restore(event.node, event.to); break;
  }
}

// The trace says what the replica was doing, so a scenario can tell that it crashed where it
// meant to (in the middle of a view change: an epoch without a leader).
void Simulation::crash(ReplicaId replica) {
  SimReplica& victim = *replicas_.at(replica);
  if (trace_ && !victim.crashed()) {
    const replica::ProtocolStatus status = victim.replica().status();
    *trace_ << "    crashing replica " << replica << " at epoch " << status.epoch << ", leader "
            << (status.leader ? std::to_string(*status.leader) : "none") << ", last committed "
            << status.last_committed << "\n";
  }
  victim.crash(storage_faults_);
}

void Simulation::fire_conditional_crashes() {
  for (auto it = armed_crashes_.begin(); it != armed_crashes_.end();) {
    const FaultEvent& event = it->event;
    SimReplica& replica = *replicas_.at(event.node.index);
    bool due = now_ >= it->deadline;
    if (!replica.crashed()) {
      const replica::ProtocolStatus status = replica.replica().status();
      due = due || (event.kind == FaultEvent::Kind::crash_in_view_change ? !status.leader
                                                                         : status.leader && status.epoch > it->epoch_when_armed);
    }
    if (!due) {
      ++it;
      continue;
    }
    if (trace_) *trace_ << "  tick " << now_ << ": " << to_string(event) << ": now\n";
    crash(event.node.index);
    const FaultEvent restart{now_ + event.restart_delay, FaultEvent::Kind::restart, event.node, {}};
    // Into the not yet applied events, in tick order.
    const auto position = std::upper_bound(plan_.events.begin() + static_cast<std::ptrdiff_t>(next_event_),
                                           plan_.events.end(), restart,
                                           [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
    plan_.events.insert(position, restart);
    it = armed_crashes_.erase(it);
  }
}

std::optional<ReplicaId> Simulation::current_leader() const {
  std::optional<ReplicaId> leader;
  replica::Epoch leader_epoch = 0;
  for (ReplicaId r = 0; r < replicas_.size(); ++r) {
    if (replicas_[r]->crashed()) continue;
    const replica::ProtocolStatus status = replicas_[r]->replica().status();
    if (status.leader == r && (!leader || status.epoch > leader_epoch)) {
      leader = r;
      leader_epoch = status.epoch;
    }
  }
  return leader;
}

void Simulation::begin_liveness_phase() {
  network_.heal();
  for (ReplicaId r : options_.test.isolate_forever) network_.isolate(NodeId::replica(r));
  network_.set_conditions(plan_.liveness_conditions);
  checkers_.begin_liveness_phase(now_);
  if (trace_) *trace_ << "  tick " << now_ << ": liveness phase, network healed\n";
}

void Simulation::deliver(Delivery delivery) {
  if (delivery.to.role == NodeRole::replica) {
    replicas_.at(delivery.to.index)->on_frame(delivery.frame);
  } else {
    clients_.at(delivery.to.index)->on_frame(delivery.frame, now_);
  }
}

void Simulation::check_cores() {
  if (options_.protocol == ProtocolMode::raft) {
    std::vector<RaftCoreView> views;
    views.reserve(replicas_.size());
    for (ReplicaId r = 0; r < replicas_.size(); ++r) {
      if (replicas_[r]->crashed()) continue;
      const auto* core = dynamic_cast<const raft::RaftCore*>(&replicas_[r]->replica().protocol());
      LOYAL_ASSERT(core != nullptr, "a raft run runs RaftCores");
      views.emplace_back(r, *core);
    }
    std::vector<const RaftReplicaView*> live;
    for (const RaftCoreView& view : views) live.push_back(&view);
    raft_checkers_.observe(live);
  } else if (options_.protocol == ProtocolMode::paxos) {
    std::vector<PaxosCoreView> views;
    views.reserve(replicas_.size());
    for (ReplicaId r = 0; r < replicas_.size(); ++r) {
      if (replicas_[r]->crashed()) continue;
      const auto* core = dynamic_cast<const paxos::PaxosCore*>(&replicas_[r]->replica().protocol());
      LOYAL_ASSERT(core != nullptr, "a paxos run runs PaxosCores");
      views.emplace_back(r, *core);
    }
    std::vector<const PaxosReplicaView*> live;
    for (const PaxosCoreView& view : views) live.push_back(&view);
    paxos_checkers_.observe(live);
  }
}

SimResult Simulation::run() {
  if (trace_) {
    *trace_ << "seed " << options_.seed << " fault plan: victims";
    for (ReplicaId r : plan_.victims) *trace_ << " " << r;
    const NetworkConditions& c = plan_.safety_conditions;
    *trace_ << (plan_.victims.empty() ? " none" : "");
    if (!byzantine_.empty()) *trace_ << "; byzantine " << to_string(byzantine_);
    for (ReplicaId r : options_.test.colluding_equivocators) *trace_ << "; colluding equivocator " << r;
    if (large_values_) *trace_ << "; large values";
    *trace_ << "; loss " << c.loss_per_mille << "/1000, duplication "
            << c.duplicate_per_mille << "/1000, latency " << c.min_latency_ticks << "-" << c.max_latency_ticks
            << " ticks, long tail " << c.long_tail_per_mille << "/1000 up to +" << c.long_tail_max_ticks << "\n";
  }
  for (now_ = 1; now_ <= options_.ticks; ++now_) {
    checkers_.set_now(now_);
    // Crashes land in the middle of the victim's round: after it handled this tick's frames and
    // before the tick that ends the round with its sync, so the round's records are lost and its
    // held messages never leave (the worst moment for durability before visibility).
    std::vector<FaultEvent> crashes;
    for (; next_event_ < plan_.events.size() && plan_.events[next_event_].at == now_; ++next_event_) {
      const FaultEvent& event = plan_.events[next_event_];
      const bool crash = event.kind == FaultEvent::Kind::crash || event.kind == FaultEvent::Kind::crash_leader;
      if (crash) {
        crashes.push_back(event);
      } else {
        apply(event);
      }
    }
    if (now_ == plan_.liveness_phase_start) begin_liveness_phase();
    while (std::optional<Delivery> delivery = network_.next_due(now_)) deliver(std::move(*delivery));
    for (const FaultEvent& event : crashes) apply(event);
    fire_conditional_crashes();
    for (auto& replica : replicas_) replica->on_tick();
    const bool submit_new = now_ + options_.test.quiet_final_ticks <= options_.ticks;
    for (auto& client : clients_) client->on_tick(now_, submit_new);
    check_cores();
    checkers_.check_progress(now_);
    if (!checkers_.violations().empty()) break;
  }

  SimResult result;
  result.seed = options_.seed;
  result.ticks_run = std::min(now_, options_.ticks);
  result.committed_requests = checkers_.committed_requests();
  result.committed_batches = checkers_.committed_batches();
  result.checkpoints = checkers_.checkpoints();
  result.liveness_phase_completions = checkers_.liveness_phase_completions();
  result.longest_liveness_wait = checkers_.longest_liveness_wait();
  result.safety_phase_completions = checkers_.completions() - result.liveness_phase_completions;
  result.network = network_.counters();
  result.byzantine = byzantine_;
  result.large_values = large_values_;
  for (ReplicaId r = 0; r < options_.replicas; ++r) {
    if (replicas_[r]->crashed()) result.crashed.push_back(r);
  }
  result.violations = checkers_.violations();
  result.completed_operations = checkers_.completed_operations();
  for (ReplicaId r = 0; r < options_.replicas; ++r) result.completed_executed.push_back(checkers_.completed_executed_by(r));
  if (trace_) print_summary(result);
  return result;
}

void Simulation::print_summary(const SimResult& result) const {
  std::ostream& out = *trace_;
  out << "  completions: " << result.safety_phase_completions << " in the safety phase, "
      << result.liveness_phase_completions << " in the liveness phase (longest wait " << result.longest_liveness_wait
      << " ticks, bound " << options_.progress_bound_ticks << "); " << result.committed_batches << " batches\n";
  const NetworkCounters& n = result.network;
  out << "  network: " << n.messages_sent << " sent, " << n.delivered << " delivered, " << n.lost << " lost, "
      << n.blocked << " blocked, " << n.duplicated << " duplicated, " << network_.in_flight() << " in flight\n";
  for (ReplicaId r = 0; r < options_.replicas; ++r) {
    const replica::Replica& replica = replicas_[r]->replica();
    const replica::ProtocolStatus status = replica.status();
    out << "  replica " << r << (replicas_[r]->crashed() ? " (crashed)" : "");
    if (replicas_[r]->restarts() > 0) out << " (restarted " << replicas_[r]->restarts() << "x)";
    if (const replica::ByzantinePolicy* policy = replicas_[r]->byzantine()) {
      out << " (byzantine " << policy->name() << ")";
    }
    out << ": executed "
        << replica.counters().requests_executed << " requests up to sequence " << replica.last_executed()
        << ", stable checkpoint " << status.stable_checkpoint << ", epoch " << status.epoch << ", leader "
        << (status.leader ? std::to_string(*status.leader) : "none") << ", sent " << replica.counters().messages_sent;
    for (const auto& [reason, count] : replica.counters().dropped) out << ", dropped " << count << " " << reason;
    for (const auto& [reason, count] : ignored_messages(replica.protocol())) {
      out << ", ignored " << count << " " << reason;
    }
    out << "\n";
  }
}

}  // namespace

std::optional<std::string> check_options(const SimOptions& options) {
  if (auto unavailable = protocol_unavailable(options)) return unavailable;
  if (options.clients < 1 || options.clients > cluster::kMaxClients) {
    return "clients must be 1 to " + std::to_string(cluster::kMaxClients);
  }
  if (options.ticks < kMinTicks) return "ticks must be at least " + std::to_string(kMinTicks);
  if (options.batch_max_requests < 1 || options.batch_max_requests > cluster::kMaxBatchRequests) {
    return "batch size must be 1 to " + std::to_string(cluster::kMaxBatchRequests);
  }
  if (options.checkpoint_interval < 1 || options.window % options.checkpoint_interval != 0 ||
      options.window < 2 * options.checkpoint_interval || options.window > cluster::kMaxWindow) {
    return "the window must be a multiple of the checkpoint interval, at least twice it, and at most " +
           std::to_string(cluster::kMaxWindow);
  }
  if (options.test.quiet_final_ticks >= options.ticks - options.ticks * kSafetyPhasePercent / 100) {
    return "the quiet final ticks must leave part of the liveness phase for new operations";
  }
  if (options.retransmit_ticks < 1 || options.client_retry_ticks < 1 || options.progress_bound_ticks < 1) {
    return "retransmission, retry and progress intervals must be positive";
  }
  for (ReplicaId r : options.test.isolate_forever) {
    if (r >= options.replicas) return "isolated replica out of range";
  }
  if (auto problem = check_byzantine(options.byzantine, options.replicas,
                                     cluster::max_faulty(options.protocol, options.replicas))) {
    return problem;
  }
  for (const FaultEvent& event : options.test.scripted_faults) {
    const auto out_of_range = [&options](NodeId node) {
      return node.role == NodeRole::replica ? node.index >= options.replicas : node.index >= options.clients;
    };
    const bool link = event.kind == FaultEvent::Kind::cut || event.kind == FaultEvent::Kind::restore;
    if (event.at < 1 || out_of_range(event.node) || (link && out_of_range(event.to))) {
      return "scripted fault out of range";
    }
    const bool process = event.kind == FaultEvent::Kind::crash || event.kind == FaultEvent::Kind::restart ||
                         event.kind == FaultEvent::Kind::restart_wiped || event.kind == FaultEvent::Kind::crash_leader;
    if (process && event.node.role != NodeRole::replica) return "only replicas crash and restart";
    const bool partition = !process;
    if (partition && event.at >= std::max<Tick>(options.ticks * kSafetyPhasePercent / 100, 1)) {
      return "scripted partitions and their ends come before the liveness phase, which heals the network";
    }
  }
  for (ReplicaId r : options.test.colluding_equivocators) {
    if (r >= options.replicas) return "colluding replica out of range";
    for (const ByzantineReplica& b : options.byzantine.replicas) {
      if (b.replica == r) return "a colluding replica cannot also have a Byzantine mode";
    }
  }
  if (!options.test.colluding_equivocators.empty() && options.byzantine.random) {
    return "colluding equivocators and --byzantine random do not mix";
  }
  if (options.test.corrupt_batch && options.test.corrupt_batch->replica >= options.replicas) {
    return "corrupted replica out of range";
  }
  return std::nullopt;
}

SimResult run_simulation(const SimOptions& options, std::ostream* trace) {
  const std::optional<std::string> problem = check_options(options);
  LOYAL_ASSERT(!problem, "run_simulation() needs valid options");
  Simulation simulation(options, trace);
  return simulation.run();
}

}  // namespace loyal::sim
