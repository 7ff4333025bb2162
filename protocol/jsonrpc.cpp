#include "protocol/jsonrpc.hpp"

namespace mcp::jsonrpc {

namespace {

bool valid_id(const json::Value& id) {
  return id.IsString() || id.IsInt64() || id.IsUint64();
}

void append_json_string(std::string& out, std::string_view s) {
  out += json::quote(s);
}

}  // namespace

Classified classify(const json::Value& msg) {
  Classified c;
  if (!msg.IsObject()) {
    c.reason = "message is not a JSON object";
    return c;
  }
  auto version = json::string_member(msg, "jsonrpc");
  if (!version || *version != "2.0") {
    c.reason = "missing \"jsonrpc\": \"2.0\"";
    return c;
  }
  const json::Value* id = json::member(msg, "id");
  const json::Value* method = json::member(msg, "method");
  if (method != nullptr) {
    if (!method->IsString()) {
      c.reason = "\"method\" must be a string";
      return c;
    }
    if (const json::Value* params = json::member(msg, "params");
        params != nullptr && !params->IsObject() && !params->IsArray()) {
      c.reason = "\"params\" must be an object or an array";
      return c;
    }
    c.method = std::string_view(method->GetString(), method->GetStringLength());
    if (id == nullptr) {
      c.kind = Kind::notification;
    } else if (valid_id(*id)) {
      c.kind = Kind::request;
    } else {
      c.reason = "\"id\" must be a string or an integer";
    }
    return c;
  }
  const bool has_result = json::member(msg, "result") != nullptr;
  const bool has_error = json::object_member(msg, "error") != nullptr;
  if (id != nullptr && (valid_id(*id) || id->IsNull()) && has_result != has_error) {
    c.kind = Kind::response;
    return c;
  }
  c.reason = "neither a request, a notification nor a response";
  return c;
}

std::string id_text(const json::Value& msg) {
  const json::Value* id = json::member(msg, "id");
  return id == nullptr ? "null" : json::to_string(*id);
}

std::string error_response(std::string_view id_json, int code, std::string_view message) {
  std::string out;
  out.reserve(64 + message.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id_json;
  out += R"(,"error":{"code":)";
  out += std::to_string(code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

std::string result_response(std::string_view id_json, std::string_view result_json) {
  std::string out;
  out.reserve(40 + result_json.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id_json;
  out += R"(,"result":)";
  out += result_json;
  out += "}";
  return out;
}

std::string notification(std::string_view method, std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","method":)";
  append_json_string(out, method);
  if (!params_json.empty()) {
    out += R"(,"params":)";
    out += params_json;
  }
  out += "}";
  return out;
}

}  // namespace mcp::jsonrpc
