// MCP revision 2026-07-28 ("modern", stateless) from the client's side, as the worker speaks
// it to a modern backend: no initialize; every request carries its protocol version, the
// client's capabilities and identity in params._meta (specification 2026-07-28, basic/index
// "_meta" and basic/versioning). Names and codes are those of protocol/modern_request.hpp.
// Pure: no I/O, no logging.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "protocol/modern_request.hpp"

namespace mcp::modern {

// Modern revisions the worker speaks to backends, newest first.
inline constexpr std::array<std::string_view, 1> client_versions = {protocol_version};

// The JSON-RPC errors only a modern server answers (basic/index "Error Codes"): a dual-era
// client that gets one knows the server is modern (basic/versioning).
constexpr bool is_modern_error(int c) {
  return c == code::header_mismatch || c == code::missing_client_capability ||
         c == code::unsupported_protocol_version;
}

// What a client says about itself on every request. The JSON members are JSON text.
struct RequestMeta {
  std::string protocol_version{modern::protocol_version};
  std::string client_info_json;          // e.g. {"name":"mcproxy","version":"0.1.0"}
  std::string client_capabilities_json;  // e.g. {"sampling":{},"elicitation":{},"roots":{}}
  std::string log_level;                 // empty: none (the server then sends no log messages)
};

// The _meta object text for a request of our own.
std::string meta_object(const RequestMeta& meta);

enum class MetaOutcome {
  unchanged,    // a request that already carried every key
  added,        // a request that lacked some; text is the request with them added
  not_request,  // a notification or a response: nothing to add
  unparsable,   // not a JSON object
};
struct MetaInjection {
  MetaOutcome outcome = MetaOutcome::unparsable;
  std::string text;  // the message to send (the original text unless added)
  // The request carried its own protocol version: it comes from a modern client, whose _meta
  // is the truth; a request without one comes from a legacy client (through the gateway).
  bool from_modern_client = false;
};

// Adds to a request's params._meta each of protocolVersion, clientInfo and clientCapabilities
// it lacks, and logLevel when meta has one and the request lacks both it and a protocol version
// (a legacy client's logging/setLevel level, kept by the caller). Keys already present are the
// real client's and stay as they are.
MetaInjection add_request_meta(std::string_view message, const RequestMeta& meta);

}  // namespace mcp::modern
