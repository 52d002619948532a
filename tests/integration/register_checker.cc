#include "tests/integration/register_checker.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "common/assert.h"

namespace loyal::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAbsent = -1;
constexpr int kEnd = -1;

std::string value_text(const RegisterValue& value) { return value ? *value : std::string("<absent>"); }

std::string seconds_since(Clock::time_point origin, Clock::time_point at) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(at - origin).count());
  return text;
}

// One operation of one key, its values interned as small integers (kAbsent for nullopt).
struct KeyOperation {
  const RegisterOperation* operation;
  int written = kAbsent;
  int expected = kAbsent;
  int observed = kAbsent;
  bool definite = true;  // has a completion the search must get past
  int call_entry = kEnd;
  int return_entry = kEnd;
};

// The register value after `op` takes effect at `state`, or nullopt when it cannot take effect
// there. An unknown compare-and-swap that executed and failed changed nothing and answered no one,
// which is the same as leaving it out, so it is only linearized where it swaps.
std::optional<int> apply(const KeyOperation& op, int state) {
  switch (op.operation->kind) {
    case RegisterOperation::Kind::write:
      return op.written;
    case RegisterOperation::Kind::read:
      return state == op.observed ? std::optional<int>(state) : std::nullopt;
    case RegisterOperation::Kind::compare_and_swap:
      if (op.operation->outcome == RegisterOperation::Outcome::cas_failed) {
        return state == op.observed && state != op.expected ? std::optional<int>(state) : std::nullopt;
      }
      return state == op.expected ? std::optional<int>(op.written) : std::nullopt;
  }
  return std::nullopt;
}

struct CacheKey {
  std::vector<std::uint64_t> linearized;
  int state;
  friend bool operator==(const CacheKey&, const CacheKey&) = default;
};

struct CacheKeyHash {
  std::size_t operator()(const CacheKey& key) const {
    std::uint64_t hash = 1469598103934665603ull ^ static_cast<std::uint64_t>(key.state + 1);
    for (std::uint64_t word : key.linearized) hash = (hash ^ word) * 1099511628211ull;
    return static_cast<std::size_t>(hash);
  }
};

class KeySearch {
 public:
  KeySearch(const std::vector<const RegisterOperation*>& operations, Clock::time_point origin)
      : origin_(origin) {
    std::map<std::string, int> ids;
    const auto intern = [&](const RegisterValue& value) {
      if (!value) return kAbsent;
      auto [where, added] = ids.try_emplace(*value, static_cast<int>(ids.size()));
      values_.resize(ids.size());
      values_[where->second] = *value;
      return where->second;
    };
    for (const RegisterOperation* operation : operations) {
      KeyOperation op{.operation = operation};
      op.written = intern(operation->written);
      op.expected = intern(operation->expected);
      op.observed = intern(operation->observed);
      op.definite = operation->outcome != RegisterOperation::Outcome::unknown;
      ops_.push_back(op);
    }
    build_entries();
  }

  RegisterCheck run(std::uint64_t max_steps) {
    RegisterCheck check;
    std::size_t remaining = 0;
    for (const KeyOperation& op : ops_) remaining += op.definite ? 1 : 0;
    const std::size_t definite_total = remaining;
    std::vector<std::uint64_t> linearized((ops_.size() + 63) / 64, 0);
    std::unordered_set<CacheKey, CacheKeyHash> tried;
    struct Frame {
      int op;
      int state_before;
    };
    std::vector<Frame> stack;
    int state = kAbsent;
    int entry = next_[0];
    std::size_t deepest = 0;
    int stuck_op = kEnd;
    int stuck_state = kAbsent;
    while (remaining > 0) {
      if (++check.search_steps > max_steps) {
        check.verdict = RegisterCheck::Verdict::undecided;
        check.explanation = "gave up after " + std::to_string(max_steps) + " search steps";
        return check;
      }
      if (entry != kEnd && entries_[entry].is_call) {
        const int op = entries_[entry].op;
        if (const std::optional<int> after = apply(ops_[op], state)) {
          linearized[op / 64] |= std::uint64_t{1} << (op % 64);
          if (tried.insert(CacheKey{linearized, *after}).second) {
            stack.push_back(Frame{op, state});
            state = *after;
            lift(op);
            if (ops_[op].definite) --remaining;
            entry = next_[0];
            continue;
          }
          linearized[op / 64] &= ~(std::uint64_t{1} << (op % 64));
        }
        entry = next_[entry];
        continue;
      }
      // A completion is reached whose operation could not be linearized before it: undo the last
      // choice and try the next operation after it.
      if (entry != kEnd && definite_total - remaining >= deepest) {
        deepest = definite_total - remaining;
        stuck_op = entries_[entry].op;
        stuck_state = state;
      }
      if (stack.empty()) {
        check.verdict = RegisterCheck::Verdict::not_linearizable;
        check.explanation = stuck_op == kEnd ? "no linearization"
                                             : "no linearization gets past " +
                                                   ops_[stuck_op].operation->describe(origin_) + " (after " +
                                                   std::to_string(deepest) + " of " + std::to_string(definite_total) +
                                                   " completed operations, the value was " +
                                                   value_text(value_of(stuck_state)) + ")";
        return check;
      }
      const Frame undone = stack.back();
      stack.pop_back();
      linearized[undone.op / 64] &= ~(std::uint64_t{1} << (undone.op % 64));
      state = undone.state_before;
      unlift(undone.op);
      if (ops_[undone.op].definite) ++remaining;
      entry = next_[ops_[undone.op].call_entry];
    }
    return check;
  }

 private:
  struct Entry {
    int op;
    bool is_call;
    Clock::time_point at;
  };

  // The invocations and completions in time order, as a doubly linked list behind a head (entry
  // 0). At equal times invocations come first: the two operations are then taken as concurrent,
  // which can only allow more linearizations, never report a false violation.
  void build_entries() {
    entries_.push_back(Entry{kEnd, false, {}});
    std::vector<Entry> events;
    for (int op = 0; op < static_cast<int>(ops_.size()); ++op) {
      events.push_back(Entry{op, true, ops_[op].operation->invoked});
      if (ops_[op].definite) events.push_back(Entry{op, false, ops_[op].operation->completed});
    }
    std::stable_sort(events.begin(), events.end(), [](const Entry& a, const Entry& b) {
      if (a.at != b.at) return a.at < b.at;
      return a.is_call && !b.is_call;
    });
    for (const Entry& event : events) {
      const int index = static_cast<int>(entries_.size());
      entries_.push_back(event);
      (event.is_call ? ops_[event.op].call_entry : ops_[event.op].return_entry) = index;
    }
    const int count = static_cast<int>(entries_.size());
    next_.resize(count);
    prev_.resize(count);
    for (int i = 0; i < count; ++i) {
      next_[i] = i + 1 < count ? i + 1 : kEnd;
      prev_[i] = i - 1;
    }
  }

  // Dancing links: a removed entry keeps its neighbours, so undoing removals in the reverse order
  // puts it back where it was.
  void remove(int entry) {
    next_[prev_[entry]] = next_[entry];
    if (next_[entry] != kEnd) prev_[next_[entry]] = prev_[entry];
  }
  void reinsert(int entry) {
    next_[prev_[entry]] = entry;
    if (next_[entry] != kEnd) prev_[next_[entry]] = entry;
  }
  void lift(int op) {
    remove(ops_[op].call_entry);
    if (ops_[op].return_entry != kEnd) remove(ops_[op].return_entry);
  }
  void unlift(int op) {
    if (ops_[op].return_entry != kEnd) reinsert(ops_[op].return_entry);
    reinsert(ops_[op].call_entry);
  }

  RegisterValue value_of(int id) const { return id == kAbsent ? RegisterValue() : RegisterValue(values_[id]); }

  Clock::time_point origin_;
  std::vector<KeyOperation> ops_;
  std::vector<std::string> values_;  // by id
  std::vector<Entry> entries_;
  std::vector<int> next_;
  std::vector<int> prev_;
};

}  // namespace

std::string RegisterOperation::describe(Clock::time_point origin) const {
  std::string text = "client " + std::to_string(client) + " ";
  switch (kind) {
    case Kind::write:
      text += "put " + key + " " + value_text(written);
      break;
    case Kind::read:
      text += "get " + key;
      break;
    case Kind::compare_and_swap:
      text += "cas " + key + " " + value_text(expected) + " -> " + value_text(written);
      break;
  }
  switch (outcome) {
    case Outcome::ok:
      text += kind == Kind::read ? ": " + value_text(observed) : std::string(": ok");
      break;
    case Outcome::cas_failed:
      text += ": failed, value " + value_text(observed);
      break;
    case Outcome::unknown:
      text += ": unknown";
      break;
  }
  text += " [" + seconds_since(origin, invoked) + " .. " +
          (outcome == Outcome::unknown ? std::string("?") : seconds_since(origin, completed)) + "]";
  return text;
}

RegisterCheck check_register_history(const std::vector<RegisterOperation>& history, Clock::time_point origin,
                                     std::uint64_t max_steps_per_key) {
  std::map<std::string, std::vector<const RegisterOperation*>> by_key;
  for (const RegisterOperation& operation : history) {
    LOYAL_ASSERT(operation.kind == RegisterOperation::Kind::read || operation.written.has_value(),
                 "a write or compare-and-swap writes a value");
    LOYAL_ASSERT(operation.outcome == RegisterOperation::Outcome::unknown || operation.completed >= operation.invoked,
                 "an operation completes after its invocation");
    // A read nobody saw the answer of constrains nothing.
    if (operation.kind == RegisterOperation::Kind::read && operation.outcome == RegisterOperation::Outcome::unknown) {
      continue;
    }
    by_key[operation.key].push_back(&operation);
  }
  RegisterCheck total;
  for (const auto& [key, operations] : by_key) {
    RegisterCheck check = KeySearch(operations, origin).run(max_steps_per_key);
    total.search_steps += check.search_steps;
    if (check.verdict != RegisterCheck::Verdict::linearizable) {
      check.explanation = "key " + key + ": " + check.explanation;
      check.search_steps = total.search_steps;
      return check;
    }
  }
  return total;
}

}  // namespace loyal::integration
