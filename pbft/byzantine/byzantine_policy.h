#pragma once
// The Byzantine fault modes of a PBFT replica (DESIGN.md §6), selected by name
// (`--byzantine MODE`). Each is a replica::ByzantinePolicy: the faulty replica runs the honest
// core and pipeline, and the policy rewrites the core's Outgoing messages before they are signed,
// so every message a faulty replica sends is one its key really signed.
//
//  - silent: sends nothing at all (as primary it proposes nothing; as backup it never votes);
//  - slow: holds every PRE-PREPARE back for `slow_delay_ticks`, then sends it; the rest goes at once;
//  - equivocate: a PRE-PREPARE becomes one per destination: the first half of the destinations get
//    the real batch, the others an empty batch with that batch's own digest (both valid);
//  - withhold: sends no PREPARE and no COMMIT (PRE-PREPAREs and CHECKPOINTs still go);
//  - bad-signature: every message goes out with a corrupted signature;
//  - wrong-digest: PREPAREs and COMMITs carry SHA-256 of the real digest instead of it;
//  - replay: sends everything, and re-sends `replays_per_tick` earlier messages per tick, drawn
//    from a ring of the last `replay_ring_capacity` it sent;
//  - corrupt-checkpoint: CHECKPOINTs carry a wrong state digest (SHA-256 of the real one);
//  - forge-view-change: VIEW-CHANGEs carry invalid prepared certificates (each real one's PREPAREs
//    replaced by copies of one, and a forged one with an unsigned PRE-PREPARE added);
//  - hide-certificates: VIEW-CHANGEs carry no prepared certificate at all (valid, but lying by
//    omission), while the replica otherwise takes part honestly;
//  - mutate: on rounds chosen by the Prng (`mutate_per_mille`), a small edit to the view, sequence
//    number or digest of an outgoing PRE-PREPARE, PREPARE or COMMIT.
// Kinds a mode does not name pass through unchanged. Every mode is deterministic: its only
// randomness is a loyal::Prng seeded from the context.
//
// Ownership: the factory returns a policy the caller owns (replica::ReplicaParts::byzantine).
// Policies keep no reference to the context.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "net/limits.h"
#include "replica/byzantine.h"
#include "replica/types.h"

namespace loyal::pbft {

inline constexpr replica::Tick kDefaultSlowDelayTicks = 50;
inline constexpr std::uint32_t kDefaultReplayRingCapacity = 256;
inline constexpr std::uint32_t kDefaultReplaysPerTick = 2;
inline constexpr std::uint32_t kDefaultMutatePerMille = 200;
// Limits on the tunables, so a policy's memory and output stay bounded.
inline constexpr replica::Tick kMaxSlowDelayTicks = 100'000;
inline constexpr std::uint32_t kMaxReplayRingCapacity = 4096;
inline constexpr std::uint32_t kMaxReplaysPerTick = 64;

struct ByzantineContext {
  ReplicaId self = 0;
  std::uint32_t replica_count = 0;  // n
  std::uint64_t seed = 0;           // of the policy's own Prng
  replica::Tick slow_delay_ticks = kDefaultSlowDelayTicks;
  std::uint32_t replay_ring_capacity = kDefaultReplayRingCapacity;
  std::uint32_t replays_per_tick = kDefaultReplaysPerTick;
  std::uint32_t mutate_per_mille = kDefaultMutatePerMille;  // chance that one message is edited
  net::DecodeLimits limits;  // for decoding the core's own bodies before editing them
};

// The policy named `mode`, or nullptr when no mode has that name. Stops the process when the
// context is inconsistent (self not below replica_count, a tunable above its limit): that is a
// configuration bug of the caller.
std::unique_ptr<replica::ByzantinePolicy> make_byzantine_policy(std::string_view mode,
                                                                const ByzantineContext& context);

// Every name make_byzantine_policy() accepts, in the order listed above.
std::vector<std::string_view> byzantine_mode_names();

}  // namespace loyal::pbft
