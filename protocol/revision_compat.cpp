#include "protocol/revision_compat.hpp"

#include <string>

namespace mcp {

namespace {

// Revisions are dates, so they order as strings.
bool older_than(std::string_view version, std::string_view revision) {
  return version < revision;
}

int adapt_block(json::Value& block, json::Allocator& a, std::string_view version, int index) {
  if (!block.IsObject()) return 0;
  const std::string_view type = json::string_member(block, "type").value_or("");
  if (type == "audio" && older_than(version, "2025-03-26")) {
    json::Value resource(rapidjson::kObjectType);
    resource.AddMember("uri", json::string_value("mcproxy:audio/" + std::to_string(index), a), a);
    if (auto mime = json::string_member(block, "mimeType")) {
      resource.AddMember("mimeType", json::string_value(*mime, a), a);
    }
    resource.AddMember("blob",
                       json::string_value(json::string_member(block, "data").value_or(""), a), a);
    json::Value replacement(rapidjson::kObjectType);
    replacement.AddMember("type", "resource", a);
    replacement.AddMember("resource", resource, a);
    block = std::move(replacement);
    return 1;
  }
  if (type == "resource_link" && older_than(version, "2025-06-18")) {
    const auto uri = json::string_member(block, "uri").value_or("");
    const auto name = json::string_member(block, "title")
                          .value_or(json::string_member(block, "name").value_or(uri));
    std::string text = "Resource link: " + std::string(name) + " <" + std::string(uri) + ">";
    if (auto description = json::string_member(block, "description")) {
      text += " — " + std::string(*description);
    }
    json::Value replacement(rapidjson::kObjectType);
    replacement.AddMember("type", "text", a);
    replacement.AddMember("text", json::string_value(text, a), a);
    block = std::move(replacement);
    return 1;
  }
  return 0;
}

}  // namespace

int adapt_result_to_revision(json::Value& result, json::Allocator& a, std::string_view method,
                             std::string_view client_version) {
  if (!result.IsObject() || !older_than(client_version, "2025-06-18")) return 0;
  int changed = 0;
  int index = 0;
  if (method == "tools/call" && result.HasMember("content") && result["content"].IsArray()) {
    for (auto& block : result["content"].GetArray())
      changed += adapt_block(block, a, client_version, index++);
  }
  if (method == "prompts/get" && result.HasMember("messages") && result["messages"].IsArray()) {
    for (auto& message : result["messages"].GetArray()) {
      if (message.IsObject() && message.HasMember("content")) {
        changed += adapt_block(message["content"], a, client_version, index++);
      }
    }
  }
  return changed;
}

}  // namespace mcp
