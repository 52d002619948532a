#pragma once
// Byzantine replicas in the simulator (`--byzantine`): which replicas are faulty and in which mode
// (pbft/byzantine/byzantine_policy.h), parsed from the command line or drawn from a seed, and the
// policy each one runs.
//
// The fault model: at most f replicas are faulty in all, Byzantine ones included: the victims of
// network and crash faults are drawn only from what is left of f (fault_plan.h). The checkers
// judge correct replicas only (checkers.h).
//
// `random` draws, per seed, one to f Byzantine replicas and a mode for each, among all replicas,
// the primary of view 0 included: a primary that is silent, equivocates or signs badly must be
// replaced by a view change. (The victims of network and crash faults are still never the
// primary, see fault_plan.h.) An explicit list (`--byzantine 3=replay,0=silent`) names them.
//
// TEST ONLY, beyond the fault model: colluding equivocators (TestHooks::colluding_equivocators),
// see colluding_equivocation.h. They have no flag and no production mode name.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ids.h"
#include "common/prng.h"
#include "replica/byzantine.h"

namespace loyal::sim {

struct ByzantineReplica {
  ReplicaId replica = 0;
  std::string mode;
  friend bool operator==(const ByzantineReplica&, const ByzantineReplica&) = default;
};

// What --byzantine asked for: nothing, `random`, or an explicit list.
struct ByzantineSpec {
  bool random = false;
  std::vector<ByzantineReplica> replicas;  // explicit list; empty with `random`
  bool empty() const { return !random && replicas.empty(); }
  friend bool operator==(const ByzantineSpec&, const ByzantineSpec&) = default;
};

// "random" or "R=MODE[,R=MODE...]"; the reason in plain words when it does not parse. Replica ids
// against n and the limit of f are checked by check_byzantine().
std::variant<ByzantineSpec, std::string> parse_byzantine_spec(std::string_view text);
// The option's value that gives `spec` back: "random", "3=replay,2=silent", or "" for none.
std::string to_string(const ByzantineSpec& spec);
// "3=replay,2=silent"
std::string to_string(const std::vector<ByzantineReplica>& replicas);

// What is wrong with `spec` for a cluster of `replica_count` tolerating `max_faulty`, or nothing:
// unknown mode names, ids out of range or repeated, more than f faulty.
std::optional<std::string> check_byzantine(const ByzantineSpec& spec, std::uint32_t replica_count,
                                           std::uint32_t max_faulty);

// The faulty replicas of one run, in id order: the explicit list, or for `random` one to f
// replicas with modes drawn from `prng`.
std::vector<ByzantineReplica> choose_byzantine(const ByzantineSpec& spec, std::uint32_t replica_count,
                                               std::uint32_t max_faulty, Prng& prng);

// The policy of one faulty replica, with its own Prng seeded from the run's seed and its id (the
// same for `random` and for the explicit list it drew, so both replay the same run).
std::unique_ptr<replica::ByzantinePolicy> make_sim_policy(const ByzantineReplica& faulty, std::uint32_t replica_count,
                                                          std::uint64_t run_seed);

}  // namespace loyal::sim
