#include "replica/replica.h"

#include <algorithm>

#include "common/assert.h"
#include "net/authentication.h"

namespace loyal::replica {

Replica::Replica(ReplicaOptions options, ReplicaParts parts)
    : options_(options),
      parts_(std::move(parts)),
      protocol_(parts_.protocol.get()),
      application_(parts_.application.get()),
      decode_context_{options.cluster_id, options.mode, options.replica_count, options.client_count, options.limits},
      batcher_(options.batching),
      fetcher_(options.self, options.state_transfer) {
  LOYAL_ASSERT(protocol_ != nullptr && application_ != nullptr, "a replica needs a protocol and an application");
  LOYAL_ASSERT(parts_.signer != nullptr && parts_.verifier != nullptr && parts_.request_authenticator != nullptr,
               "a replica needs its crypto");
  LOYAL_ASSERT(parts_.outbox != nullptr && parts_.journal != nullptr, "a replica needs an outbox and a journal");
  LOYAL_ASSERT(parts_.reply_keys_by_client.size() == options.client_count, "one reply key per client");
  LOYAL_ASSERT(!replica_messages_use_macs(options.mode) ||
                   (parts_.send_keys_by_replica.size() == options.replica_count &&
                    parts_.receive_keys_by_replica.size() == options.replica_count),
               "raft and paxos need a MAC key pair per replica");
  LOYAL_ASSERT(protocol_->mode() == options.mode, "the protocol core must run the cluster's mode");
  LOYAL_ASSERT(options.checkpoint_interval > 0, "checkpoint interval must be positive");
  last_leader_ = protocol_->status().leader;
  if (parts_.restored_snapshot) {
    SavedSnapshot saved = std::move(*parts_.restored_snapshot);
    parts_.restored_snapshot.reset();
    restore_saved_snapshot(std::move(saved));
  }
}

// ---- validation: pure, thread-safe --------------------------------------------------------

Inbound Replica::validate(ByteView frame) const {
  auto decoded = net::decode_envelope(frame, decode_context_);
  if (const auto* error = std::get_if<net::DecodeError>(&decoded)) return net::drop_reason(*error);
  return validate_envelope(std::get<net::Envelope>(decoded), frame);
}

std::optional<std::string_view> Replica::on_frame(ByteView frame) {
  auto decoded = net::decode_envelope(frame, decode_context_);
  if (const auto* error = std::get_if<net::DecodeError>(&decoded)) {
    const std::string_view reason = net::drop_reason(*error);
    drop(reason);
    return reason;
  }
  const net::Envelope& envelope = std::get<net::Envelope>(decoded);
  if (envelope.header.sender.role == NodeRole::replica && envelope.header.sender.index != options_.self &&
      protocol_->redundant(envelope)) {
    ++counters_.redundant_frames_skipped;
    return std::nullopt;
  }
  Inbound inbound = validate_envelope(envelope, frame);
  std::optional<std::string_view> refused;
  if (const auto* reason = std::get_if<std::string_view>(&inbound)) refused = *reason;
  deliver(std::move(inbound));
  return refused;
}

Inbound Replica::validate_envelope(const net::Envelope& envelope, ByteView frame) const {
  if (envelope.header.sender.role == NodeRole::client) {
    if (envelope.header.kind != net::MessageKind::client_request) return std::string_view("client_sent_non_request");
    return validate_client_request(envelope, frame);
  }
  if (envelope.header.sender.index == options_.self) return std::string_view("from_self");
  if (replica_messages_use_macs(options_.mode)) {
    if (!net::verify_envelope_mac_vector_entry(envelope, options_.self,
                                               parts_.receive_keys_by_replica[envelope.header.sender.index])) {
      return std::string_view("bad_replica_mac");
    }
  } else if (!net::verify_envelope_signature(envelope, *parts_.verifier)) {
    return std::string_view("bad_replica_signature");
  }
  if (envelope.header.kind == net::MessageKind::forwarded_request) return validate_forwarded(envelope);
  if (envelope.header.kind == net::MessageKind::state_request) return validate_state_request(envelope);
  if (envelope.header.kind == net::MessageKind::state_chunk) return validate_state_chunk(envelope);
  if (envelope.header.kind == net::MessageKind::client_request || envelope.header.kind == net::MessageKind::client_reply) {
    return std::string_view("replica_sent_client_message");
  }
  Validation validation = protocol_->validate(envelope, frame);
  if (auto* reason = std::get_if<std::string_view>(&validation)) return *reason;
  return std::move(std::get<std::unique_ptr<const ValidatedMessage>>(validation));
}

Inbound Replica::validate_client_request(const net::Envelope& envelope, ByteView frame) const {
  if (envelope.body.size() > options_.max_request_bytes) return std::string_view("request_too_large");
  auto body = decode_client_request_body(envelope.body, options_.limits);
  if (std::holds_alternative<net::DecodeError>(body)) return std::string_view("malformed_request_body");
  auto& fields = std::get<ClientRequestBody>(body);
  ClientRequest request{envelope.header.sender.index, fields.request_number, std::move(fields.operation),
                        envelope.body, envelope.authenticator};
  if (!parts_.request_authenticator->authentic(request)) return std::string_view("unauthentic_request");
  return AdmittedRequest{std::move(request), Bytes(frame.begin(), frame.end())};
}

Inbound Replica::validate_forwarded(const net::Envelope& envelope) const {
  auto inner = decode_forwarded_request(envelope.body, options_.limits);
  if (std::holds_alternative<net::DecodeError>(inner)) return std::string_view("malformed_forwarded_request");
  const Bytes& client_frame = std::get<Bytes>(inner);
  auto decoded = net::decode_envelope(client_frame, decode_context_);
  if (std::holds_alternative<net::DecodeError>(decoded)) return std::string_view("forwarded_request_undecodable");
  const net::Envelope& client_envelope = std::get<net::Envelope>(decoded);
  if (client_envelope.header.sender.role != NodeRole::client ||
      client_envelope.header.kind != net::MessageKind::client_request) {
    return std::string_view("forwarded_non_request");
  }
  return validate_client_request(client_envelope, client_frame);
}

Inbound Replica::validate_state_request(const net::Envelope& envelope) const {
  auto request = decode_state_request(envelope.body, options_.limits);
  if (std::holds_alternative<net::DecodeError>(request)) return std::string_view("malformed_state_request");
  return ValidatedStateRequest{envelope.header.sender.index, std::get<StateRequest>(request)};
}

Inbound Replica::validate_state_chunk(const net::Envelope& envelope) const {
  auto chunk = decode_state_chunk(envelope.body, options_.limits);
  if (std::holds_alternative<net::DecodeError>(chunk)) return std::string_view("malformed_state_chunk");
  return ValidatedStateChunk{envelope.header.sender.index, std::move(std::get<StateChunk>(chunk))};
}

// ---- replica thread -----------------------------------------------------------------------

void Replica::deliver(Inbound inbound) {
  if (auto* reason = std::get_if<std::string_view>(&inbound)) {
    drop(*reason);
    return;
  }
  if (auto* admitted = std::get_if<AdmittedRequest>(&inbound)) {
    admit(std::move(*admitted));
  } else if (const auto* request = std::get_if<ValidatedStateRequest>(&inbound)) {
    serve_state(*request);
  } else if (const auto* chunk = std::get_if<ValidatedStateChunk>(&inbound)) {
    on_state_chunk(*chunk);
  } else {
    Actions actions;
    protocol_->on_message(*std::get<std::unique_ptr<const ValidatedMessage>>(inbound), actions);
    drain(actions);
  }
  notice_leader_change();
  propose_ready_batches();
}

void Replica::on_tick() {
  ++now_;
  Actions actions;
  {
    // Before the core's tick: a fetch the core starts now has not waited a tick yet.
    std::vector<Outgoing> requests;
    if (fetcher_.on_tick(requests)) ++counters_.state_transfer_timeouts;
    send_all(requests);
  }
  protocol_->on_tick(actions);
  drain(actions);
  notice_leader_change();
  if (parts_.byzantine) {
    std::vector<ByzantineSend> released;
    parts_.byzantine->on_tick(now_, released);
    for (const ByzantineSend& actual : released) transmit(actual.message, actual.corrupt_signature);
  }
  propose_ready_batches();
}

bool Replica::leads() const { return protocol_->status().leader == options_.self; }

void Replica::admit(AdmittedRequest admitted) {
  const ClientRequest& request = admitted.request;
  if (const ClientTable::Entry* entry = client_table_.find(request.client)) {
    if (request.request_number == entry->last_request_number &&
        crypto::sha256(request.operation) != entry->last_operation_digest) {
      // Only a faulty client reuses a number for another operation; the cached result answers
      // the operation that executed, not this one.
      drop("request_number_reused");
      return;
    }
    if (request.request_number == entry->last_request_number) {
      // The client did not get (enough) replies: answer again from the reply cache.
      ++counters_.duplicate_requests;
      reply(request.client, request.request_number, entry->last_result);
      return;
    }
    if (request.request_number < entry->last_request_number) {
      drop("stale_request");
      return;
    }
  }
  {
    Actions actions;
    protocol_->on_request_pending(request.client, request.request_number, actions);
    drain(actions);
  }
  remember_unexecuted(admitted);
  if (!leads()) {
    const std::optional<ReplicaId> leader = protocol_->status().leader;
    // Without a leader (a view change or an election under way) the request waits in
    // unexecuted_ for the next one.
    if (leader) {
      send(Outgoing{*leader, net::MessageKind::forwarded_request, encode_forwarded_request(admitted.client_frame)});
    }
    return;
  }
  queue_for_proposal(std::move(admitted.request));
}

void Replica::queue_for_proposal(ClientRequest request) {
  if (!client_table_.is_new(request.client, request.request_number)) return;
  if (in_flight_.contains({request.client, request.request_number})) {
    ++counters_.duplicate_requests;
    return;
  }
  switch (batcher_.add(std::move(request), now_)) {
    case Batcher::Admission::queued: break;
    case Batcher::Admission::already_queued: ++counters_.duplicate_requests; break;
    case Batcher::Admission::queue_full: drop("batch_queue_full"); break;
  }
}

void Replica::remember_unexecuted(const AdmittedRequest& admitted) {
  const ClientRequest& request = admitted.request;
  const auto it = unexecuted_.find(request.client);
  if (it != unexecuted_.end()) {
    if (it->second.request.request_number >= request.request_number) return;
    it->second = admitted;
    return;
  }
  if (unexecuted_.size() >= kMaxUnexecutedRequests) return drop("unexecuted_requests_full");
  unexecuted_.emplace(request.client, admitted);
}

// A new leader may never have seen the requests this replica forwarded to the old one (or held
// while there was none): without them it has nothing to propose, and the backups' request timers
// would start the next view change before the clients' retransmissions arrive.
void Replica::notice_leader_change() {
  const std::optional<ReplicaId> leader = protocol_->status().leader;
  if (leader == last_leader_) return;
  last_leader_ = leader;
  // Batches proposed under the previous leadership may never execute; the requests in them come
  // back through unexecuted_ below, so the count of slots must not wait for them.
  own_batches_in_flight_.clear();
  if (!leader) return;
  for (const auto& [client, admitted] : unexecuted_) {
    if (*leader == options_.self) {
      queue_for_proposal(admitted.request);
    } else {
      send(Outgoing{*leader, net::MessageKind::forwarded_request, encode_forwarded_request(admitted.client_frame)});
    }
  }
}

void Replica::propose_ready_batches() {
  const auto due = [this] {
    if (batcher_.full()) return true;
    if (own_batches_in_flight_.size() >= options_.batching.max_in_flight_batches) return false;
    return batcher_.ready(now_) || (options_.batching.cut_when_idle && in_flight_.empty() && !batcher_.empty());
  };
  while (protocol_->can_propose() && due()) {
    Batch batch = batcher_.take();
    for (const ClientRequest& request : batch.requests) in_flight_.insert({request.client, request.request_number});
    Bytes bytes = encode_batch(batch);
    const crypto::Digest digest = crypto::sha256(bytes);
    own_batches_in_flight_.insert(digest);
    Actions actions;
    protocol_->propose(std::move(bytes), digest, actions);
    drain(actions);
  }
}

void Replica::drain(Actions& actions) {
  // Follows the ordering contract in replica/protocol.h, and holds more than it asks: while any
  // appended record is not durable, transmit() holds every message to a peer, whichever call made
  // it. A message can depend on a record an earlier call appended (a retransmitted vote, a
  // VIEW-CHANGE re-sent in the round that wrote its view), so "only what this call persisted"
  // would not be enough.
  for (const PersistRecord& record : actions.persist) parts_.journal->append(record);
  std::optional<std::uint64_t> durable;
  if (!actions.persist.empty()) {
    if (options_.defer_journal_sync) {
      sync_pending_ = true;
    } else {
      durable = parts_.journal->sync();
    }
  }
  for (const Outgoing& message : actions.send) send(message);
  for (const Outgoing& message : actions.send_after_persist) send(message);
  // What the core answers to persistence, executions and checkpoints is drained only after the
  // whole committed list: draining it in between could hand out (and execute) later batches
  // before earlier ones.
  Actions follow_up;
  if (durable) protocol_->on_persisted(*durable, follow_up);
  for (const CommittedBatch& committed : actions.committed) {
    execute(committed, follow_up);
    if (committed.sequence % options_.checkpoint_interval == 0) take_checkpoint(follow_up);
  }
  if (actions.stable_checkpoint) {
    LOYAL_ASSERT(actions.stable_checkpoint->sequence <= last_executed_,
                 "a stable checkpoint cannot be ahead of execution");
    save_snapshot(actions.stable_checkpoint->sequence);
    snapshots_.discard_below(actions.stable_checkpoint->sequence);
    if (fetcher_.active() && fetcher_.target().sequence <= actions.stable_checkpoint->sequence) {
      fetcher_.cancel();
      drop("state_fetch_overtaken_by_stable_checkpoint");
    }
  }
  // Only now: the records the core restated are durable (synced above) and the snapshot that
  // replaces the older ones is saved.
  if (actions.discard_records_before) parts_.journal->discard_before(*actions.discard_records_before);
  if (actions.fetch_state) start_state_fetch(std::move(*actions.fetch_state));
  if (!follow_up.empty()) drain(follow_up);
}

void Replica::sync_journal() {
  LOYAL_ASSERT(options_.defer_journal_sync, "sync_journal() is for group commit");
  if (!sync_pending_) return;
  const std::uint64_t durable = parts_.journal->sync();
  sync_pending_ = false;
  std::vector<HeldFrame> released;
  released.swap(held_until_synced_);
  for (const HeldFrame& held : released) hand_to_outbox(held.to, held.frame);
  Actions after;
  protocol_->on_persisted(durable, after);
  drain(after);
  notice_leader_change();
  propose_ready_batches();
}

void Replica::save_snapshot(Sequence sequence) {
  if (sequence <= saved_snapshot_) return;
  const SnapshotStore::Entry* entry = snapshots_.find(sequence);
  if (entry == nullptr) return;
  parts_.journal->save_snapshot(SavedSnapshot{sequence, entry->digest, entry->bytes});
  saved_snapshot_ = sequence;
}

void Replica::send(const Outgoing& message) {
  if (!parts_.byzantine) return transmit(message, false);
  std::vector<ByzantineSend> rewritten;
  parts_.byzantine->rewrite(message, now_, rewritten);
  for (const ByzantineSend& actual : rewritten) transmit(actual.message, actual.corrupt_signature);
}

void Replica::transmit(const Outgoing& message, bool corrupt_signature) {
  // The core's own signed frame goes out as it is; a Byzantine policy may have altered the message
  // the core signed, so a faulty replica signs what it actually sends.
  Bytes signed_here;
  const Bytes* frame = &message.frame;
  if (message.frame.empty() || parts_.byzantine) {
    net::Envelope envelope{{options_.cluster_id, options_.mode, NodeId::replica(options_.self), message.kind},
                           message.body,
                           net::NoAuthenticator{},
                           message.attachment};
    if (replica_messages_use_macs(options_.mode)) {
      LOYAL_ASSERT(!corrupt_signature, "Byzantine policies are for pbft only");
      net::attach_mac_vector(envelope, parts_.send_keys_by_replica);
    } else {
      net::sign_envelope(envelope, *parts_.signer);
      if (corrupt_signature) std::get<crypto::Signature>(envelope.authenticator).bytes[0] ^= 0x01;
    }
    signed_here = net::encode_envelope(envelope);
    frame = &signed_here;
  } else if (!message.attachment.empty()) {
    signed_here = net::with_attachment(message.frame, message.attachment);
    frame = &signed_here;
  }
  LOYAL_ASSERT(message.to == Outgoing::kAllReplicas || (message.to < options_.replica_count && message.to != options_.self),
               "bad destination");
  if (sync_pending_) {
    held_until_synced_.push_back(HeldFrame{message.to, frame == &signed_here ? std::move(signed_here) : *frame});
    return;
  }
  hand_to_outbox(message.to, *frame);
}

void Replica::hand_to_outbox(ReplicaId to, const Bytes& frame) {
  auto send_one = [&](ReplicaId replica) {
    parts_.outbox->to_replica(replica, frame);
    ++counters_.messages_sent;
    counters_.bytes_sent += frame.size();
  };
  if (to != Outgoing::kAllReplicas) return send_one(to);
  for (ReplicaId r = 0; r < options_.replica_count; ++r) {
    if (r != options_.self) send_one(r);
  }
}

void Replica::execute(const CommittedBatch& committed, Actions& follow_up) {
  LOYAL_ASSERT(committed.sequence == last_executed_ + 1, "batches execute in sequence order without gaps");
  last_executed_ = committed.sequence;
  ++counters_.batches_executed;
  own_batches_in_flight_.erase(committed.digest);
  if (parts_.observer) parts_.observer->on_batch_executed(options_.self, committed.sequence, committed.digest);
  if (committed.batch.empty()) return;  // a no-op

  // The batch was validated when it was proposed (its requests authenticated); decoding again
  // cannot fail for bytes that passed validation.
  auto decoded = decode_batch(committed.batch, options_.replica_count, options_.limits);
  LOYAL_ASSERT(std::holds_alternative<Batch>(decoded), "a committed batch must decode");
  const bool replies = options_.mode == ProtocolMode::pbft || leads();
  for (const ClientRequest& request : std::get<Batch>(decoded).requests) {
    in_flight_.erase({request.client, request.request_number});
    if (const auto it = unexecuted_.find(request.client);
        it != unexecuted_.end() && it->second.request.request_number <= request.request_number) {
      unexecuted_.erase(it);
    }
    if (request.client >= options_.client_count || !client_table_.is_new(request.client, request.request_number)) {
      ++counters_.duplicate_requests;
      continue;
    }
    Bytes result = application_->execute(request.operation);
    ++counters_.requests_executed;
    if (parts_.observer) {
      parts_.observer->on_request_executed(options_.self, committed.sequence, request.client, request.request_number,
                                           request.operation, result);
    }
    if (replies) reply(request.client, request.request_number, result);
    client_table_.record(request.client, request.request_number, crypto::sha256(request.operation), std::move(result));
    protocol_->on_request_executed(request.client, request.request_number, follow_up);
  }
}

void Replica::reply(ClientId client, std::uint64_t request_number, const Bytes& result) {
  const ProtocolStatus status = protocol_->status();
  const ClientReply body{request_number, status.epoch, status.leader.value_or(options_.self), result};
  net::Envelope envelope{{options_.cluster_id, options_.mode, NodeId::replica(options_.self), net::MessageKind::client_reply},
                         encode_client_reply(body),
                         net::NoAuthenticator{}};
  net::attach_mac(envelope, parts_.reply_keys_by_client[client]);
  const Bytes frame = net::encode_envelope(envelope);
  parts_.outbox->to_client(client, frame);
  ++counters_.messages_sent;
  counters_.bytes_sent += frame.size();
}

void Replica::take_checkpoint(Actions& out) {
  Bytes snapshot = encode_snapshot(last_executed_, application_->snapshot(), client_table_);
  StateDigest state = digest_state(snapshot);
  const crypto::Digest digest = state.digest;
  snapshots_.add(last_executed_, std::move(snapshot), std::move(state));
  ++counters_.checkpoints_taken;
  if (parts_.observer) parts_.observer->on_checkpoint(options_.self, last_executed_, digest);
  if (fetcher_.active() && fetcher_.target().sequence == last_executed_ && fetcher_.target().state_digest == digest) {
    fetcher_.cancel();
    drop("state_fetch_reached_by_execution");
  }
  protocol_->on_checkpoint_taken(last_executed_, digest, out);
}

// ---- state transfer -----------------------------------------------------------------------

void Replica::serve_state(const ValidatedStateRequest& validated) {
  const StateRequest& request = validated.request;
  const auto reading = state_readings_.find(validated.sender);
  const bool continues = reading != state_readings_.end() && reading->second.sequence == request.sequence &&
                         reading->second.next_offset == request.offset;
  // A newer snapshot is a new fetch, which a lagging replica needs at once (it chases checkpoints
  // that become stable every K batches); starting over on the same one waits for a timeout.
  const bool newer = reading == state_readings_.end() || request.sequence > reading->second.sequence;
  if (!continues && !newer && now_ < reading->second.started_at + options_.state_transfer.timeout_ticks) {
    return drop("state_request_too_soon");
  }
  const SnapshotStore::Entry* entry = snapshots_.find(request.sequence);
  if (entry == nullptr || entry->digest != request.state_digest) return drop("state_request_unknown_snapshot");
  std::optional<StateChunk> chunk =
      serve_state_chunk(request, entry->bytes, entry->pieces, options_.state_transfer.chunk_bytes);
  if (!chunk) return drop("state_request_offset_out_of_range");
  StateReading& state = state_readings_[validated.sender];
  if (!continues) state = StateReading{request.sequence, request.offset, now_};
  state.next_offset = request.offset + chunk->data.size();
  ++counters_.state_chunks_served;
  send(Outgoing{validated.sender, net::MessageKind::state_chunk, encode_state_chunk(*chunk)});
}

void Replica::on_state_chunk(const ValidatedStateChunk& validated) {
  std::vector<Outgoing> requests;
  const StateFetcher::Outcome outcome = fetcher_.on_chunk(validated, requests);
  switch (outcome.progress) {
    case StateFetcher::Progress::ignored:
    case StateFetcher::Progress::source_failed: drop(outcome.reason); break;
    case StateFetcher::Progress::bad_snapshot:
      ++counters_.bad_snapshots;
      drop(outcome.reason);
      break;
    case StateFetcher::Progress::requested_more:
    case StateFetcher::Progress::complete: break;
  }
  send_all(requests);
  if (outcome.progress == StateFetcher::Progress::complete) install_state();
}

void Replica::start_state_fetch(StateFetch fetch) {
  if (fetcher_.active() && fetch.sequence <= fetcher_.target().sequence) return drop("state_fetch_not_newer");
  std::vector<Outgoing> requests;
  if (const auto refused = fetcher_.start(std::move(fetch), requests)) return drop(*refused);
  ++counters_.state_transfers_started;
  send_all(requests);
}

std::string_view Replica::restore_application(ByteView snapshot, Sequence sequence) {
  // The snapshot matches a digest the protocol vouches for (or this replica's own journal), but is
  // still decoded as untrusted bytes (a quorum could vouch for bytes this build cannot read), and
  // larger than a frame.
  net::DecodeLimits limits = options_.limits;
  limits.max_frame_bytes = options_.state_transfer.max_snapshot_bytes;
  limits.max_body_bytes = options_.state_transfer.max_snapshot_bytes;
  limits.traversal_limit_words = options_.state_transfer.max_snapshot_bytes / 8;
  auto decoded = decode_snapshot(snapshot, limits);
  if (std::holds_alternative<net::DecodeError>(decoded)) return "state_snapshot_malformed";
  SnapshotContents& contents = std::get<SnapshotContents>(decoded);
  if (contents.sequence != sequence) return "state_snapshot_wrong_sequence";
  if (!contents.clients.empty() && contents.clients.rbegin()->first >= options_.client_count) {
    return "state_snapshot_unknown_client";
  }
  if (!application_->restore(contents.application).ok()) return "state_snapshot_not_restorable";
  client_table_.replace(std::move(contents.clients));
  last_executed_ = sequence;
  // Requests the snapshot executed will never execute here: they are no longer in flight.
  std::erase_if(in_flight_, [&](const auto& request) { return !client_table_.is_new(request.first, request.second); });
  own_batches_in_flight_.clear();  // executed inside the snapshot, or never: either way not waited for
  return {};
}

void Replica::restore_saved_snapshot(SavedSnapshot saved) {
  const std::string_view refused = restore_application(saved.bytes, saved.sequence);
  // The journal checked the bytes it saved; a snapshot it cannot restore means a bug or a disk
  // that lies, and going on without it would leave the core's records without their base.
  LOYAL_ASSERT(refused.empty(), "the saved snapshot cannot be restored: wipe the data directory to rejoin by state transfer");
  StateDigest state = digest_state(saved.bytes);
  LOYAL_ASSERT(state.digest == saved.state_digest,
               "the saved snapshot does not match the digest its journal kept (a data directory from an older loyal, "
               "or a disk that lies): wipe the data directory to rejoin by state transfer");
  snapshots_.add(saved.sequence, std::move(saved.bytes), std::move(state));
  saved_snapshot_ = saved.sequence;
  if (parts_.observer) parts_.observer->on_state_installed(options_.self, saved.sequence, saved.state_digest);
  Actions actions;
  protocol_->on_state_installed(saved.sequence, saved.state_digest, actions);
  drain(actions);
}

void Replica::install_state() {
  const StateFetch target = fetcher_.target();
  StateDigest state = fetcher_.state_digest();
  Bytes snapshot = fetcher_.take_snapshot();
  const std::string_view refused = restore_application(snapshot, target.sequence);
  if (!refused.empty()) {
    ++counters_.bad_snapshots;
    drop(refused);
    std::vector<Outgoing> requests;
    fetcher_.reject_source(requests);
    send_all(requests);
    return;
  }
  fetcher_.finish();
  // The installed snapshot is the new stable checkpoint: older ones will never be asked for.
  snapshots_.discard_below(target.sequence);
  snapshots_.add(target.sequence, std::move(snapshot), std::move(state));
  save_snapshot(target.sequence);
  ++counters_.state_transfers_completed;
  if (parts_.observer) parts_.observer->on_state_installed(options_.self, target.sequence, target.state_digest);
  Actions actions;
  protocol_->on_state_installed(target.sequence, target.state_digest, actions);
  drain(actions);
}

void Replica::send_all(const std::vector<Outgoing>& messages) {
  for (const Outgoing& message : messages) send(message);
}

}  // namespace loyal::replica
