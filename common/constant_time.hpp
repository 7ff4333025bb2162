// Comparing secrets (bearer tokens, MACs) in time that depends only on the expected value's
// length, so the time taken says nothing about how much of a guess was right.
#pragma once

#include <string_view>

namespace mcp {

inline bool equal_in_constant_time(std::string_view expected, std::string_view given) {
  unsigned diff = expected.size() != given.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

}  // namespace mcp
