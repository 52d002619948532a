#include "common/assert.h"
#include "pbft/byzantine/byzantine_policy.h"
#include "pbft/byzantine/modes.h"

namespace loyal::pbft {

namespace {

constexpr std::string_view kModeNames[] = {"silent",        "slow",         "equivocate",
                                           "withhold",      "bad-signature", "wrong-digest",
                                           "replay",        "corrupt-checkpoint", "forge-view-change",
                                           "mutate",        "hide-certificates"};

}  // namespace

std::unique_ptr<replica::ByzantinePolicy> make_byzantine_policy(std::string_view mode,
                                                                const ByzantineContext& context) {
  LOYAL_ASSERT(context.self < context.replica_count, "a Byzantine replica is a member of its cluster");
  LOYAL_ASSERT(context.slow_delay_ticks <= kMaxSlowDelayTicks, "slow delay within its limit");
  LOYAL_ASSERT(context.replay_ring_capacity <= kMaxReplayRingCapacity, "replay ring within its limit");
  LOYAL_ASSERT(context.replays_per_tick <= kMaxReplaysPerTick, "replays per tick within their limit");
  LOYAL_ASSERT(context.mutate_per_mille <= 1000, "a chance is at most 1000 per mille");
  using namespace byzantine;
  if (mode == "silent") return std::make_unique<SilentPolicy>();
  if (mode == "slow") return std::make_unique<SlowPolicy>(context.slow_delay_ticks);
  if (mode == "equivocate") return std::make_unique<EquivocatePolicy>(context);
  if (mode == "withhold") return std::make_unique<WithholdPolicy>();
  if (mode == "bad-signature") return std::make_unique<BadSignaturePolicy>();
  if (mode == "wrong-digest") return std::make_unique<WrongDigestPolicy>(context.limits);
  if (mode == "replay") return std::make_unique<ReplayPolicy>(context);
  if (mode == "corrupt-checkpoint") return std::make_unique<CorruptCheckpointPolicy>(context.limits);
  if (mode == "forge-view-change") return std::make_unique<ForgeViewChangePolicy>(context.limits);
  if (mode == "mutate") return std::make_unique<MutatePolicy>(context);
  if (mode == "hide-certificates") return std::make_unique<HideCertificatesPolicy>(context.limits);
  return nullptr;
}

std::vector<std::string_view> byzantine_mode_names() { return {std::begin(kModeNames), std::end(kModeNames)}; }

}  // namespace loyal::pbft
