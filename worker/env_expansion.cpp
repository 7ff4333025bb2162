#include "worker/env_expansion.hpp"

#include <cctype>
#include <cstdlib>

namespace mcp::worker {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> expand_env_refs(std::string_view text, const EnvLookup& lookup,
                                           std::string& error) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t ref = text.find("${", pos);
    if (ref == std::string_view::npos) break;
    out.append(text.substr(pos, ref - pos));
    const std::size_t close = text.find('}', ref + 2);
    if (close == std::string_view::npos) {
      error = "has an unterminated \"${\"";
      return std::nullopt;
    }
    const std::string name(text.substr(ref + 2, close - ref - 2));
    if (!valid_name(name)) {
      error = "has an invalid variable reference \"${" + name + "}\"";
      return std::nullopt;
    }
    const auto value = lookup(name);
    if (!value) {
      error = "refers to ${" + name + "}, which is not set in the environment";
      return std::nullopt;
    }
    out += *value;
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::optional<std::string> process_env(const std::string& name) {
  // The worker is single-threaded while it reads its start message, and nothing sets
  // variables afterwards, so getenv is safe here.
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace mcp::worker
