// Base64 (RFC 4648) in the two forms MCP and we use:
//   standard: section 4, with '=' padding. The 2026-07-28 Mcp-* header values ("=?base64?...?=")
//             use it, padded as the specification's examples write it.
//   url:      section 5, without padding. Our requestState tokens use it (they travel in JSON
//             and may end up in URLs and logs).
// Decoding is strict: a wrong length, a stray character or padding where the form has none is
// malformed (nullopt). It does not insist on zero spare bits in the last digit; a caller that
// needs one canonical text re-encodes and compares.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp::base64 {

enum class Form { standard, url };

std::string encode(std::string_view bytes, Form form);
std::optional<std::string> decode(std::string_view text, Form form);

}  // namespace mcp::base64
