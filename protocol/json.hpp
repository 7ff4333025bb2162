// Thin helpers over RapidJSON shared by every part that touches JSON text.
// Pure: no I/O, no logging.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mcp::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using Allocator = rapidjson::Document::AllocatorType;

// Serializes any value compactly, on one line: JSON escapes every control character,
// so the result never contains a raw newline and is safe for newline framing.
std::string to_string(const Value& v);

struct ParseError {
  std::size_t offset = 0;
  std::string message;
};

// RapidJSON parses, copies and writes values recursively, one stack frame per level: a body of
// a few hundred kilobytes of "[" overflowed the stack of the thread that parsed it. Real MCP
// messages nest a few dozen levels; parse refuses deeper ones.
inline constexpr std::size_t max_nesting_depth = 1000;

// Parses text into doc; on failure returns the error with its byte offset. Besides what is not
// JSON, refused: nesting deeper than max_nesting_depth, and numbers too big for a double.
std::optional<ParseError> parse(std::string_view text, Document& doc);

// Converts a byte offset in text into 1-based line and column, for error messages.
struct LineColumn {
  std::size_t line = 1;
  std::size_t column = 1;
};
LineColumn line_column(std::string_view text, std::size_t offset);

// Typed member access that tolerates absence and wrong types.
const Value* member(const Value& obj, const char* name);
std::optional<std::string_view> string_member(const Value& obj, const char* name);
const Value* object_member(const Value& obj, const char* name);
const Value* array_member(const Value& obj, const char* name);

// s as a JSON string literal, quotes and escapes included.
std::string quote(std::string_view s);

inline Value string_value(std::string_view s, Allocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// Sets obj[name] = v, replacing an existing member.
void set_member(Value& obj, const char* name, Value v, Allocator& a);

// A value that lives long and is replaced whole, again and again (a server's lists and
// capabilities, on every restart and list change). Each copy has a pool of its own, which goes
// when the next copy replaces it: doc.CopyFrom(v, doc.GetAllocator()) would keep every earlier
// copy's memory in doc's pool, which frees nothing until the document goes. The pool grows in
// small chunks: with RapidJSON's default of 64 KiB, every server's non-empty lists took 64 KiB
// each, 320 KiB of heap per server (32 MB with 100 servers).
class StoredValue {
 public:
  static constexpr std::size_t chunk_bytes = 4096;

  explicit StoredValue(rapidjson::Type empty = rapidjson::kArrayType) : empty_(empty) {
    value_ = Value(empty);
  }
  const Value& operator*() const { return value_; }
  const Value* operator->() const { return &value_; }
  // A copy of v; nullptr: an empty value of the type given at construction.
  void replace_with_copy(const Value* v);
  // What the pool holds, in bytes (0 before the first non-empty copy).
  std::size_t pool_capacity() const { return pool_ ? pool_->Capacity() : 0; }

 private:
  rapidjson::Type empty_;
  std::unique_ptr<Allocator> pool_;
  Value value_;
};

}  // namespace mcp::json
