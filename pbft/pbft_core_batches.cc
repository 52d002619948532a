// Batches apart from their PRE-PREPAREs (pbft/pbft_core.h, "Batches"). Certificates, VIEW-CHANGEs and
// NEW-VIEWs name batches by digest only, which keeps them small whatever the batch size. So a slot
// can know its digest before it holds the batch: a new primary re-issuing a batch that prepared at
// other replicas, or a replica whose slot committed on others' votes before the new primary's
// PRE-PREPARE reached it. Such a replica asks every replica for the batch; any reply whose SHA-256
// is the digest will do, since the digest is what the certificate or the quorum fixed. A correct
// replica prepares only with the batch in hand and keeps it in its journal, so once a batch has
// prepared anywhere, f+1 correct replicas hold it until a stable checkpoint covers its slot (and
// past that point, the asker gets the checkpoint's proof and fetches the state instead).

#include "common/assert.h"
#include "pbft/drop_reasons.h"
#include "pbft/pbft_core.h"

namespace loyal::pbft {

std::optional<Bytes> PbftCore::held_batch(const Slot& slot, const crypto::Digest& digest) {
  if (slot.pre_prepare && slot.pre_prepare->digest == digest && slot.pre_prepare->batch) return slot.pre_prepare->batch;
  if (slot.last_prepared && slot.last_prepared->digest == digest) return slot.last_prepared->batch;
  // Everybody holds the null request.
  if (digest == null_batch_digest()) return Bytes{};
  return std::nullopt;
}

void PbftCore::request_batch(Sequence sequence, Slot& slot, replica::Actions& out) {
  if (slot.batch_requested_at && now_ < *slot.batch_requested_at + options_.retransmit_ticks) return;
  slot.batch_requested_at = now_;
  Bytes body = encode_batch_request({sequence, slot.pre_prepare->digest});
  Bytes frame = sign(net::MessageKind::pbft_batch_request, body);
  broadcast(net::MessageKind::pbft_batch_request, std::move(body), std::move(frame), out);
}

void PbftCore::on_batch_request(const BatchRequestMessage& message, replica::Actions& out) {
  const BatchRequest& request = message.request();
  // Below h the slot is gone here; the asker is behind the stable checkpoint and needs its proof.
  if (request.sequence <= low_watermark_) return send_stable_proof(message.sender(), out);
  const auto it = log_.find(request.sequence);
  if (it == log_.end()) return ignore(reason::kBatchNotHeld);
  Slot& slot = it->second;
  std::optional<Bytes> batch = held_batch(slot, request.batch_digest);
  if (!batch) return ignore(reason::kBatchNotHeld);
  // Up to a whole batch (2 MiB) per answer: at most one per asker and slot, and
  // kBatchRepliesPerPeriod per asker in all, per retransmission period. A correct new primary
  // lacks few batches (it accepted most PRE-PREPAREs of the old view itself); a faulty asker
  // naming every slot of the window gets no more than that.
  BatchReplyBudget& budget = batch_reply_budgets_[message.sender()];
  if (now_ >= budget.period_start + options_.retransmit_ticks) budget = BatchReplyBudget{now_, 0};
  if (budget.sent >= kBatchRepliesPerPeriod || answered_within_period(slot.batch_sent_at, message.sender())) {
    return ignore(reason::kBatchRequestTooSoon);
  }
  ++budget.sent;
  slot.batch_sent_at.insert_or_assign(message.sender(), now_);
  Bytes body = encode_batch_reply({request.sequence, request.batch_digest});
  Bytes frame = sign(net::MessageKind::pbft_batch_reply, body);
  out.send.push_back(replica::Outgoing{message.sender(), net::MessageKind::pbft_batch_reply, std::move(body),
                                       std::move(frame), std::move(*batch)});
}

void PbftCore::on_batch_reply(const BatchReplyMessage& message, replica::Actions& out) {
  const BatchReply& reply = message.reply();
  const auto it = log_.find(reply.sequence);
  if (!in_window(reply.sequence) || it == log_.end() || !it->second.pre_prepare || it->second.pre_prepare->batch ||
      it->second.pre_prepare->digest != reply.batch_digest) {
    return ignore(reason::kUnwantedBatch);
  }
  Slot& slot = it->second;
  slot.pre_prepare->batch = message.batch();
  slot.batch_requested_at.reset();
  record_and_issue(reply.sequence, slot, out);
  make_progress(reply.sequence, slot, out);
  execute_in_order(out);
}

void PbftCore::complete_waiting_slots(replica::Actions& out) {
  const bool is_primary = options_.self == primary();
  for (auto& [sequence, slot] : log_) {
    if (!slot.pre_prepare || slot.pre_prepare->view != view_) continue;
    const bool must_send = is_primary && !slot.sent_pre_prepare;
    if (!must_send && !(slot.committed_local && !slot.pre_prepare->batch)) continue;
    if (!slot.pre_prepare->batch) {
      request_batch(sequence, slot, out);
      continue;
    }
    // The batch came back from the journal without a signed PRE-PREPARE: a restart in between.
    record_and_issue(sequence, slot, out);
  }
}

void PbftCore::record_and_issue(Sequence sequence, Slot& slot, replica::Actions& out) {
  const bool issue = view_active_ && slot.pre_prepare->view == view_ && options_.self == primary() &&
                     !slot.sent_pre_prepare && slot.pre_prepare->batch.has_value();
  if (issue) sign_pre_prepare(sequence, slot);
  // The record holds the batch (and, on the primary, its signed PRE-PREPARE) before that leaves.
  persist_slot(sequence, slot, out);
  if (issue) broadcast_pre_prepare(replica::Outgoing::kAllReplicas, sequence, *slot.pre_prepare, out);
}

}  // namespace loyal::pbft
