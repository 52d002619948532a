#include "raft/records.h"

#include <capnp/message.h>

#include "common/assert.h"
#include "net/capnp_data.h"
#include "net/untrusted_message.h"
#include "raft/entry_codec.h"
#include "raft/options.h"
#include "raft/raft.capnp.h"

namespace loyal::raft {

namespace {

void set_hard_state(wire::HardState::Builder out, const HardState& state) {
  out.setTerm(state.term);
  out.setHasVote(state.voted_for.has_value());
  out.setVotedFor(state.voted_for.value_or(0));
}

HardState read_hard_state(wire::HardState::Reader in) {
  HardState state{in.getTerm(), std::nullopt};
  if (in.getHasVote()) state.voted_for = in.getVotedFor();
  return state;
}

// A journal record may hold a whole log: the limits are the journal's, not a frame's.
net::DecodeLimits record_limits(std::size_t size) {
  net::DecodeLimits limits;
  limits.max_frame_bytes = size;
  limits.max_body_bytes = size;
  // Reading the fields after the up-front walk visits every word about once more; the margin
  // covers list headers.
  limits.traversal_limit_words = 2 * (size / 8) + 64;
  return limits;
}

template <typename Schema, typename T, typename Read>
T decode_record(const replica::PersistRecord& record, Read&& read) {
  auto decoded = net::decode_message<Schema, T>(record.payload, record_limits(record.payload.size()),
                                                std::forward<Read>(read));
  LOYAL_ASSERT(std::holds_alternative<T>(decoded), "a Raft journal record decodes");
  return std::get<T>(std::move(decoded));
}

std::vector<Entry> entries_of(capnp::List<wire::Entry>::Reader in) {
  auto entries = detail::read_entries(in, ~std::uint64_t{0});
  LOYAL_ASSERT(entries.has_value(), "journal entries are well-formed");
  return std::move(*entries);
}

struct Suffix {
  Index first_index = 0;
  std::vector<Entry> entries;
};

struct Restated {
  SnapshotBase base;
  HardState state;
  std::vector<Entry> entries;
  std::map<Index, Term> snapshot_offers;
};

void apply_suffix(RaftLog& log, Suffix suffix) {
  LOYAL_ASSERT(suffix.first_index >= 1 && suffix.first_index <= log.last_index() + 1,
               "a journaled log suffix continues the log");
  Index index = suffix.first_index;
  for (Entry& entry : suffix.entries) {
    // Entries at or below the base were compacted into the snapshot: they were committed, so
    // these are the same ones.
    if (index > log.base().index) {
      log.truncate_from(index);
      log.append(std::move(entry));
    }
    ++index;
  }
  if (suffix.entries.empty() && suffix.first_index > log.base().index) log.truncate_from(suffix.first_index);
}

}  // namespace

Bytes encode_hard_state(const HardState& state) {
  capnp::MallocMessageBuilder message;
  set_hard_state(message.initRoot<wire::HardState>(), state);
  return net::message_to_frame(message);
}

Bytes encode_log_suffix(Index first_index, const std::vector<Entry>& entries) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::LogSuffix>();
  out.setFirstIndex(first_index);
  detail::set_entries(out.initEntries(static_cast<unsigned>(entries.size())), entries);
  return net::message_to_frame(message);
}

Bytes encode_restatement(const SnapshotBase& base, const HardState& state, const std::vector<Entry>& entries,
                         const std::map<Index, Term>& snapshot_offers) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::Restatement>();
  out.setBaseIndex(base.index);
  out.setBaseTerm(base.term);
  out.setBaseDigest(net::as_data(base.state_digest.view()));
  set_hard_state(out.initHardState(), state);
  detail::set_entries(out.initEntries(static_cast<unsigned>(entries.size())), entries);
  auto offers = out.initSnapshotOffers(static_cast<unsigned>(snapshot_offers.size()));
  unsigned i = 0;
  for (const auto& [index, term] : snapshot_offers) {
    offers[i].setIndex(index);
    offers[i].setTerm(term);
    ++i;
  }
  return net::message_to_frame(message);
}

Bytes encode_snapshot_offer(Index index, Term term) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<wire::SnapshotOffer>();
  out.setIndex(index);
  out.setTerm(term);
  return net::message_to_frame(message);
}

RecoveredRaftState recover(const std::vector<replica::PersistRecord>& records) {
  RecoveredRaftState state;
  std::size_t first = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    LOYAL_ASSERT(i == 0 || records[i].id > records[i - 1].id, "records are recovered in id order");
    if (records[i].type == static_cast<std::uint32_t>(RecordType::restatement)) first = i;
  }
  for (std::size_t i = first; i < records.size(); ++i) {
    const replica::PersistRecord& record = records[i];
    state.last_record_id = record.id;
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::hard_state:
        state.hard_state = decode_record<wire::HardState, HardState>(
            record, [](wire::HardState::Reader in) -> std::variant<HardState, net::DecodeError> {
              return read_hard_state(in);
            });
        break;
      case RecordType::log_suffix:
        apply_suffix(state.log, decode_record<wire::LogSuffix, Suffix>(
                                    record, [](wire::LogSuffix::Reader in) -> std::variant<Suffix, net::DecodeError> {
                                      return Suffix{in.getFirstIndex(), entries_of(in.getEntries())};
                                    }));
        break;
      case RecordType::restatement: {
        Restated restated = decode_record<wire::Restatement, Restated>(
            record, [](wire::Restatement::Reader in) -> std::variant<Restated, net::DecodeError> {
              const auto digest = net::read_digest(in.getBaseDigest());
              if (!digest) return net::DecodeError::malformed;
              Restated decoded{SnapshotBase{in.getBaseIndex(), in.getBaseTerm(), *digest},
                                read_hard_state(in.getHardState()), entries_of(in.getEntries()), {}};
              for (const wire::SnapshotOffer::Reader offer : in.getSnapshotOffers()) {
                decoded.snapshot_offers[offer.getIndex()] = offer.getTerm();
              }
              return decoded;
            });
        state.hard_state = restated.state;
        state.log.reset(restated.base);
        for (Entry& entry : restated.entries) state.log.append(std::move(entry));
        state.snapshot_offers = std::move(restated.snapshot_offers);
        break;
      }
      case RecordType::snapshot_offer: {
        const auto offer = decode_record<wire::SnapshotOffer, std::pair<Index, Term>>(
            record, [](wire::SnapshotOffer::Reader in) -> std::variant<std::pair<Index, Term>, net::DecodeError> {
              return std::pair<Index, Term>{in.getIndex(), in.getTerm()};
            });
        state.snapshot_offers[offer.first] = offer.second;
        while (state.snapshot_offers.size() > kMaxRememberedSnapshotOffers) {
          state.snapshot_offers.erase(state.snapshot_offers.begin());
        }
        break;
      }
      default: LOYAL_ASSERT(false, "a Raft journal record has a known type");
    }
  }
  return state;
}

}  // namespace loyal::raft
