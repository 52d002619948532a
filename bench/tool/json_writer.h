#pragma once
// A tiny streaming JSON writer for the report: objects, arrays, strings, numbers, booleans, null.
// It keeps the commas and the nesting right and escapes strings; misuse (a value where a key is
// due, closing what is not open) is a bug in the caller and stops the process.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loyal::bench {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // In an object: the next call writes this key's value.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(double number);  // non-finite numbers are written as null
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint32_t number) { return value(std::uint64_t{number}); }
  JsonWriter& value(int number) { return value(std::int64_t{number}); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  template <typename T>
  JsonWriter& value(const std::optional<T>& maybe) {
    return maybe ? value(*maybe) : null();
  }

  // Precondition: every object and array closed.
  const std::string& text() const;

  static std::string quote(std::string_view text);

 private:
  enum class Scope { object, array };
  void before_value();

  std::string out_;
  std::vector<Scope> scopes_;
  std::vector<bool> has_items_;
  bool key_pending_ = false;
};

}  // namespace loyal::bench
