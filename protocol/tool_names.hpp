// How a backend's tool and prompt names become the names clients see.
// Pure: no I/O.
//
// Clients are strict: the specification (2025-11-25, server/tools, "Tool names") allows
// [A-Za-z0-9_.-] up to 128 characters, but Claude and OpenAI-style clients reject anything
// outside ^[a-zA-Z0-9_-]{1,64}$, and Cursor drops a tool when its server label plus the
// tool name exceed 60 characters. So we expose "<prefix><separator><name>" when that fits,
// and otherwise a deterministic rewrite: illegal characters become '_', the result is cut
// to leave room for '_' plus 8 hex digits of a hash of the full original name. The mapping
// is stable across restarts, so a client's cached tool list stays valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcp {

struct NamingRules {
  std::string separator = "__";
  std::size_t max_length = 64;
  bool operator==(const NamingRules&) const = default;
};

// Smallest max_length we accept: room for a few characters plus "_" and the hash.
inline constexpr std::size_t min_name_length_limit = 16;

bool is_valid_exposed_name(std::string_view name, std::size_t max_length);

std::string exposed_name(std::string_view prefix, std::string_view name, const NamingRules& rules);

// 64-bit FNV-1a; stable across platforms and runs.
std::uint64_t fnv1a64(std::string_view data);

}  // namespace mcp
