// MCP constants the gateway relies on: protocol revisions and method names.
// Pure: no I/O.
#pragma once

#include <array>
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

// The kinds of catalog entries a backend announces, in the order workers fetch them.
enum class ListKind { tools, prompts, resources, resource_templates };
inline constexpr std::array<ListKind, 4> all_list_kinds = {
    ListKind::tools, ListKind::prompts, ListKind::resources, ListKind::resource_templates};

constexpr std::string_view list_method(ListKind k) {
  switch (k) {
    case ListKind::tools:
      return "tools/list";
    case ListKind::prompts:
      return "prompts/list";
    case ListKind::resources:
      return "resources/list";
    case ListKind::resource_templates:
      return "resources/templates/list";
  }
  return "";
}

// The member of a list result that holds the items.
constexpr const char* list_result_member(ListKind k) {
  switch (k) {
    case ListKind::tools:
      return "tools";
    case ListKind::prompts:
      return "prompts";
    case ListKind::resources:
      return "resources";
    case ListKind::resource_templates:
      return "resourceTemplates";
  }
  return "";
}

// The capability a server must announce before we ask for that list.
constexpr const char* list_capability(ListKind k) {
  switch (k) {
    case ListKind::tools:
      return "tools";
    case ListKind::prompts:
      return "prompts";
    case ListKind::resources:
    case ListKind::resource_templates:
      return "resources";
  }
  return "";
}

constexpr std::string_view list_changed_notification(ListKind k) {
  switch (k) {
    case ListKind::tools:
      return "notifications/tools/list_changed";
    case ListKind::prompts:
      return "notifications/prompts/list_changed";
    case ListKind::resources:
    case ListKind::resource_templates:
      return "notifications/resources/list_changed";
  }
  return "";
}

}  // namespace mcp
