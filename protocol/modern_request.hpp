// MCP revision 2026-07-28 ("modern", stateless): how a request tells which era it speaks, and
// the checks the Streamable HTTP transport demands before a modern request is served.
// Specification 2026-07-28, basic/versioning and basic/transports/streamable-http ("Request
// Metadata", "Server Validation"). Pure: no I/O.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/json.hpp"

namespace mcp::modern {

inline constexpr std::string_view protocol_version = "2026-07-28";
// Everything the gateway speaks with clients, newest first: what server/discover lists and
// what an UnsupportedProtocolVersionError carries in data.supported.
inline constexpr std::array<std::string_view, 5> supported_versions = {
    "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

namespace meta {
inline constexpr const char* protocol_version = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* client_capabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* client_info = "io.modelcontextprotocol/clientInfo";
inline constexpr const char* log_level = "io.modelcontextprotocol/logLevel";
inline constexpr const char* server_info = "io.modelcontextprotocol/serverInfo";
inline constexpr const char* subscription_id = "io.modelcontextprotocol/subscriptionId";
}  // namespace meta

namespace code {
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace code

constexpr bool is_modern_version(std::string_view v) {
  return v == protocol_version;
}

// params._meta of a request, when it has one.
const json::Value* request_meta(const json::Value& msg);

// The HTTP headers a modern POST mirrors from its body; absent headers are nullopt.
struct RequestHeaders {
  std::optional<std::string> protocol_version;  // MCP-Protocol-Version
  std::optional<std::string> method;            // Mcp-Method
  std::optional<std::string> name;              // Mcp-Name
};

// True when a POST speaks the modern era: its MCP-Protocol-Version header names a version
// that is not one of the handshake-based ones, or its params._meta carries the per-request
// protocol version. Everything else (initialize, session traffic) is legacy.
bool is_modern_request(const json::Value& msg, const std::optional<std::string>& header_version);

// Why a modern request is rejected before it is served: HTTP status and JSON-RPC error.
struct Rejection {
  int http_status = 400;
  int code = 0;
  std::string message;
  std::string data_json;  // empty: no data member
};

// Checks a modern request (a JSON-RPC request object) against its headers, in the order the
// specification's examples imply: the version header must be there (-32020), _meta must carry
// protocolVersion and clientCapabilities (-32602), header and body versions must agree
// (-32020), the version must be one we serve (-32022 with data.supported), and Mcp-Method and,
// for tools/call, resources/read and prompts/get, Mcp-Name must match the body (-32020).
std::optional<Rejection> check_request(const json::Value& msg, const RequestHeaders& headers);

// Mcp-Name and Mcp-Param-* values that are not plain ASCII travel as "=?base64?...?=";
// returns the decoded value, the value itself when it is plain, or nullopt when it is
// malformed (bad base64, or characters no header value may hold).
std::optional<std::string> decode_header_value(std::string_view value);

// Calls fn(path, property) for each property of schema whose value is an object, reachable from
// the root through "properties" keys alone, depth first, down to 16 levels (deeper ones are not
// visited); fn returns false to stop. Where x-mcp-header annotations count: the gateway's front
// checks clients' Mcp-Param-* headers with it, and a worker sends them to a remote backend.
void for_each_schema_property(const json::Value& schema,
                              const std::function<bool(const std::vector<std::string>& path,
                                                       const json::Value& property)>& fn);

// A tool parameter mirrored into an Mcp-Param-{name} header (x-mcp-header in its inputSchema,
// reachable from the root through "properties" keys only).
struct ParamHeader {
  std::string name;               // lowercased, without the Mcp-Param- prefix
  std::vector<std::string> path;  // property names from the arguments object down
};
std::vector<ParamHeader> param_headers_of(const json::Value& input_schema);

// Specification 2026-07-28, basic/transports/streamable-http, "Server Behavior for Custom
// Headers": every annotated parameter present in arguments (and not null) must come with its
// header, equal after decoding; integers compare as numbers. headers: lowercased name without
// the prefix -> raw value.
std::optional<Rejection> check_param_headers(
    const std::vector<ParamHeader>& params, const json::Value* arguments,
    const std::vector<std::pair<std::string, std::string>>& headers);

// The error object for an UnsupportedProtocolVersionError's data member.
std::string unsupported_version_data(std::string_view requested);

}  // namespace mcp::modern
