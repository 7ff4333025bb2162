#include "mcp_text.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace raw_client {

namespace {

bool member_is(std::string_view json, std::string_view key, std::string_view value) {
  for (auto p = member_value(json, key); p; p = member_value(json, key, *p)) {
    if (json.substr(*p, value.size()) == value) return true;
  }
  return false;
}

}  // namespace

std::string initialize_request(long id) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) +
         ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + protocol_version +
         "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"mcp-raw-latency\",\"version\":\"1\"}}}";
}

std::string call_request(long id, std::string_view tool, std::string_view text) {
  std::string r = "{\"jsonrpc\":\"2.0\",\"id\":";
  r += std::to_string(id);
  r += ",\"method\":\"tools/call\",\"params\":{\"name\":\"";
  r += tool;
  r += "\",\"arguments\":{\"text\":\"";
  r += text;
  r += "\"}}}";
  return r;
}

std::optional<std::size_t> member_value(std::string_view json, std::string_view key,
                                        std::size_t from) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = json.find(quoted, from); at != std::string_view::npos;
       at = json.find(quoted, at + 1)) {
    std::size_t p = at + quoted.size();
    while (p < json.size() && std::strchr(" \t\r\n", json[p]) != nullptr) ++p;
    if (p >= json.size() || json[p] != ':') continue;
    ++p;
    while (p < json.size() && std::strchr(" \t\r\n", json[p]) != nullptr) ++p;
    return p;
  }
  return std::nullopt;
}

bool is_response_to(std::string_view json, long id) {
  if (member_value(json, "method")) return false;
  const auto p = member_value(json, "id");
  if (!p) return false;
  const std::string digits = std::to_string(id);
  const std::size_t end = *p + digits.size();
  return json.substr(*p, digits.size()) == digits &&
         (end == json.size() || std::strchr("0123456789.eE", json[end]) == nullptr);
}

std::string string_value(std::string_view json, std::string_view key) {
  const auto p = member_value(json, key);
  if (!p || *p >= json.size() || json[*p] != '"') return {};
  const std::size_t end = json.find('"', *p + 1);
  return end == std::string_view::npos ? std::string{}
                                       : std::string(json.substr(*p + 1, end - *p - 1));
}

std::string excerpt(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s.substr(0, 300)) + (s.size() > 300 ? "..." : "");
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char u[8];
      std::snprintf(u, sizeof u, "\\u%04x", static_cast<unsigned>(c));
      out += u;
    } else {
      out += c;
    }
  }
  return out;
}

EchoCheck check_echo(std::string_view answer, std::string_view text) {
  if (!member_value(answer, "result") || member_is(answer, "isError", "true")) {
    return {EchoVerdict::failed, "echo failed: " + excerpt(answer)};
  }
  if (!member_is(answer, "text", "\"" + std::string(text) + "\"")) {
    return {EchoVerdict::wrong_answer,
            "echoed another text than \"" + std::string(text) + "\": " + excerpt(answer)};
  }
  return {};
}

}  // namespace raw_client
