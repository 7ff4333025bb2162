// Custom headers from tool parameters (specification 2026-07-28, basic/transports/
// streamable-http "Custom Headers from Tool Parameters"): a modern server may mark properties
// of a tool's inputSchema with "x-mcp-header": NAME; a client calling the tool over
// Streamable HTTP MUST send the argument's value as the header Mcp-Param-NAME, and MUST leave
// out (of tools/list) a tool whose annotations break the rules. Pure: no I/O, no logging.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "protocol/json.hpp"
#include "worker/http_lane.hpp"

namespace mcp::worker {

struct HeaderParam {
  std::vector<std::string> path;  // property names from the schema root to the argument
  std::string name;               // Mcp-Param-<name>
  std::string type;               // "string", "integer" or "boolean"
};

// The annotated parameters of an inputSchema, or nullopt with error set when an annotation is
// invalid: empty or not an HTTP token, not unique (case-insensitively), on a property that is
// not a string, integer or boolean, or not reachable through "properties" alone.
std::optional<std::vector<HeaderParam>> header_params(const json::Value& input_schema,
                                                      std::string& error);

// The Mcp-Param-* headers for one call's arguments: one per annotated parameter whose value is
// there and not null, encoded (remote_message.hpp's encode_header_value).
HeaderList param_headers(const std::vector<HeaderParam>& params, const json::Value* arguments);

// Tool name -> its annotated parameters, for the tools of one server that have any.
using ToolHeaderParams = std::map<std::string, std::vector<HeaderParam>, std::less<>>;

}  // namespace mcp::worker
