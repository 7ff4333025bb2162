#include "protocol/json.hpp"

#include <cmath>
#include <cstdint>

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

std::string quote(std::string_view s) {
  Value v(rapidjson::StringRef(s.data(), s.size()));
  return to_string(v);
}

namespace {

// Builds a document from a Reader's events as Document::Parse does, and refuses two things
// RapidJSON would accept: nesting deeper than max_nesting_depth, and a number too big for a
// double ("5e308"), which RapidJSON reads as infinity and its Writer then cannot write: to_string
// stopped at it, and the router forwarded a cut-off message. The member names are RapidJSON's
// Handler concept.
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
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
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
    result = reader.Parse<rapidjson::kParseDefaultFlags>(in, builder);
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
