#include "protocol/json.hpp"

#include <rapidjson/error/en.h>

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

std::optional<ParseError> parse(std::string_view text, Document& doc) {
  // kParseStopWhenDoneFlag is not set: trailing garbage after the value is an error.
  doc.Parse<rapidjson::kParseDefaultFlags>(text.data(), text.size());
  if (!doc.HasParseError()) return std::nullopt;
  return ParseError{doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError())};
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
