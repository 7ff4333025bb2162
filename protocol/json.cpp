#include "protocol/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace mcp::json {

std::string to_string(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  v.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

void StoredValue::replace_with_copy(const Value* v) {
  if (v == nullptr) {
    value_ = Value(empty_);  // a pool's values need no freeing: dropping the pool frees them
    pool_.reset();
    return;
  }
  auto pool = std::make_unique<Allocator>(chunk_bytes);
  Value copy(*v, *pool);
  value_ = std::move(copy);
  pool_ = std::move(pool);  // the old copy's pool goes
}

std::string quote(std::string_view s) {
  Value v(rapidjson::StringRef(s.data(), s.size()));
  return to_string(v);
}

namespace {

// Builds a document from a Reader's events as Document::Parse does, with three differences:
//   - nesting deeper than max_nesting_depth is refused (RapidJSON's recursion would overflow);
//   - numbers are converted here, exactly: the Reader hands over their text (it has checked
//     the grammar) and std::from_chars rounds correctly, where RapidJSON's own conversion is
//     within 3 ulp ("0.30000000000000004", JavaScript's 0.1 + 0.2, read as ...07): a message the
//     router rewrote carried a different number on. Its Writer prints a double so that it
//     reads back the same, so a number now crosses the gateway unchanged in value.
//   - a number too big for a double ("5e308") is refused: infinity cannot be written, and
//     to_string stopped at it and the router forwarded a cut-off message.
// Integers become Int, Uint, Int64 or Uint64 as RapidJSON chooses them, and a double when they
// do not fit 64 bits. The member names are RapidJSON's Handler concept.
class DocumentBuilder {
 public:
  explicit DocumentBuilder(Document& doc) : doc_(doc) {}
  const char* refusal() const { return refusal_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) {
    if (std::isfinite(d)) return doc_.Double(d);
    refusal_ = "Number too big to be stored in double.";
    return false;
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const char* end = s + n;
    const bool integer =
        std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end;
    if (integer) {
      if (*s == '-') {
        std::int64_t i = 0;
        if (std::from_chars(s, end, i).ec == std::errc()) {
          return i >= std::numeric_limits<int>::min() ? doc_.Int(static_cast<int>(i))
                                                      : doc_.Int64(i);
        }
      } else {
        std::uint64_t u = 0;
        if (std::from_chars(s, end, u).ec == std::errc()) {
          return u <= std::numeric_limits<unsigned>::max() ? doc_.Uint(static_cast<unsigned>(u))
                                                           : doc_.Uint64(u);
        }
      }
      // Beyond 64 bits: a double, as RapidJSON does.
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(s, end, d);
    if (ec == std::errc::result_out_of_range) {
      // from_chars says only "out of range"; strtod tells an underflow ("1e-400": a signed
      // zero, kept as RapidJSON keeps it) from an overflow (infinity: refused below).
      d = std::strtod(std::string(s, n).c_str(), nullptr);
    } else if (ec != std::errc() || ptr != end) {
      refusal_ = "Malformed number.";  // not after the Reader's own check of the grammar
      return false;
    }
    return Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

 private:
  bool enter() {
    if (++depth_ <= max_nesting_depth) return true;
    refusal_ = "Nesting too deep.";
    return false;
  }

  Document& doc_;
  std::size_t depth_ = 0;
  const char* refusal_ = "";
};

}  // namespace

std::optional<ParseError> parse(std::string_view text, Document& doc) {
  rapidjson::MemoryStream bytes(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  const char* refusal = "";
  auto build = [&](Document& d) {
    DocumentBuilder builder(d);
    // kParseStopWhenDoneFlag is not set: trailing garbage after the value is an error.
    result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(in, builder);
    refusal = builder.refusal();
    return !result.IsError();
  };
  doc.Populate(build);
  if (result.IsError()) {
    return ParseError{result.Offset(), result.Code() == rapidjson::kParseErrorTermination
                                           ? refusal
                                           : rapidjson::GetParseError_En(result.Code())};
  }
  // RapidJSON takes a NUL byte for the end of the text, so "{}\0garbage" parsed as "{}". A NUL
  // is never valid JSON text (RFC 8259, section 7: control characters appear only escaped).
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    doc.SetNull();
    return ParseError{nul, "NUL byte in the text."};
  }
  return std::nullopt;
}

LineColumn line_column(std::string_view text, std::size_t offset) {
  LineColumn lc;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else {
      ++lc.column;
    }
  }
  return lc;
}

const Value* member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> string_member(const Value& obj, const char* name) {
  const Value* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

const Value* object_member(const Value& obj, const char* name) {
  const Value* v = member(obj, name);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

const Value* array_member(const Value& obj, const char* name) {
  const Value* v = member(obj, name);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

void set_member(Value& obj, const char* name, Value v, Allocator& a) {
  // HasMember, not FindMember() != MemberEnd(): clang finds comparing RapidJSON's mutable member
  // iterators ambiguous under C++20's rewritten comparisons (-Wambiguous-reversed-operator).
  if (obj.HasMember(name)) {
    obj[name] = std::move(v);
  } else {
    obj.AddMember(Value(name, a), std::move(v), a);
  }
}

}  // namespace mcp::json
