// MCP constants the gateway relies on: protocol revisions and method names.
// Pure: no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace mcp {

// Revisions we negotiate, oldest first. Specification, basic/lifecycle, "Version Negotiation":
// the server answers with the client's version when it supports it, else with its latest.
inline constexpr std::array<std::string_view, 4> legacy_protocol_versions = {
    "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
inline constexpr std::string_view latest_legacy_protocol_version = "2025-11-25";
// Streamable HTTP: a request without MCP-Protocol-Version is assumed to speak 2025-03-26.
inline constexpr std::string_view default_http_protocol_version = "2025-03-26";

constexpr bool is_supported_legacy_version(std::string_view v) {
  for (auto known : legacy_protocol_versions) {
    if (known == v) return true;
  }
  return false;
}

// server/utilities/logging: the eight syslog severities, least severe first; -1 when unknown.
constexpr int log_level_rank(std::string_view level) {
  constexpr std::array<std::string_view, 8> levels = {"debug", "info",     "notice", "warning",
                                                      "error", "critical", "alert",  "emergency"};
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

// The kinds of catalog entries a backend announces, in the order workers fetch them.
enum class ListKind { tools, prompts, resources, resource_templates };
inline constexpr std::array<ListKind, 4> all_list_kinds = {
    ListKind::tools, ListKind::prompts, ListKind::resources, ListKind::resource_templates};

// Everything the protocol names about one kind of list, in one row per kind.
struct ListInfo {
  std::string_view method;                // the request that lists it
  const char* result_member;              // the member of the result that holds the items
  const char* capability;                 // what a server announces before we ask for it
  std::string_view changed_notification;  // what a server sends when it changes
};

inline constexpr std::array<ListInfo, 4> list_infos = {{
    {"tools/list", "tools", "tools", "notifications/tools/list_changed"},
    {"prompts/list", "prompts", "prompts", "notifications/prompts/list_changed"},
    {"resources/list", "resources", "resources", "notifications/resources/list_changed"},
    // Templates have no capability or notification of their own: they ride on resources'.
    {"resources/templates/list", "resourceTemplates", "resources",
     "notifications/resources/list_changed"},
}};

constexpr const ListInfo& list_info(ListKind k) {
  return list_infos[static_cast<std::size_t>(k)];
}
constexpr std::string_view list_method(ListKind k) {
  return list_info(k).method;
}
constexpr const char* list_result_member(ListKind k) {
  return list_info(k).result_member;
}
constexpr const char* list_capability(ListKind k) {
  return list_info(k).capability;
}
constexpr std::string_view list_changed_notification(ListKind k) {
  return list_info(k).changed_notification;
}

// The first kind whose field (e.g. &ListInfo::method) equals value; for a changed
// notification that is resources, not resource templates.
template <typename Field>
constexpr std::optional<ListKind> find_list_kind(Field ListInfo::*field, std::string_view value) {
  for (ListKind k : all_list_kinds) {
    if (std::string_view(list_info(k).*field) == value) return k;
  }
  return std::nullopt;
}

}  // namespace mcp
