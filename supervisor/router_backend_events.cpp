// The router's side of the worker channel: readiness, list changes, and the messages
// backends send (answers, notifications, their own requests).
#include "supervisor/router.hpp"

#include <algorithm>
#include <set>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/revision_compat.hpp"

namespace mcp::supervisor {

namespace {

void copy_list(const json::Value& params, ListKind kind, json::StoredValue& into) {
  into.replace_with_copy(json::array_member(params, list_result_member(kind)));
}

}  // namespace

void Router::on_worker_ready(const std::string& server, json::Document params) {
  auto cfg = configs_.find(server);
  if (cfg == configs_.end()) return;  // removed meanwhile
  ServerState& state = servers_[server];
  state.lists.server = server;
  state.lists.prefix = cfg->second.effective_prefix();
  state.lists.filter = cfg->second.tools;
  for (ListKind k : all_list_kinds) copy_list(params, k, state.lists.list(k));
  const json::Value* caps = json::object_member(params, "capabilities");
  state.capabilities.replace_with_copy(caps);
  state.instructions = std::string(json::string_member(params, "instructions").value_or(""));
  state.announced = true;
  rebuild_catalog();
  // A restarted backend forgot the subscriptions clients hold through us.
  for (const auto& [uri, subscribers] : resource_subscribers_) {
    auto owner = catalog_.resource_owner(uri);
    if (!owner) owner = catalog_.template_owner(uri);
    if (owner == server && !subscribers.empty()) {
      send_untracked(server, "resources/subscribe", "{\"uri\":" + json::quote(uri) + "}");
    }
  }
  log::info("ready: " + std::to_string(catalog_.count(ListKind::tools, server)) + " tools, " +
                std::to_string(catalog_.count(ListKind::prompts, server)) + " prompts, " +
                std::to_string(catalog_.count(ListKind::resources, server)) + " resources",
            {server});
}

void Router::on_worker_list_changed(const std::string& server, json::Document params) {
  auto it = servers_.find(server);
  const auto key = json::string_member(params, "kind");
  if (it == servers_.end() || !key) return;
  auto kind = find_list_kind(&ListInfo::result_member, *key);
  if (!kind) return;
  it->second.lists.list(*kind).replace_with_copy(json::array_member(params, "items"));
  rebuild_catalog();
}

void Router::on_worker_down(const std::string& server, const std::string& reason) {
  for (auto it = client_bound_.begin(); it != client_bound_.end();) {
    if (it->second.server == server) input_rounds_.erase(it->second.call_id);
    it = it->second.server == server ? client_bound_.erase(it) : std::next(it);
  }
  auto failed = calls_.take_server(server);
  if (!failed.empty()) {
    log::warning("failing " + std::to_string(failed.size()) + " call(s) in flight: " + reason,
                 {server});
  }
  for (const auto& call : failed) {
    parked_.erase(call.gateway_id);  // the backend that asked for input is gone
    fail_call(call, jsonrpc::code::connection_closed,
              "Server '" + server + "' went away before answering: " + reason);
    release_if_modern(call.session_id);
  }
}

void Router::on_worker_message(const std::string& server, json::Document message) {
  const auto c = jsonrpc::classify(message);
  switch (c.kind) {
    case jsonrpc::Kind::response:
      on_backend_response(server, message);
      return;
    case jsonrpc::Kind::notification:
      on_backend_notification(server, message);
      return;
    case jsonrpc::Kind::request:
      on_backend_request(server, message);
      return;
    case jsonrpc::Kind::invalid:
      log::warning(std::string("backend sent an invalid message (dropped): ") + c.reason, {server});
      return;
  }
}

void Router::on_backend_response(const std::string& server, json::Document& msg) {
  const json::Value& id = msg["id"];
  if (!id.IsUint64()) {
    log::debug("response with an id we never sent (dropped): " + json::to_string(id), {server});
    return;
  }
  if (PendingCall* pending = calls_.find(id.GetUint64());
      pending != nullptr && pending->server == server && pending->parked) {
    // The backend finished while its client was gathering input: the retry gets this answer.
    auto& parked = parked_[pending->gateway_id];
    parked.early_response = json::to_string(msg);
    parked.asks.clear();
    return;
  }
  if (PendingCall* pending = calls_.find(id.GetUint64());
      pending != nullptr && pending->server == server && !pending->request_json.empty() &&
      !is_modern(pending->session_id)) {
    const json::Value* result = json::object_member(msg, "result");
    if (result != nullptr &&
        json::string_member(*result, "resultType").value_or("") == "input_required") {
      ask_legacy_client(*pending, msg);
      return;
    }
  }
  auto call = calls_.take(id.GetUint64());
  if (!call || call->server != server) return;  // late answer to a cancelled or timed-out call
  fail_client_bound_requests_of_call(call->gateway_id);
  if (!call->reply) {  // fire-and-forget (logging/setLevel, subscriptions)
    release_if_modern(call->session_id);
    return;
  }
  json::Document client_id;
  client_id.Parse(call->client_id.c_str());
  msg["id"].CopyFrom(client_id, msg.GetAllocator());
  if (is_modern(call->session_id)) {
    complete_modern_result(*call, msg);
    deliver(call->reply, json::to_string(msg), true, modern_http_status(msg));
    release_if_modern(call->session_id);
    return;
  }
  if (const Session* session = sessions_.find(call->session_id);
      session != nullptr && msg.HasMember("result")) {
    adapt_result_to_revision(msg["result"], msg.GetAllocator(), call->method,
                             session->protocol_version);
  }
  deliver(call->reply, json::to_string(msg), true);
}

void Router::on_backend_notification(const std::string& server, json::Document& msg) {
  const std::string_view method = *json::string_member(msg, "method");
  if (method == "notifications/progress") {
    json::Value* params =
        msg.HasMember("params") && msg["params"].IsObject() ? &msg["params"] : nullptr;
    if (params == nullptr || !params->HasMember("progressToken") ||
        !(*params)["progressToken"].IsUint64()) {
      return;
    }
    PendingCall* call = calls_.find((*params)["progressToken"].GetUint64());
    if (call == nullptr || call->server != server || call->client_progress_token.empty()) return;
    json::Document token;
    token.Parse(call->client_progress_token.c_str());
    (*params)["progressToken"].CopyFrom(token, msg.GetAllocator());
    deliver(call->reply, json::to_string(msg), false);
    return;
  }
  if (method == "notifications/message") {
    deliver_log(server, msg);
    return;
  }
  if (method == "notifications/resources/updated") {
    deliver_resource_updated(server, msg);
    return;
  }
  if (method == "notifications/cancelled") {
    relay_backend_cancel(server, msg);
    return;
  }
  log::debug("backend notification not relayed: " + std::string(method), {server});
}

void Router::on_backend_request(const std::string& server, json::Document& msg) {
  const std::string_view method = *json::string_member(msg, "method");
  const std::string id = jsonrpc::id_text(msg);
  if (method == "ping") {
    pool_->send(server, jsonrpc::result_response(id, "{}"));
    return;
  }
  const char* capability = method == "sampling/createMessage" ? "sampling"
                           : method == "elicitation/create"   ? "elicitation"
                           : method == "roots/list"           ? "roots"
                                                              : nullptr;
  if (capability == nullptr) {
    pool_->send(server, jsonrpc::error_response(id, jsonrpc::code::method_not_found,
                                                "Method not found: " + std::string(method)));
    return;
  }
  // Which client? Over stdio a backend's request carries nothing that ties it to the call that
  // caused it, and all clients share one backend session. So: the one session with calls in
  // flight to this server. With several, guessing would hand one user's elicitation (or its
  // answer) to another user, so the backend gets an error instead (docs/architecture.md,
  // "Requests from backends").
  std::set<std::string> in_flight_sessions;
  std::uint64_t newest = 0;
  calls_.for_each_to_server(server, [&](const PendingCall& c) {
    if (!c.reply && !c.parked) return;
    in_flight_sessions.insert(c.session_id);
    newest = std::max(newest, c.gateway_id);
  });
  if (in_flight_sessions.size() != 1) {
    const std::string why =
        in_flight_sessions.empty()
            ? "no client call is in flight to relay " + std::string(method) + " to"
            : std::to_string(in_flight_sessions.size()) +
                  " client sessions have calls in flight to this server; mcproxy cannot tell "
                  "which one " +
                  std::string(method) + " is for";
    log::warning("refused " + std::string(method) + " from the backend: " + why, {server});
    pool_->send(server, jsonrpc::error_response(id, jsonrpc::code::internal_error, why));
    return;
  }
  PendingCall* call = calls_.find(newest);
  Session* session = call ? sessions_.find(call->session_id) : nullptr;
  if (session != nullptr && session->transport == FrontTransport::modern) {
    // A 2026-07-28 client takes no requests: the bridge turns this one into input_required.
    ask_modern_client(*call, server, msg, capability);
    return;
  }
  if (session == nullptr || !session->has_capability(capability)) {
    pool_->send(server, jsonrpc::error_response(id, jsonrpc::code::method_not_found,
                                                "The client did not declare the capability for " +
                                                    std::string(method)));
    return;
  }
  const std::uint64_t ours = next_client_bound_id_++;
  client_bound_[ours] = ClientBoundRequest{server, id, session->id, call->gateway_id, {}};
  log::debug(
      "relaying " + std::string(method) + " to the client as request " + std::to_string(ours),
      {server, session->id});
  msg["id"].SetUint64(ours);
  // On Streamable HTTP the request travels on the stream of the POST it belongs to
  // (basic/transports: "related to the originating client request"); on legacy SSE the session
  // stream is that stream.
  deliver(call->reply, json::to_string(msg), false);
}

void Router::relay_backend_cancel(const std::string& server, json::Document& msg) {
  // The backend gave up a request it made of a client (basic/utilities/cancellation): the
  // client hears it under the id we gave that request.
  const json::Value* params = json::object_member(msg, "params");
  const json::Value* rid = params ? json::member(*params, "requestId") : nullptr;
  if (rid == nullptr) return;
  const std::string backend_id = json::to_string(*rid);
  for (auto it = client_bound_.begin(); it != client_bound_.end(); ++it) {
    if (it->second.server != server || it->second.backend_id != backend_id) continue;
    const PendingCall* call = calls_.find(it->second.call_id);
    Session* session = sessions_.find(it->second.session_id);
    std::shared_ptr<Outbox> target = call && call->reply ? call->reply
                                     : session           ? session->stream
                                                         : nullptr;
    const json::Value* reason = json::member(*params, "reason");
    deliver(
        target,
        jsonrpc::notification("notifications/cancelled",
                              "{\"requestId\":" + std::to_string(it->first) +
                                  (reason ? ",\"reason\":" + json::to_string(*reason) : "") + "}"),
        false);
    client_bound_.erase(it);
    return;
  }
  // A parked MRTR call's question the backend withdrew is simply no longer asked.
  for (auto& [gid, parked] : parked_) {
    (void)gid;
    auto& asks = parked.asks;
    asks.erase(std::remove_if(asks.begin(), asks.end(),
                              [&](const InputAsk& a) { return a.backend_id == backend_id; }),
               asks.end());
  }
}

void Router::on_client_response(Session& session, json::Document& msg) {
  const json::Value& id = msg["id"];
  auto it = id.IsUint64() ? client_bound_.find(id.GetUint64()) : client_bound_.end();
  if (it == client_bound_.end() || it->second.session_id != session.id) {
    log::debug("dropped a response from the client to a request we did not send", {"", session.id});
    return;
  }
  if (!it->second.input_key.empty()) {
    const ClientBoundRequest asked = it->second;
    client_bound_.erase(it);
    take_input_answer(asked, msg);
    return;
  }
  json::Document backend_id;
  backend_id.Parse(it->second.backend_id.c_str());
  msg["id"].CopyFrom(backend_id, msg.GetAllocator());
  if (pool_) pool_->send(it->second.server, json::to_string(msg));
  client_bound_.erase(it);
}

void Router::fail_client_bound_requests_of_call(std::uint64_t gateway_id) {
  input_rounds_.erase(gateway_id);
  for (auto it = client_bound_.begin(); it != client_bound_.end();) {
    if (it->second.call_id != gateway_id) {
      ++it;
      continue;
    }
    if (!it->second.input_key.empty()) {  // asked for a modern backend: nobody waits there
      it = client_bound_.erase(it);
      continue;
    }
    // The call it belonged to is over: nobody will answer on that stream any more.
    pool_->send(it->second.server,
                jsonrpc::error_response(it->second.backend_id, jsonrpc::code::connection_closed,
                                        "The client call this request belonged to has ended"));
    it = client_bound_.erase(it);
  }
}

void Router::fail_client_bound_requests(const std::string& session_id) {
  for (auto it = client_bound_.begin(); it != client_bound_.end();) {
    if (it->second.session_id != session_id) {
      ++it;
      continue;
    }
    input_rounds_.erase(it->second.call_id);
    if (pool_ && it->second.input_key.empty()) {
      pool_->send(it->second.server,
                  jsonrpc::error_response(it->second.backend_id, jsonrpc::code::connection_closed,
                                          "The client session closed before answering"));
    }
    it = client_bound_.erase(it);
  }
}

}  // namespace mcp::supervisor
