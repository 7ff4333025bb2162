// ${NAME} references in the "headers" of a remote server, filled in from the worker's
// environment, so that tokens need not be written into the config file:
//   "Authorization": "Bearer ${PLAYWRIGHT_TOKEN}"
// Pure: the environment is looked up through a function. Errors name the variable, never a
// value (header values are secrets).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::worker {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Replaces every ${NAME} (NAME: [A-Za-z_][A-Za-z0-9_]*) in text. A '$' not followed by '{' is
// kept as it is. An undefined variable, an unterminated "${" or an invalid name is an error:
// returns nullopt and sets error.
std::optional<std::string> expand_env_refs(std::string_view text, const EnvLookup& lookup,
                                           std::string& error);

// Looks names up in this process's environment.
std::optional<std::string> process_env(const std::string& name);

}  // namespace mcp::worker
