#include "pbft/byzantine/modes.h"

namespace loyal::pbft::byzantine {

void WrongDigestPolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  std::optional<VoteFields> fields = decode_vote_fields(message, limits_);
  if (!fields) {
    out.push_back({message});
    return;
  }
  fields->digest = wrong_digest(fields->digest);
  out.push_back({with_vote_fields(message, *fields)});
}

void WrongDigestPolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

void MutatePolicy::rewrite(const Outgoing& message, Tick, std::vector<ByzantineSend>& out) {
  const bool ordering = message.kind == net::MessageKind::pbft_pre_prepare || is_vote(message.kind);
  if (ordering && prng_.chance(per_mille_, 1000)) {
    if (std::optional<Outgoing> edited = mutated(message)) {
      out.push_back({std::move(*edited)});
      return;
    }
  }
  out.push_back({message});
}

void MutatePolicy::on_tick(Tick, std::vector<ByzantineSend>&) {}

// One of three small edits, as a confused or malicious replica might make: the view or the
// sequence number off by one, or one bit of the digest flipped.
std::optional<Outgoing> MutatePolicy::mutated(const Outgoing& message) {
  const std::uint64_t edit = prng_.below(3);
  const std::uint64_t step = prng_.chance(1, 2) ? 1 : ~std::uint64_t{0};  // +1 or -1
  const std::size_t digest_bit = prng_.below(crypto::Digest::kSize * 8);
  auto apply = [&](View& view, Sequence& sequence, crypto::Digest& digest) {
    if (edit == 0) view += step;
    if (edit == 1) sequence += step;
    if (edit == 2) digest.bytes[digest_bit / 8] ^= static_cast<std::uint8_t>(1u << (digest_bit % 8));
  };
  if (message.kind == net::MessageKind::pbft_pre_prepare) {
    auto decoded = decode_pre_prepare(message.body, limits_);
    auto* pre_prepare = std::get_if<PrePrepare>(&decoded);
    if (pre_prepare == nullptr) return std::nullopt;
    apply(pre_prepare->view, pre_prepare->sequence, pre_prepare->batch_digest);
    return Outgoing{message.to, message.kind, encode_pre_prepare(*pre_prepare), {}, message.attachment};
  }
  std::optional<VoteFields> fields = decode_vote_fields(message, limits_);
  if (!fields) return std::nullopt;
  apply(fields->view, fields->sequence, fields->digest);
  return with_vote_fields(message, *fields);
}

}  // namespace loyal::pbft::byzantine
