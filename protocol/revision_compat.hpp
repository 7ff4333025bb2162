// What a result may carry for a client on an older protocol revision. The gateway negotiates
// with each client and each backend on its own, so a backend on 2025-11-25 can answer a client
// that negotiated 2024-11-05; content kinds the client's revision does not define are turned
// into ones it does, rather than sent as they are (an old client's schema rejects the whole
// result) or dropped. Pure: no I/O.
#pragma once

#include <string_view>

#include "protocol/json.hpp"

namespace mcp {

// Rewrites the content blocks of a tools/call or prompts/get result for client_version:
//   audio (2025-03-26 and later)          -> an embedded resource holding the same blob;
//   resource_link (2025-06-18 and later)  -> a text block naming the link.
// Returns how many blocks were rewritten.
int adapt_result_to_revision(json::Value& result, json::Allocator& a, std::string_view method,
                             std::string_view client_version);

}  // namespace mcp
