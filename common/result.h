#pragma once
// Operating errors (I/O, configuration, user input) travel as values: a Result<T> holds either a
// T or an Error whose message is written for the person who will read it ("cluster.toml:12:
// replica 3 has no public_key"). Broken invariants are not Results: they are LOYAL_ASSERTs.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace loyal {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}    // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Checked always: reading the value of a failed Result is a bug.
  T& value() & { check_ok(); return std::get<T>(state_); }
  const T& value() const& { check_ok(); return std::get<T>(state_); }
  T&& value() && { check_ok(); return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const Error& error() const {
    if (ok()) fail("Result::error() called on a success");
    return std::get<Error>(state_);
  }

 private:
  void check_ok() const {
    if (!ok()) fail(std::get<Error>(state_).message.c_str());
  }
  [[noreturn]] static void fail(const char* what) {
    std::fprintf(stderr, "loyal: Result misuse: %s\n", what);
    std::abort();
  }
  std::variant<T, Error> state_;
};

// A Result that carries no value: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace loyal
