#include "json_io.hpp"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>

namespace testserver {

void Output::result(const std::string& id, const WriteFn& body) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("jsonrpc");
  writer.String("2.0");
  writer.Key("id");
  put_raw(writer, id);
  writer.Key("result");
  body(writer);
  writer.EndObject();
  emit(buffer);
}

void Output::error(const std::string& id, int code, std::string_view message,
                   std::string_view uri) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("jsonrpc");
  writer.String("2.0");
  writer.Key("id");
  put_raw(writer, id);
  writer.Key("error");
  writer.StartObject();
  writer.Key("code");
  writer.Int(code);
  writer.Key("message");
  put_string(writer, message);
  if (!uri.empty()) {
    writer.Key("data");
    writer.StartObject();
    writer.Key("uri");
    put_string(writer, uri);
    writer.EndObject();
  }
  writer.EndObject();
  writer.EndObject();
  emit(buffer);
}

void Output::notify(std::string_view method, const WriteFn& params) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("jsonrpc");
  writer.String("2.0");
  writer.Key("method");
  put_string(writer, method);
  writer.Key("params");
  params(writer);
  writer.EndObject();
  emit(buffer);
}

void Output::request(const std::string& id, std::string_view method, const WriteFn& params) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("jsonrpc");
  writer.String("2.0");
  writer.Key("id");
  put_raw(writer, id);
  writer.Key("method");
  put_string(writer, method);
  writer.Key("params");
  params(writer);
  writer.EndObject();
  emit(buffer);
}

void Output::log(std::string_view line) {
  std::string text(line);
  text += '\n';
  std::lock_guard lock(stderr_mutex_);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void Output::exit_now(int status) {
  stdout_mutex_.lock();
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

void Output::raw_lines(const std::vector<std::string>& lines) {
  std::lock_guard lock(stdout_mutex_);
  for (const std::string& line : lines) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
}

void Output::filler_line(std::size_t bytes, char fill) {
  const std::string chunk(std::min<std::size_t>(bytes, 64 * 1024), fill);
  std::lock_guard lock(stdout_mutex_);
  for (std::size_t left = bytes; left > 0;) {
    const std::size_t n = std::min(left, chunk.size());
    std::fwrite(chunk.data(), 1, n, stdout);
    left -= n;
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Output::emit(const rapidjson::StringBuffer& buffer) {
  std::lock_guard lock(stdout_mutex_);
  std::fwrite(buffer.GetString(), 1, buffer.GetSize(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void put_string(JsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void put_raw(JsonWriter& writer, const std::string& json_text) {
  writer.RawValue(json_text.data(), json_text.size(), rapidjson::kObjectType);
}

std::string to_json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    bool valid = length != 0 && i + length <= bytes.size();
    unsigned code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(bytes[i + k]);
      valid = (next & 0xC0) == 0x80;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF, as RFC 3629 requires.
    static constexpr unsigned kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (code_point < kMinForLength[length] || code_point > 0x10FFFF ||
                  (code_point >= 0xD800 && code_point <= 0xDFFF))) {
      valid = false;
    }
    if (valid) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    }
  }
  return out;
}

const rapidjson::Value* find_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> get_string(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = find_member(object, key);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<long long> get_integer(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* value = find_member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsDouble()) {
    double number = value->GetDouble();
    if (std::trunc(number) == number && std::fabs(number) < 9.0e15) {
      return static_cast<long long>(number);
    }
  }
  return std::nullopt;
}

}  // namespace testserver
