// What the HTTP transports of a remote backend need to know about the JSON-RPC messages they
// carry: which way an outgoing one should travel, and incoming bodies turned into the
// worker's one-message-per-line form. Pure: no I/O, no logging.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcp::worker {

struct OutgoingMessage {
  enum class Origin { supervisor_call, worker, other };
  std::string method;   // requests and notifications
  std::string id_json;  // requests only: the id as JSON text; empty otherwise
  // notifications/cancelled: the id of the request it cancels, as JSON text.
  std::string cancels_id_json;
  // supervisor_call: a request with an integer id, i.e. a client's call the supervisor
  // forwards (protocol/channel.hpp); worker: a request of the worker's own ("mcproxy:" ids);
  // other: notifications, responses, anything unparsable.
  Origin origin = Origin::other;
  // A modern (2026-07-28) message: the protocol version its params._meta carries; empty for
  // a legacy one. It becomes the MCP-Protocol-Version header.
  std::string modern_version;
  // Modern tools/call and prompts/get: params.name; resources/read: params.uri; encoded for
  // the Mcp-Name header (streamable-http "Standard Request Headers", "Value Encoding").
  std::string mcp_name;
};

OutgoingMessage classify_outgoing(std::string_view text);

// A value for Mcp-Name or Mcp-Param-*: as it is when it is plain visible ASCII without
// leading or trailing space, else (and when it looks like the sentinel itself)
// "=?base64?<base64 of its UTF-8>?=" (2026-07-28 streamable-http, "Value Encoding").
std::string encode_header_value(std::string_view value);

struct IncomingMessage {
  std::string text;         // compact JSON on one line, safe for newline framing
  std::string response_id;  // a response's id as JSON text; empty for other messages
};

// Turns an HTTP body or an SSE "message" event into messages: one JSON-RPC message, or a
// batch (a JSON array, allowed before 2025-06-18) split into its elements. Text that is not
// JSON yields no message and sets error.
std::vector<IncomingMessage> split_incoming(std::string_view body, std::string& error);

// True when the answer to a request that carried Mcp-Session-Id says the session is unknown:
// 404 per the specification (basic/transports, "Session Management"), or a 400 whose body
// talks about the session, which is what servers built on the TypeScript SDK's examples send
// (server-everything among them).
bool session_unknown(int status, std::string_view body_excerpt);

// 502, 503, 504: what a reverse proxy answers when the server behind it is down. For the
// worker's own requests (pings above all) this means the server is gone, not that it answered.
constexpr bool upstream_unavailable(int status) {
  return status == 502 || status == 503 || status == 504;
}

}  // namespace mcp::worker
