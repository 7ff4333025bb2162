#include "protocol/base64.hpp"

namespace mcp::base64 {

namespace {

constexpr char standard_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int digit_value(char c, Form form) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (form == Form::standard ? '+' : '-')) return 62;
  if (c == (form == Form::standard ? '/' : '_')) return 63;
  return -1;
}

}  // namespace

std::string encode(std::string_view bytes, Form form) {
  const char* digits = form == Form::standard ? standard_digits : url_digits;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(digits[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(digits[(buffer << (6 - bits)) & 0x3f]);
  if (form == Form::standard) {
    while (out.size() % 4 != 0) out.push_back('=');
  }
  return out;
}

std::optional<std::string> decode(std::string_view text, Form form) {
  if (form == Form::standard) {
    if (text.size() % 4 != 0) return std::nullopt;
    for (int pad = 0; pad < 2 && !text.empty() && text.back() == '='; ++pad) text.remove_suffix(1);
  }
  // One digit alone cannot hold a byte: such a length exists in neither form.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int d = digit_value(c, form);
    if (d < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace mcp::base64
