// ASCII case rules for protocol text: HTTP header names and media types, URL schemes and hosts,
// header names in JSON Schema annotations. Not std::tolower, which follows the C locale: none of
// this text is localized, and a Turkish locale must not change how "Mcp-Param-I" compares.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace mcp::ascii {

constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

constexpr bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace mcp::ascii
