#include "protocol/tool_names.hpp"

#include <cstdio>

namespace mcp {

namespace {

constexpr std::size_t hash_suffix_length = 9;  // '_' + 8 hex digits

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool is_valid_exposed_name(std::string_view name, std::size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

std::string exposed_name(std::string_view prefix, std::string_view name, const NamingRules& rules) {
  std::string candidate;
  candidate.reserve(prefix.size() + rules.separator.size() + name.size());
  if (!prefix.empty()) {
    candidate += prefix;
    candidate += rules.separator;
  }
  candidate += name;
  if (is_valid_exposed_name(candidate, rules.max_length)) return candidate;

  const std::size_t max_length =
      rules.max_length < min_name_length_limit ? min_name_length_limit : rules.max_length;
  std::string out;
  const std::size_t keep = max_length - hash_suffix_length;
  for (char c : candidate) {
    if (out.size() == keep) break;
    out += is_name_char(c) ? c : '_';
  }
  char suffix[hash_suffix_length + 1];
  std::snprintf(suffix, sizeof suffix, "_%08x",
                static_cast<unsigned>(fnv1a64(candidate) & 0xffffffffu));
  out += suffix;
  return out;
}

}  // namespace mcp
