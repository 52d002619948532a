#pragma once
// Vocabulary shared by the pipeline and every mode.

#include <cstdint>

namespace loyal::replica {

// A position in the agreed order: PBFT's sequence number, Raft's log index, Paxos's slot.
// Sequence 0 is "before everything": the first batch is agreed at 1.
using Sequence = std::uint64_t;

// Logical time. Cores and the pipeline never read a clock; the runtime (or the simulator) calls
// on_tick() once per tick, and every timeout is a number of ticks.
using Tick = std::uint64_t;

// PBFT's view, Raft's term, Paxos's ballot round: the number of the current leadership epoch.
using Epoch = std::uint64_t;

}  // namespace loyal::replica
