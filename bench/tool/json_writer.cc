#include "bench/tool/json_writer.h"

#include <charconv>
#include <cmath>

#include "common/assert.h"

namespace loyal::bench {

std::string JsonWriter::quote(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '\n': quoted += "\\n"; break;
      case '\r': quoted += "\\r"; break;
      case '\t': quoted += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          quoted += "\\u00";
          quoted += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
          quoted += kHex[static_cast<unsigned char>(c) & 0xf];
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

void JsonWriter::before_value() {
  if (scopes_.empty()) {
    LOYAL_ASSERT(out_.empty(), "a JSON document has one top-level value");
    return;
  }
  if (scopes_.back() == Scope::object) {
    LOYAL_ASSERT(key_pending_, "a value inside a JSON object needs its key first");
    key_pending_ = false;
    return;
  }
  if (has_items_.back()) out_ += ',';
  has_items_.back() = true;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  scopes_.push_back(Scope::object);
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  LOYAL_ASSERT(!scopes_.empty() && scopes_.back() == Scope::object && !key_pending_, "no JSON object to close");
  scopes_.pop_back();
  has_items_.pop_back();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  scopes_.push_back(Scope::array);
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  LOYAL_ASSERT(!scopes_.empty() && scopes_.back() == Scope::array, "no JSON array to close");
  scopes_.pop_back();
  has_items_.pop_back();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  LOYAL_ASSERT(!scopes_.empty() && scopes_.back() == Scope::object && !key_pending_, "a JSON key outside an object");
  if (has_items_.back()) out_ += ',';
  has_items_.back() = true;
  out_ += quote(name);
  out_ += ':';
  key_pending_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  out_ += quote(text);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  before_value();
  char buffer[64];
  // Shortest form that reads back as the same double.
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
  LOYAL_ASSERT(error == std::errc(), "a double fits in 64 characters");
  out_.append(buffer, end);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

const std::string& JsonWriter::text() const {
  LOYAL_ASSERT(scopes_.empty() && !key_pending_, "the JSON document is not finished");
  return out_;
}

}  // namespace loyal::bench
