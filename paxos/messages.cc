#include "paxos/messages.h"

#include <capnp/message.h>

#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "paxos/paxos.capnp.h"

namespace loyal::paxos {

using net::as_data;
using net::read_digest;

namespace {

// Thrown out of a field reader as a value: the enclosing decode turns it into the DecodeError.
struct Malformed {};

void write_ballot(wire::Ballot::Builder out, const Ballot& ballot) {
  out.setRound(ballot.round);
  out.setProposer(ballot.proposer);
}

Ballot read_ballot(wire::Ballot::Reader in) { return Ballot{in.getRound(), in.getProposer()}; }

crypto::Digest digest_or_throw(capnp::Data::Reader data) {
  const auto digest = read_digest(data);
  if (!digest) throw Malformed{};
  return *digest;
}

void write_slot_values(capnp::List<wire::SlotValue>::Builder out, const std::vector<SlotValue>& values) {
  for (unsigned i = 0; i < values.size(); ++i) {
    out[i].setSlot(values[i].slot);
    out[i].setDigest(as_data(values[i].digest.view()));
    out[i].setValue(as_data(values[i].value));
  }
}

std::vector<SlotValue> read_slot_values(capnp::List<wire::SlotValue>::Reader in) {
  std::vector<SlotValue> values;
  for (auto entry : in) {
    values.push_back(SlotValue{entry.getSlot(), digest_or_throw(entry.getDigest()), net::to_bytes(entry.getValue())});
  }
  return values;
}

void write_accepted_values(capnp::List<wire::AcceptedValue>::Builder out, const std::vector<AcceptedValue>& values) {
  for (unsigned i = 0; i < values.size(); ++i) {
    out[i].setSlot(values[i].slot);
    write_ballot(out[i].initBallot(), values[i].ballot);
    out[i].setDigest(as_data(values[i].digest.view()));
    out[i].setValue(as_data(values[i].value));
  }
}

std::vector<AcceptedValue> read_accepted_values(capnp::List<wire::AcceptedValue>::Reader in) {
  std::vector<AcceptedValue> values;
  for (auto entry : in) {
    values.push_back(AcceptedValue{entry.getSlot(), read_ballot(entry.getBallot()),
                                   digest_or_throw(entry.getDigest()), net::to_bytes(entry.getValue())});
  }
  return values;
}

// Runs a field reader that may throw Malformed (as well as Cap'n Proto's exceptions).
template <typename Schema, typename T, typename Read>
std::variant<T, net::DecodeError> decode(ByteView bytes, const net::DecodeLimits& limits, Read read) {
  return net::decode_message<Schema, T>(bytes, limits,
                                        [&](typename Schema::Reader in) -> std::variant<T, net::DecodeError> {
                                          try {
                                            return read(in);
                                          } catch (const Malformed&) {
                                            return net::DecodeError::malformed;
                                          }
                                        });
}

}  // namespace

Bytes encode_prepare(const Prepare& prepare) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Prepare>();
  write_ballot(out.initBallot(), prepare.ballot);
  out.setFromSlot(prepare.from_slot);
  return net::message_to_frame(message);
}

Bytes encode_promise(const Promise& promise) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Promise>();
  write_ballot(out.initBallot(), promise.ballot);
  out.setFromSlot(promise.from_slot);
  write_accepted_values(out.initAccepted(static_cast<unsigned>(promise.accepted.size())), promise.accepted);
  out.setComplete(promise.complete);
  out.setChosenThrough(promise.chosen_through);
  out.setStableSlot(promise.stable_slot);
  out.setStableDigest(as_data(promise.stable_digest.view()));
  return net::message_to_frame(message);
}

Bytes encode_accept(const Accept& accept) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Accept>();
  write_ballot(out.initBallot(), accept.ballot);
  write_slot_values(out.initValues(static_cast<unsigned>(accept.values.size())), accept.values);
  return net::message_to_frame(message);
}

Bytes encode_accepted(const Accepted& accepted) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Accepted>();
  write_ballot(out.initBallot(), accepted.ballot);
  auto slots = out.initSlots(static_cast<unsigned>(accepted.slots.size()));
  for (unsigned i = 0; i < accepted.slots.size(); ++i) {
    slots[i].setSlot(accepted.slots[i].slot);
    slots[i].setDigest(as_data(accepted.slots[i].digest.view()));
  }
  out.setChosenThrough(accepted.chosen_through);
  return net::message_to_frame(message);
}

Bytes encode_nack(const Nack& nack) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Nack>();
  write_ballot(out.initPromised(), nack.promised);
  write_ballot(out.initRefused(), nack.refused);
  return net::message_to_frame(message);
}

Bytes encode_commit(const Commit& commit) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Commit>();
  write_ballot(out.initBallot(), commit.ballot);
  out.setChosenThrough(commit.chosen_through);
  out.setStableSlot(commit.stable_slot);
  out.setStableDigest(as_data(commit.stable_digest.view()));
  write_slot_values(out.initValues(static_cast<unsigned>(commit.values.size())), commit.values);
  return net::message_to_frame(message);
}

Bytes encode_acceptor_record(const AcceptorRecord& record) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::AcceptorRecord>();
  write_ballot(out.initPromised(), record.promised);
  out.setStableSlot(record.stable_slot);
  out.setStableDigest(as_data(record.stable_digest.view()));
  write_accepted_values(out.initAccepted(static_cast<unsigned>(record.accepted.size())), record.accepted);
  return net::message_to_frame(message);
}

std::variant<Prepare, net::DecodeError> decode_prepare(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Prepare, Prepare>(body, limits, [](wire::Prepare::Reader in) {
    return Prepare{read_ballot(in.getBallot()), in.getFromSlot()};
  });
}

std::variant<Promise, net::DecodeError> decode_promise(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Promise, Promise>(body, limits, [](wire::Promise::Reader in) {
    return Promise{read_ballot(in.getBallot()), in.getFromSlot(),       read_accepted_values(in.getAccepted()),
                   in.getComplete(),            in.getChosenThrough(), in.getStableSlot(),
                   digest_or_throw(in.getStableDigest())};
  });
}

std::variant<Accept, net::DecodeError> decode_accept(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Accept, Accept>(body, limits, [](wire::Accept::Reader in) {
    return Accept{read_ballot(in.getBallot()), read_slot_values(in.getValues())};
  });
}

std::variant<Accepted, net::DecodeError> decode_accepted(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Accepted, Accepted>(body, limits, [](wire::Accepted::Reader in) {
    const auto slots = in.getSlots();
    Accepted accepted{read_ballot(in.getBallot()), {}, in.getChosenThrough()};
    for (auto entry : slots) accepted.slots.push_back(SlotDigest{entry.getSlot(), digest_or_throw(entry.getDigest())});
    return accepted;
  });
}

std::variant<Nack, net::DecodeError> decode_nack(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Nack, Nack>(body, limits, [](wire::Nack::Reader in) {
    return Nack{read_ballot(in.getPromised()), read_ballot(in.getRefused())};
  });
}

std::variant<Commit, net::DecodeError> decode_commit(ByteView body, const net::DecodeLimits& limits) {
  return decode<wire::Commit, Commit>(body, limits, [](wire::Commit::Reader in) {
    return Commit{read_ballot(in.getBallot()), in.getChosenThrough(), in.getStableSlot(),
                  digest_or_throw(in.getStableDigest()), read_slot_values(in.getValues())};
  });
}

// A restatement holds every value accepted above the stable slot, which may be more than one
// message carries: no slot-count limit here, only the reader's size limits.
std::variant<AcceptorRecord, net::DecodeError> decode_acceptor_record(ByteView payload,
                                                                      const net::DecodeLimits& limits) {
  return decode<wire::AcceptorRecord, AcceptorRecord>(payload, limits, [](wire::AcceptorRecord::Reader in) {
    return AcceptorRecord{read_ballot(in.getPromised()), in.getStableSlot(), digest_or_throw(in.getStableDigest()),
                          read_accepted_values(in.getAccepted())};
  });
}

}  // namespace loyal::paxos
