#include "protocol/modern_meta.hpp"

#include "protocol/json.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp::modern {

std::string meta_object(const RequestMeta& meta) {
  std::string out = "{";
  out += json::quote(meta::protocol_version) + ":" + json::quote(meta.protocol_version);
  if (!meta.client_capabilities_json.empty()) {
    out += ",";
    out += json::quote(meta::client_capabilities) + ":" + meta.client_capabilities_json;
  }
  if (!meta.client_info_json.empty()) {
    out += ",";
    out += json::quote(meta::client_info) + ":" + meta.client_info_json;
  }
  if (!meta.log_level.empty()) {
    out += ",";
    out += json::quote(meta::log_level) + ":" + json::quote(meta.log_level);
  }
  out += "}";
  return out;
}

namespace {

// Adds key: value (JSON text) to obj unless present; returns whether it added.
bool add_missing(json::Value& obj, const char* key, std::string_view value_json,
                 json::Allocator& a) {
  if (value_json.empty() || obj.HasMember(key)) return false;
  json::Document parsed;
  if (json::parse(value_json, parsed)) return false;
  json::Value copy(parsed, a);
  obj.AddMember(json::Value(key, a), copy, a);
  return true;
}

}  // namespace

MetaInjection add_request_meta(std::string_view message, const RequestMeta& meta) {
  MetaInjection out;
  out.text = std::string(message);
  json::Document doc;
  if (json::parse(message, doc) || !doc.IsObject()) return out;
  if (jsonrpc::classify(doc).kind != jsonrpc::Kind::request) {
    out.outcome = MetaOutcome::not_request;
    return out;
  }
  auto& a = doc.GetAllocator();
  if (!doc.HasMember("params") || !doc["params"].IsObject()) {
    json::set_member(doc, "params", json::Value(rapidjson::kObjectType), a);
  }
  json::Value& params = doc["params"];
  if (!params.HasMember("_meta") || !params["_meta"].IsObject()) {
    json::set_member(params, "_meta", json::Value(rapidjson::kObjectType), a);
  }
  json::Value& m = params["_meta"];
  out.from_modern_client = m.HasMember(meta::protocol_version);
  bool added = false;
  if (!out.from_modern_client && !meta.log_level.empty()) {
    added |= add_missing(m, meta::log_level, json::quote(meta.log_level), a);
  }
  added |= add_missing(m, meta::protocol_version, json::quote(meta.protocol_version), a);
  added |= add_missing(m, meta::client_info, meta.client_info_json, a);
  added |= add_missing(m, meta::client_capabilities, meta.client_capabilities_json, a);
  if (!added) {
    out.outcome = MetaOutcome::unchanged;
    return out;
  }
  out.outcome = MetaOutcome::added;
  out.text = json::to_string(doc);
  return out;
}

}  // namespace mcp::modern
