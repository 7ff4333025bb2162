// JSON-RPC 2.0 message classification and construction (https://www.jsonrpc.org/specification).
// Pure: no I/O, no logging. Ids are kept as their JSON text ("1" vs "\"1\"") so that a number
// and a string with the same digits can never be confused when answers are routed back.
#pragma once

#include <string>
#include <string_view>

#include "protocol/json.hpp"

namespace mcp::jsonrpc {

enum class Kind { request, notification, response, invalid };

struct Classified {
  Kind kind = Kind::invalid;
  std::string_view method;  // requests and notifications
  const char* reason = "";  // why a message is invalid
};

// Classifies a parsed message. A message without "jsonrpc":"2.0", with a non-string method,
// or with an id that is neither a string nor an integer is invalid.
Classified classify(const json::Value& msg);

namespace code {
constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;
constexpr int internal_error = -32603;
// The TypeScript SDK's ConnectionClosed and RequestTimeout; clients already know them.
constexpr int connection_closed = -32000;
constexpr int request_timeout = -32001;
// MCP: resource not found (specification, server/resources, "Error Handling").
constexpr int resource_not_found = -32002;
}  // namespace code

// The id of a message as JSON text, or "null" when absent.
std::string id_text(const json::Value& msg);

// A complete error response. id_json is JSON text ("null" when the id is unknown).
std::string error_response(std::string_view id_json, int code, std::string_view message);

// A complete result response; result_json is JSON text.
std::string result_response(std::string_view id_json, std::string_view result_json);

// A notification with params given as JSON text (empty: no params).
std::string notification(std::string_view method, std::string_view params_json = {});

}  // namespace mcp::jsonrpc
