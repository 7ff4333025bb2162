#include "worker/remote_message.hpp"

#include <algorithm>

#include "protocol/ascii.hpp"
#include "protocol/base64.hpp"
#include "protocol/channel.hpp"
#include "protocol/json.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/modern_meta.hpp"

namespace mcp::worker {

namespace {

IncomingMessage make_incoming(const json::Value& msg, std::string_view original) {
  IncomingMessage m;
  // Pretty-printed JSON (legal in an HTTP body or spread over several SSE data lines) is
  // re-serialized; compact text passes unchanged.
  const bool one_line = original.find_first_of("\r\n") == std::string_view::npos;
  m.text = one_line && !original.empty() ? std::string(original) : json::to_string(msg);
  if (jsonrpc::classify(msg).kind == jsonrpc::Kind::response) m.response_id = jsonrpc::id_text(msg);
  return m;
}

}  // namespace

OutgoingMessage classify_outgoing(std::string_view text) {
  OutgoingMessage out;
  json::Document doc;
  if (json::parse(text, doc)) return out;
  const auto c = jsonrpc::classify(doc);
  out.method = std::string(c.method);
  if (c.kind == jsonrpc::Kind::notification && out.method == "notifications/cancelled") {
    if (const json::Value* params = json::object_member(doc, "params")) {
      if (const json::Value* id = json::member(*params, "requestId")) {
        out.cancels_id_json = json::to_string(*id);
      }
    }
  }
  const json::Value* params = json::object_member(doc, "params");
  const json::Value* meta = params ? json::object_member(*params, "_meta") : nullptr;
  if (meta != nullptr) {
    out.modern_version =
        std::string(json::string_member(*meta, modern::meta::protocol_version).value_or(""));
  }
  if (c.kind != jsonrpc::Kind::request) return out;
  if (!out.modern_version.empty() && params != nullptr) {
    const char* field = out.method == "resources/read"                              ? "uri"
                        : out.method == "tools/call" || out.method == "prompts/get" ? "name"
                                                                                    : nullptr;
    if (auto v = field ? json::string_member(*params, field) : std::nullopt) {
      out.mcp_name = encode_header_value(*v);
    }
  }
  out.id_json = jsonrpc::id_text(doc);
  const json::Value& id = doc["id"];
  if (id.IsInt64() || id.IsUint64()) {
    out.origin = OutgoingMessage::Origin::supervisor_call;
  } else if (id.IsString() && std::string_view(id.GetString(), id.GetStringLength())
                                  .starts_with(channel::worker_id_prefix)) {
    out.origin = OutgoingMessage::Origin::worker;
  }
  return out;
}

std::vector<IncomingMessage> split_incoming(std::string_view body, std::string& error) {
  std::vector<IncomingMessage> out;
  json::Document doc;
  if (auto e = json::parse(body, doc)) {
    error = "not JSON (" + e->message + " at byte " + std::to_string(e->offset) + ")";
    return out;
  }
  if (doc.IsArray()) {
    for (const auto& element : doc.GetArray()) out.push_back(make_incoming(element, {}));
  } else {
    out.push_back(make_incoming(doc, body));
  }
  return out;
}

std::string encode_header_value(std::string_view value) {
  const bool plain = !value.empty() && value.front() != ' ' && value.back() != ' ' &&
                     std::all_of(value.begin(), value.end(),
                                 [](char ch) {
                                   const auto u = static_cast<unsigned char>(ch);
                                   return u >= 0x20 && u <= 0x7e;
                                 }) &&
                     !(value.starts_with("=?base64?") && value.ends_with("?="));
  if (plain) return std::string(value);
  return "=?base64?" + base64::encode(value, base64::Form::standard) + "?=";
}

bool session_unknown(int status, std::string_view body_excerpt) {
  if (status == 404) return true;
  if (status != 400) return false;
  return ascii::lowered(body_excerpt).find("session") != std::string::npos;
}

}  // namespace mcp::worker
