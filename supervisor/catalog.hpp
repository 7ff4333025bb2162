// What clients see: every ready server's tools, prompts, resources and resource templates,
// merged, renamed (protocol/tool_names.hpp) and filtered, with the routes back to the owners.
// Clients' list requests are answered from here, never by fanning out to backends
// (design.md, "Catalog, not fan-out per call"). Pure: no I/O; rebuilt on the loop whenever a
// server's lists change.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.hpp"
#include "protocol/json.hpp"
#include "protocol/mcp.hpp"
#include "protocol/modern_request.hpp"

namespace mcp::supervisor {

// One server's lists as its backend announced them.
struct ServerLists {
  std::string server;
  std::string prefix;
  ToolFilter filter;
  std::array<json::StoredValue, 4> lists;  // indexed by ListKind; each an array of objects

  json::StoredValue& list(ListKind k) { return lists[static_cast<std::size_t>(k)]; }
  const json::StoredValue& list(ListKind k) const { return lists[static_cast<std::size_t>(k)]; }
};

struct Route {
  std::string server;
  std::string original;  // the backend's own name
  // Tools: parameters mirrored into Mcp-Param-* headers, checked on 2026-07-28 calls.
  std::vector<modern::ParamHeader> param_headers;
};

class Catalog {
 public:
  // servers in a stable order (by name): the first to claim an exposed name keeps it.
  void rebuild(const std::vector<const ServerLists*>& servers, const NamingRules& rules);

  const Route* tool(std::string_view exposed) const;
  const Route* prompt(std::string_view exposed) const;
  // The server that owns a resource URI: listed resources first, then the template with the
  // longest matching literal prefix.
  std::optional<std::string> resource_owner(std::string_view uri) const;
  // The server that announced this exact URI template.
  std::optional<std::string> template_owner(std::string_view uri_template) const;

  // A list result as JSON text: {"tools":[...],"nextCursor":"..."}. The cursor is an offset;
  // an invalid cursor yields nullopt (the caller answers -32602).
  std::optional<std::string> list_result(ListKind kind, std::string_view cursor,
                                         std::size_t page_size) const;
  // The exposed items of one kind as one JSON array; compared to detect changes.
  std::string items_json(ListKind kind) const;

  std::size_t count(ListKind kind, const std::string& server) const;
  std::size_t total(ListKind kind) const { return items_[index(kind)].size(); }

 private:
  static std::size_t index(ListKind k) { return static_cast<std::size_t>(k); }

  std::array<std::vector<std::string>, 4> items_;  // exposed items, JSON text, catalog order
  std::unordered_map<std::string, Route> tools_;
  std::unordered_map<std::string, Route> prompts_;
  std::unordered_map<std::string, std::string> resources_;              // uri -> server
  std::vector<std::pair<std::string, std::string>> template_prefixes_;  // literal prefix, server
  std::unordered_map<std::string, std::string> templates_;              // uriTemplate -> server
  std::map<std::pair<std::size_t, std::string>, std::size_t> counts_;
};

}  // namespace mcp::supervisor
