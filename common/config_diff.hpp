// What a reload changes. Pure: compares two validated configs.
//
// A server whose process-shaping fields changed (command, args, env, cwd, url, transport,
// headers, limits, disabled) must be restarted; one where only how it is presented changed
// (prefix, tool filter, call timeout) keeps its worker and backend, and only its catalog
// entries move. Unchanged servers are not touched at all (design.md, "Reload is a diff").
#pragma once

#include <string>
#include <vector>

#include "common/config.hpp"

namespace mcp {

struct ConfigDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> restarted;  // process-shaping fields changed
  std::vector<std::string> retuned;    // only prefix, tool filter or timeout changed
  std::vector<std::string> unchanged;
  // The "mcproxy" keys that changed, as written in the file ("maxSessions", "auth.bearerTokens"),
  // listen apart; every one of them takes effect at once.
  std::vector<std::string> gateway_keys;
  bool gateway_changed = false;  // any key but listen
  bool listen_changed = false;   // the front moves to the new address (connections stay)

  bool empty() const {
    return added.empty() && removed.empty() && restarted.empty() && retuned.empty() &&
           !gateway_changed && !listen_changed;
  }
  // "added: a; removed: b; restarted: c; retuned: d; gateway settings: maxSessions" (parts
  // with nothing are left out).
  std::string summary() const;
};

ConfigDiff diff_configs(const Config& before, const Config& after);

// True when two entries differ in a field that needs a new process.
bool needs_restart(const ServerConfig& before, const ServerConfig& after);

}  // namespace mcp
