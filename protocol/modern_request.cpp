#include "protocol/modern_request.hpp"

#include <cstdlib>

#include "protocol/ascii.hpp"
#include "protocol/base64.hpp"
#include "protocol/mcp.hpp"

namespace mcp::modern {

namespace {

// RFC 9110 field values: visible ASCII, space and horizontal tab.
bool plain_header_value(std::string_view v) {
  for (unsigned char c : v) {
    if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
  }
  return true;
}

Rejection mismatch(std::string message) {
  return Rejection{400, code::header_mismatch, "Header mismatch: " + std::move(message), {}};
}

}  // namespace

const json::Value* request_meta(const json::Value& msg) {
  const json::Value* params = json::object_member(msg, "params");
  return params ? json::object_member(*params, "_meta") : nullptr;
}

bool is_modern_request(const json::Value& msg, const std::optional<std::string>& header_version) {
  if (header_version && !is_supported_legacy_version(*header_version)) return true;
  const json::Value* meta = request_meta(msg);
  return meta != nullptr && json::member(*meta, meta::protocol_version) != nullptr;
}

std::optional<std::string> decode_header_value(std::string_view value) {
  constexpr std::string_view prefix = "=?base64?", suffix = "?=";
  if (value.size() >= prefix.size() + suffix.size() && value.substr(0, prefix.size()) == prefix &&
      value.substr(value.size() - suffix.size()) == suffix) {
    return base64::decode(value.substr(prefix.size(), value.size() - prefix.size() - suffix.size()),
                          base64::Form::standard);
  }
  if (!plain_header_value(value)) return std::nullopt;
  return std::string(value);
}

std::string unsupported_version_data(std::string_view requested) {
  std::string data = "{\"supported\":[";
  for (std::size_t i = 0; i < supported_versions.size(); ++i) {
    if (i) data += ',';
    data += json::quote(supported_versions[i]);
  }
  return data + "],\"requested\":" + json::quote(requested) + "}";
}

std::optional<Rejection> check_request(const json::Value& msg, const RequestHeaders& headers) {
  if (!headers.protocol_version) return mismatch("the MCP-Protocol-Version header is missing");
  const json::Value* meta = request_meta(msg);
  const auto body_version =
      meta ? json::string_member(*meta, meta::protocol_version) : std::nullopt;
  const bool has_capabilities =
      meta != nullptr && json::object_member(*meta, meta::client_capabilities) != nullptr;
  if (!body_version || !has_capabilities) {
    std::string missing = body_version ? "" : meta::protocol_version;
    if (!has_capabilities) {
      missing += std::string(missing.empty() ? "" : ", ") + meta::client_capabilities;
    }
    return Rejection{400, -32602, "Invalid params: params._meta lacks " + missing, {}};
  }
  if (*body_version != *headers.protocol_version) {
    return mismatch("MCP-Protocol-Version header value '" + *headers.protocol_version +
                    "' does not match _meta value '" + std::string(*body_version) + "'");
  }
  if (!is_modern_version(*body_version)) {
    return Rejection{400, code::unsupported_protocol_version, "Unsupported protocol version",
                     unsupported_version_data(*body_version)};
  }
  const std::string_view method = json::string_member(msg, "method").value_or("");
  if (!headers.method) return mismatch("the Mcp-Method header is missing");
  if (*headers.method != method) {
    return mismatch("Mcp-Method header value '" + *headers.method +
                    "' does not match body value '" + std::string(method) + "'");
  }
  const char* name_field = method == "tools/call" || method == "prompts/get" ? "name"
                           : method == "resources/read"                      ? "uri"
                                                                             : nullptr;
  if (name_field == nullptr) return std::nullopt;
  if (!headers.name) return mismatch("the Mcp-Name header is missing");
  const auto decoded = decode_header_value(*headers.name);
  if (!decoded) return mismatch("the Mcp-Name header value is malformed");
  const json::Value* params = json::object_member(msg, "params");
  const auto body_name = params ? json::string_member(*params, name_field) : std::nullopt;
  if (!body_name || *body_name != *decoded) {
    return mismatch("Mcp-Name header value '" + *decoded + "' does not match body value '" +
                    std::string(body_name.value_or("")) + "'");
  }
  return std::nullopt;
}

namespace {

constexpr int max_schema_depth = 16;

bool walk_properties(
    const json::Value& schema, std::vector<std::string>& path,
    const std::function<bool(const std::vector<std::string>&, const json::Value&)>& fn) {
  const json::Value* props = json::object_member(schema, "properties");
  if (props == nullptr || path.size() >= max_schema_depth) return true;
  for (const auto& m : props->GetObject()) {
    if (!m.value.IsObject()) continue;
    path.emplace_back(m.name.GetString(), m.name.GetStringLength());
    const bool go_on = fn(path, m.value) && walk_properties(m.value, path, fn);
    path.pop_back();
    if (!go_on) return false;
  }
  return true;
}

}  // namespace

void for_each_schema_property(const json::Value& schema,
                              const std::function<bool(const std::vector<std::string>& path,
                                                       const json::Value& property)>& fn) {
  if (!schema.IsObject()) return;
  std::vector<std::string> path;
  walk_properties(schema, path, fn);
}

std::vector<ParamHeader> param_headers_of(const json::Value& input_schema) {
  std::vector<ParamHeader> out;
  for_each_schema_property(input_schema, [&](const auto& path, const json::Value& property) {
    if (auto header = json::string_member(property, "x-mcp-header")) {
      out.push_back({ascii::lowered(*header), path});
    }
    return true;
  });
  return out;
}

std::optional<Rejection> check_param_headers(
    const std::vector<ParamHeader>& params, const json::Value* arguments,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& param : params) {
    const json::Value* value = arguments;
    for (const auto& key : param.path) {
      value = value ? json::member(*value, key.c_str()) : nullptr;
    }
    const std::string* header = nullptr;
    for (const auto& [name, v] : headers) {
      if (name == param.name) header = &v;
    }
    if (value == nullptr || value->IsNull()) continue;  // the client omits the header
    if (header == nullptr) return mismatch("the Mcp-Param-" + param.name + " header is missing");
    const auto decoded = decode_header_value(*header);
    if (!decoded) return mismatch("the Mcp-Param-" + param.name + " header value is malformed");
    bool equal = false;
    if (value->IsString()) {
      equal = *decoded == std::string_view(value->GetString(), value->GetStringLength());
    } else if (value->IsBool()) {
      equal = *decoded == (value->GetBool() ? "true" : "false");
    } else if (value->IsNumber()) {
      char* end = nullptr;
      const double header_number = std::strtod(decoded->c_str(), &end);
      equal = !decoded->empty() && end == decoded->c_str() + decoded->size() &&
              header_number == value->GetDouble();
    }
    if (!equal) {
      return mismatch("Mcp-Param-" + param.name + " header value '" + *decoded +
                      "' does not match the argument");
    }
  }
  return std::nullopt;
}

}  // namespace mcp::modern
