// The MCP messages mcp-raw-latency sends, and the checks on what comes back.
//
// JSON is checked by looking for members in the text, not parsed: the answers come from our own
// test server (rapidjson, compact) or a gateway relaying it, and a parser would add the
// client-side cost this tool exists to leave out. The echo text is unique per session and call,
// so an answer cannot be mistaken for another.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace raw_client {

constexpr const char* protocol_version = "2025-06-18";

constexpr std::string_view initialized_notification =
    R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

std::string initialize_request(long id);
std::string call_request(long id, std::string_view tool, std::string_view text);

// Position just after `"key"` + optional whitespace + ':' + optional whitespace, from `from` on.
std::optional<std::size_t> member_value(std::string_view json, std::string_view key,
                                        std::size_t from = 0);

// A JSON-RPC response to request `id` (a number): has that id and no "method".
bool is_response_to(std::string_view json, long id);

// The value of a string member (no escapes expected), or "" when absent.
std::string string_value(std::string_view json, std::string_view key);

// The first 300 characters, trailing white space removed, for error messages.
std::string excerpt(std::string_view s);

// JSON string contents for `s` (quotes, backslashes and control characters escaped).
std::string json_escape(std::string_view s);

enum class EchoVerdict {
  right,         // a result with our text
  wrong_answer,  // a result with another text: another call's answer (another session's?)
  failed,        // an error, isError, or no result at all
};

struct EchoCheck {
  EchoVerdict verdict = EchoVerdict::right;
  std::string message;  // empty when right
};

// The echo answer must be a result (not an error, not isError) whose text is `text`.
EchoCheck check_echo(std::string_view answer, std::string_view text);

}  // namespace raw_client
