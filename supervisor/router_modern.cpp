// The router's side of MCP 2026-07-28 ("modern") clients. A modern request carries its whole
// context in params._meta and has no session (specification 2026-07-28, basic/versioning), so
// each one is served on its own: server/discover and the lists from the catalog, calls through
// the same forwarding as legacy sessions under a transient session that ends with the call,
// and subscriptions/listen as a long-lived stream of the change notifications it opted in to.
#include <algorithm>
#include <array>

#include "build_config.hpp"
#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/mcp.hpp"
#include "protocol/modern_request.hpp"
#include "supervisor/router.hpp"

namespace mcp::supervisor {

namespace {

// Specification 2026-07-28, basic/transports/streamable-http: an unknown method is a 404, and
// the version, header and capability errors are 400s.
int http_status_for(int code) {
  if (code == jsonrpc::code::method_not_found) return 404;
  if (code == modern::code::header_mismatch || code == modern::code::missing_client_capability ||
      code == modern::code::unsupported_protocol_version) {
    return 400;
  }
  return 0;
}

void add_member(json::Document& doc, json::Value& obj, const char* name, json::Value v) {
  json::set_member(obj, name, std::move(v), doc.GetAllocator());
}

}  // namespace

std::string Router::result_meta() const {
  return "{\"" + std::string(modern::meta::server_info) +
         "\":{\"name\":\"mcproxy\",\"title\":\"MCProxy\",\"version\":" +
         json::quote(MCPROXY_VERSION) + "}}";
}

void Router::handle_modern(json::Document message,
                           const std::vector<std::pair<std::string, std::string>>& param_headers,
                           std::shared_ptr<Outbox> reply) {
  const auto c = jsonrpc::classify(message);
  if (c.kind != jsonrpc::Kind::request) {
    // Notifications need no answer; this revision defines none a client sends over HTTP.
    reply->push({"", true, 202});
    return;
  }
  const std::string id = jsonrpc::id_text(message);
  const std::string_view method = c.method;
  if (method == "server/discover") {
    answer_discover(message, reply);
    return;
  }
  if (auto kind = find_list_kind(&ListInfo::method, method)) {
    answer_list_modern(*kind, message, reply);
    return;
  }
  if (method == "subscriptions/listen") {
    open_listener(message, reply);
    return;
  }
  const bool forwarded = method == "tools/call" || method == "prompts/get" ||
                         method == "resources/read" || method == "completion/complete";
  if (!forwarded) {
    // initialize, ping, logging/setLevel and resources/(un)subscribe do not exist in this
    // revision; a modern request for them is an unknown method.
    reply->push({jsonrpc::error_response(id, jsonrpc::code::method_not_found,
                                         "Method not found: " + std::string(method)),
                 true, 404});
    return;
  }
  const json::Value* params = json::object_member(message, "params");
  if (method == "tools/call" && params != nullptr) {
    const Route* route = catalog_.tool(json::string_member(*params, "name").value_or(""));
    if (route != nullptr && !route->param_headers.empty()) {
      if (auto rejected = modern::check_param_headers(
              route->param_headers, json::object_member(*params, "arguments"), param_headers)) {
        reply->push({jsonrpc::error_response(id, rejected->code, rejected->message), true,
                     rejected->http_status});
        return;
      }
    }
  }
  if (params != nullptr) {
    if (auto state = json::string_member(*params, "requestState");
        state && RequestStateSeal::is_ours(*state)) {
      const std::string token(*state);
      handle_retry(message, token, reply);
      return;
    }
  }
  Session& session =
      sessions_.create("modern:" + std::to_string(next_modern_session_++), FrontTransport::modern);
  session.last_seen = std::chrono::steady_clock::now();
  if (const json::Value* meta = modern::request_meta(message)) {
    if (const json::Value* caps = json::object_member(*meta, modern::meta::client_capabilities)) {
      session.set_capabilities(*caps);
    }
    if (const json::Value* info = json::object_member(*meta, modern::meta::client_info)) {
      session.client_name = std::string(json::string_member(*info, "name").value_or(""));
    }
    session.log_level =
        std::string(json::string_member(*meta, modern::meta::log_level).value_or(""));
  }
  session.protocol_version = std::string(modern::protocol_version);
  const std::string session_id = session.id;
  handle_request(session, message, reply);
  release_if_modern(session_id);
}

void Router::abandon(const std::shared_ptr<Outbox>& reply) {
  drop_closed_listeners();
  std::optional<std::uint64_t> gid;
  calls_.for_each([&](const PendingCall& c) {
    if (c.reply == reply) gid = c.gateway_id;
  });
  if (!gid) return;
  auto call = calls_.take(*gid);
  log::debug(call->method + ": the client closed its response stream; cancelled",
             {call->server, call->session_id});
  fail_client_bound_requests_of_call(*gid);
  cancel_at_backend(*call, json::quote("the client closed its response stream"));
  release_if_modern(call->session_id);
}

bool Router::is_modern(const std::string& session_id) {
  const Session* s = sessions_.find(session_id);
  return s != nullptr && s->transport == FrontTransport::modern;
}

void Router::release_if_modern(const std::string& session_id) {
  if (!is_modern(session_id) || calls_.count_session(session_id) > 0) return;
  sessions_.remove(session_id);
}

void Router::answer_discover(const json::Document& msg, const std::shared_ptr<Outbox>& reply) {
  std::string versions = "[";
  for (std::size_t i = 0; i < modern::supported_versions.size(); ++i) {
    if (i) versions += ',';
    versions += json::quote(modern::supported_versions[i]);
  }
  versions += "]";
  const std::string instructions = merged_instructions();
  std::string result =
      "{\"supportedVersions\":" + versions + ",\"capabilities\":" + merged_capabilities() +
      ",\"resultType\":\"complete\",\"ttlMs\":" + std::to_string(settings_.list_ttl_ms) +
      ",\"cacheScope\":\"public\",\"_meta\":" + result_meta();
  if (!instructions.empty()) result += ",\"instructions\":" + json::quote(instructions);
  result += "}";
  deliver(reply, jsonrpc::result_response(jsonrpc::id_text(msg), result), true);
}

void Router::answer_list_modern(ListKind kind, const json::Document& msg,
                                const std::shared_ptr<Outbox>& reply) {
  auto result = list_page(kind, msg, reply);
  if (!result) return;
  // Every client sees the same catalog (nothing in it depends on who asks), so shared caches
  // may keep it: cacheScope "public" (specification 2026-07-28, CacheableResult).
  result->insert(result->size() - 1,
                 ",\"resultType\":\"complete\",\"ttlMs\":" + std::to_string(settings_.list_ttl_ms) +
                     ",\"cacheScope\":\"public\",\"_meta\":" + result_meta());
  deliver(reply, jsonrpc::result_response(jsonrpc::id_text(msg), *result), true);
}

void Router::complete_modern_result(const PendingCall& call, json::Document& msg) {
  auto& a = msg.GetAllocator();
  if (!msg.HasMember("result") || !msg["result"].IsObject()) return;
  json::Value& result = msg["result"];
  // Results from handshake-era backends lack the fields every 2026-07-28 result carries.
  if (!result.HasMember("resultType"))
    add_member(msg, result, "resultType", json::Value("complete"));
  if (call.method == "resources/read") {
    // We know nothing of how fresh a backend's resource is: promise nothing, share nothing.
    if (!result.HasMember("ttlMs")) add_member(msg, result, "ttlMs", json::Value(0u));
    if (!result.HasMember("cacheScope")) {
      add_member(msg, result, "cacheScope", json::Value("private"));
    }
  }
  if (!result.HasMember("_meta") || !result["_meta"].IsObject()) {
    json::Document meta;
    meta.Parse(result_meta().c_str());
    json::Value copy;
    copy.CopyFrom(meta, a);
    add_member(msg, result, "_meta", std::move(copy));
  } else if (!result["_meta"].HasMember(modern::meta::server_info)) {
    json::Document meta;
    meta.Parse(result_meta().c_str());
    json::Value copy;
    copy.CopyFrom(meta[modern::meta::server_info], a);
    result["_meta"].AddMember(json::Value(modern::meta::server_info, a), std::move(copy), a);
  }
}

// ---------------------------------------------------------------- subscriptions/listen

void Router::open_listener(const json::Document& msg, const std::shared_ptr<Outbox>& reply) {
  const std::string id = jsonrpc::id_text(msg);
  const json::Value* params = json::object_member(msg, "params");
  const json::Value* filter = params ? json::object_member(*params, "notifications") : nullptr;
  if (filter == nullptr) {
    reply->push({jsonrpc::error_response(id, jsonrpc::code::invalid_params,
                                         "Invalid params: params.notifications is required"),
                 true, 400});
    return;
  }
  auto flag = [&](const char* name) {
    const json::Value* v = json::member(*filter, name);
    return v != nullptr && v->IsBool() && v->GetBool();
  };
  const std::uint64_t listener_id = next_listener_id_++;
  Listener l;
  l.subscription_id = id;
  l.stream = reply;
  l.tools = flag("toolsListChanged");
  l.prompts = flag("promptsListChanged");
  l.resources = flag("resourcesListChanged");
  // The acknowledgement names what we agreed to honor; resource URIs no backend owns (or
  // whose owner cannot subscribe) are left out.
  std::string accepted = "{";
  auto accept = [&](const char* name, bool on) {
    if (!on) return;
    if (accepted.size() > 1) accepted += ',';
    accepted += json::quote(name) + ":true";
  };
  accept("toolsListChanged", l.tools);
  accept("promptsListChanged", l.prompts);
  accept("resourcesListChanged", l.resources);
  const std::string subscriber = "l:" + std::to_string(listener_id);
  if (const json::Value* uris = json::array_member(*filter, "resourceSubscriptions")) {
    std::string list;
    for (const auto& u : uris->GetArray()) {
      if (!u.IsString()) continue;
      const std::string uri(u.GetString(), u.GetStringLength());
      if (!subscribe_resource(uri, subscriber)) continue;
      l.uris.insert(uri);
      list += (list.empty() ? "" : ",") + json::quote(uri);
    }
    if (accepted.size() > 1) accepted += ',';
    accepted += "\"resourceSubscriptions\":[" + list + "]";
  }
  accepted += "}";
  const std::string tag = "{\"" + std::string(modern::meta::subscription_id) + "\":" + id + "}";
  // Specification: the acknowledgement is the first message on the stream.
  deliver(reply,
          jsonrpc::notification("notifications/subscriptions/acknowledged",
                                "{\"notifications\":" + accepted + ",\"_meta\":" + tag + "}"),
          false);
  listeners_.emplace(listener_id, std::move(l));
  log::debug("subscriptions/listen opened (" + accepted + ")");
}

void Router::notify_listeners(std::string_view method, std::string_view params_json,
                              const std::function<bool(const Listener&)>& wants) {
  drop_closed_listeners();
  for (const auto& [lid, l] : listeners_) {
    (void)lid;
    if (!wants(l)) continue;
    // The subscription id goes into params._meta, next to what the notification carried.
    json::Document params;
    params.Parse(params_json.empty() ? "{}" : std::string(params_json).c_str());
    if (!params.IsObject()) params.SetObject();
    auto& a = params.GetAllocator();
    if (!params.HasMember("_meta") || !params["_meta"].IsObject()) {
      json::set_member(params, "_meta", json::Value(rapidjson::kObjectType), a);
    }
    json::Document sid;
    sid.Parse(l.subscription_id.c_str());
    json::Value sid_copy;
    sid_copy.CopyFrom(sid, a);
    json::set_member(params["_meta"], modern::meta::subscription_id, std::move(sid_copy), a);
    deliver(l.stream, jsonrpc::notification(method, json::to_string(params)), false);
  }
}

void Router::drop_closed_listeners() {
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (!it->second.stream->closed()) {
      ++it;
      continue;
    }
    drop_subscriber("l:" + std::to_string(it->first));
    it = listeners_.erase(it);
  }
}

void Router::announce_list_changed(std::string_view method) {
  const std::string note = jsonrpc::notification(method);
  broadcast(note);
  if (listeners_.empty()) return;
  notify_listeners(method, "", [&](const Listener& l) {
    if (method == "notifications/tools/list_changed") return l.tools;
    if (method == "notifications/prompts/list_changed") return l.prompts;
    return l.resources;
  });
}

// ---------------------------------------------------------------- resource subscriptions

bool Router::subscribe_resource(const std::string& uri, const std::string& subscriber) {
  auto owner = catalog_.resource_owner(uri);
  if (!owner) owner = catalog_.template_owner(uri);
  if (!owner) return false;
  auto it = servers_.find(*owner);
  const json::Value* res =
      it == servers_.end() ? nullptr : json::object_member(*it->second.capabilities, "resources");
  const json::Value* sub = res ? json::member(*res, "subscribe") : nullptr;
  if (sub == nullptr || !sub->IsBool() || !sub->GetBool()) return false;
  auto& subscribers = resource_subscribers_[uri];
  // The backend hears one subscription per URI, however many clients want it.
  if (subscribers.empty()) {
    send_untracked(*owner, "resources/subscribe", "{\"uri\":" + json::quote(uri) + "}");
  }
  subscribers.insert(subscriber);
  return true;
}

bool Router::unsubscribe_resource(const std::string& uri, const std::string& subscriber) {
  auto it = resource_subscribers_.find(uri);
  if (it == resource_subscribers_.end() || it->second.erase(subscriber) == 0) return false;
  if (it->second.empty()) {
    resource_subscribers_.erase(it);
    auto owner = catalog_.resource_owner(uri);
    if (!owner) owner = catalog_.template_owner(uri);
    if (owner)
      send_untracked(*owner, "resources/unsubscribe", "{\"uri\":" + json::quote(uri) + "}");
  }
  return true;
}

void Router::drop_subscriber(const std::string& subscriber) {
  std::vector<std::string> uris;
  for (const auto& [uri, subs] : resource_subscribers_) {
    if (subs.count(subscriber)) uris.push_back(uri);
  }
  for (const auto& uri : uris) unsubscribe_resource(uri, subscriber);
}

void Router::deliver_resource_updated(const std::string& server, json::Document& msg) {
  const json::Value* params = json::object_member(msg, "params");
  const auto uri = params ? json::string_member(*params, "uri") : std::nullopt;
  auto it = uri ? resource_subscribers_.find(std::string(*uri)) : resource_subscribers_.end();
  if (it == resource_subscribers_.end()) {
    log::debug(
        "resources/updated for a URI nobody subscribed to: " + std::string(uri.value_or("(none)")),
        {server});
    return;
  }
  const std::string text = json::to_string(msg);
  bool to_listeners = false;
  for (const auto& subscriber : it->second) {
    if (subscriber.rfind("s:", 0) == 0) {
      Session* s = sessions_.find(subscriber.substr(2));
      if (s != nullptr && s->stream) deliver(s->stream, text, false);
    } else {
      to_listeners = true;
    }
  }
  if (!to_listeners) return;
  const std::string target(*uri);
  notify_listeners("notifications/resources/updated",
                   params ? json::to_string(*params) : std::string(),
                   [&](const Listener& l) { return l.uris.count(target) > 0; });
}

void Router::send_untracked(const std::string& server, std::string_view method,
                            const std::string& params_json) {
  if (!pool_) return;
  PendingCall call;  // nobody waits for the answer; the entry only maps it back to nothing
  call.server = server;
  call.method = std::string(method);
  call.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const std::uint64_t gid = calls_.add(std::move(call));
  const std::string frame = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(gid) +
                            ",\"method\":" + json::quote(method) + ",\"params\":" + params_json +
                            "}";
  if (!pool_->send(server, frame)) calls_.take(gid);
  arm_deadline_timer();
}

// Used by on_backend_response for modern calls: the HTTP status that goes with an error.
int modern_http_status(const json::Document& msg) {
  const json::Value* error = json::object_member(msg, "error");
  const json::Value* code = error ? json::member(*error, "code") : nullptr;
  return code != nullptr && code->IsInt() ? http_status_for(code->GetInt()) : 0;
}

}  // namespace mcp::supervisor
