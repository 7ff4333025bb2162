#pragma once

#include <set>
#include <string>
#include <string_view>

#include "client_requests.hpp"
#include "journal.hpp"
#include "options.hpp"
#include "tools.hpp"

namespace testserver {

// What this server remembers about its one client session. Touched only on the stdin thread
// (request handlers and the synchronous tools below).
struct SessionState {
  std::string log_level = "info";    // logging/setLevel; messages below it are not sent
  std::set<std::string> subscribed;  // resources/subscribe minus resources/unsubscribe
  bool extra_prompt = false;         // toggle_prompt
  bool extra_resource = false;       // toggle_resource
};

// RFC 5424 severities in the order MCP uses for logging/setLevel; -1 for an unknown name.
int log_level_rank(std::string_view level);

// The tools that exercise the protocol's less common paths (--protocol-tools): server-to-client
// requests and cancellations, logging, resource updates, list changes of prompts and resources,
// progress floods, a tool carrying every optional field, and the journal of what arrived.
void add_protocol_tools(Tools& tools, SessionState& state, Journal& journal,
                        ClientRequests& requests);

// The extra prompt and resource that toggle_prompt and toggle_resource add.
inline constexpr const char* kExtraPromptName = "extra_prompt";
std::string extra_resource_uri(const Options& options);
void write_extra_prompt_definition(JsonWriter& writer);
WriteFn get_extra_prompt();
void write_extra_resource(JsonWriter& writer, const Options& options);

}  // namespace testserver
