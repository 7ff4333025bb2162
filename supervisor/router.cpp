#include "supervisor/router.hpp"

#include <algorithm>

#include "build_config.hpp"
#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/mcp.hpp"

namespace mcp::supervisor {

namespace {

using jsonrpc::code::internal_error;
using jsonrpc::code::invalid_params;

// Specification 2026-07-28, basic/patterns/mrtr, "Supported Requests".
bool method_may_need_input(std::string_view method) {
  return method == "tools/call" || method == "prompts/get" || method == "resources/read";
}

}  // namespace

Router::Router(asio::io_context& io, RouterSettings settings)
    : io_(io), settings_(std::move(settings)), deadline_timer_(io), idle_timer_(io) {
  sweep_idle_sessions();
}

void Router::set_servers(const std::vector<ServerConfig>& servers) {
  configs_.clear();
  for (const auto& s : servers) configs_[s.name] = s;
  for (auto it = servers_.begin(); it != servers_.end();) {
    auto cfg = configs_.find(it->first);
    const bool keep = cfg != configs_.end() && !cfg->second.disabled;
    it = keep ? std::next(it) : servers_.erase(it);
  }
  for (auto& [name, state] : servers_) {
    state.lists.prefix = configs_[name].effective_prefix();
    state.lists.filter = configs_[name].tools;
  }
  rebuild_catalog();
}

// ---------------------------------------------------------------- front

// At maxSessions, a new client may take the place of the Streamable HTTP session that holds the
// least: no open stream, no call in flight, nothing heard from it for evictable_after, and of
// those the one heard from longest ago. If its client is still there, its next request gets 404
// and it starts a new session, as the specification tells it to (basic/transports, "Session
// Management"). Without this, one client that leaks sessions (reconnecting without DELETE)
// would lock every other client out until the leaked ones expire, an hour later.
bool Router::make_room_for_session() {
  if (session_count() < settings_.max_sessions) return true;
  const auto now = std::chrono::steady_clock::now();
  const Session* lru = nullptr;
  sessions_.for_each([&](Session& s) {
    if (s.transport != FrontTransport::streamable_http) return;
    if ((s.stream && !s.stream->closed()) || now - s.last_seen < settings_.evictable_after) return;
    if (calls_.count_session(s.id) > 0) return;
    if (lru == nullptr || s.last_seen < lru->last_seen) lru = &s;
  });
  if (lru == nullptr) return false;
  const std::string id = lru->id;
  const auto idle_s = std::chrono::duration_cast<std::chrono::seconds>(now - lru->last_seen);
  log::notice("mcproxy.maxSessions (" + std::to_string(settings_.max_sessions) +
                  ") reached: ended the least recently used idle session (idle " +
                  std::to_string(idle_s.count()) + " s) to admit a new one",
              {"", id});
  close_session(id, "evicted at mcproxy.maxSessions");
  return true;
}

bool Router::open_legacy_session(const std::string& id, std::shared_ptr<Outbox> stream) {
  if (!make_room_for_session()) {
    log::warning("refused a new SSE session: " + std::to_string(settings_.max_sessions) +
                 " sessions already open (mcproxy.maxSessions)");
    return false;
  }
  Session& s = sessions_.create(id, FrontTransport::legacy_sse);
  s.stream = std::move(stream);
  log::debug("legacy SSE session opened", {"", id});
  return true;
}

void Router::handle_message(const std::string& session_id, FrontTransport transport,
                            json::Document message, std::shared_ptr<Outbox> reply) {
  const auto c = jsonrpc::classify(message);
  const bool is_initialize = c.kind == jsonrpc::Kind::request && c.method == "initialize";
  Session* session = sessions_.find(session_id);
  if (session == nullptr && is_initialize && transport == FrontTransport::streamable_http &&
      !make_room_for_session()) {
    log::warning("refused a new session: " + std::to_string(settings_.max_sessions) +
                 " sessions already open (mcproxy.maxSessions)");
    reply->push({jsonrpc::error_response(
                     jsonrpc::id_text(message), jsonrpc::code::internal_error,
                     "Too many sessions (" + std::to_string(settings_.max_sessions) + ")"),
                 true, 503});
    return;
  }
  if (session == nullptr && is_initialize && transport == FrontTransport::streamable_http) {
    session = &sessions_.create(session_id, transport);
    log::debug("Streamable HTTP session created", {"", session_id});
  }
  if (session == nullptr || session->transport != transport) {
    if (reply) {
      reply->push({jsonrpc::error_response(jsonrpc::id_text(message),
                                           jsonrpc::code::invalid_request, "Session not found"),
                   true, 404});
    }
    return;
  }
  session->last_seen = std::chrono::steady_clock::now();
  const std::shared_ptr<Outbox>& target = reply ? reply : session->stream;

  switch (c.kind) {
    case jsonrpc::Kind::invalid:
      deliver(target,
              jsonrpc::error_response(jsonrpc::id_text(message), jsonrpc::code::invalid_request,
                                      std::string("Invalid request: ") + c.reason),
              true);
      return;
    case jsonrpc::Kind::request:
      handle_request(*session, message, target);
      return;
    case jsonrpc::Kind::notification:
      handle_notification(*session, message);
      break;
    case jsonrpc::Kind::response:
      on_client_response(*session, message);
      break;
  }
  if (reply) reply->push({"", true, 202});
}

void Router::attach_stream(const std::string& session_id, std::shared_ptr<Outbox> stream) {
  Session* s = sessions_.find(session_id);
  if (s == nullptr || s->transport != FrontTransport::streamable_http) {
    stream->push({"", true, 404});
    stream->close();
    return;
  }
  if (s->stream && !s->stream->closed()) {
    // Specification, Streamable HTTP: the server may refuse a second stream; we do, so that
    // a message is never sent twice or to a stream nobody reads.
    stream->push({"", true, 409});
    stream->close();
    return;
  }
  s->stream = std::move(stream);
  s->stream->push({"", false, 200});
}

void Router::delete_session(const std::string& session_id, std::shared_ptr<Outbox> reply) {
  Session* s = sessions_.find(session_id);
  if (s == nullptr || s->transport != FrontTransport::streamable_http) {
    reply->push({"", true, 404});
    return;
  }
  close_session(session_id, "client deleted the session");
  reply->push({"", true, 200});
}

void Router::close_session(const std::string& session_id, const std::string& why) {
  Session* s = sessions_.find(session_id);
  if (s == nullptr) return;
  // Calls still in flight are cancelled at their backends (specification, basic/utilities/
  // cancellation): nobody will read the answers.
  for (const auto& call : calls_.take_session(session_id)) {
    cancel_at_backend(call, json::quote("client session closed"));
    if (call.reply) call.reply->close();
  }
  fail_client_bound_requests(session_id);
  drop_subscriber("s:" + session_id);
  if (s->stream) s->stream->close();
  log::debug("session closed: " + why, {"", session_id});
  sessions_.remove(session_id);
}

void Router::cancel_at_backend(const PendingCall& call, const std::string& reason_json) {
  if (pool_ == nullptr || call.server.empty()) return;
  pool_->send(
      call.server,
      jsonrpc::notification("notifications/cancelled",
                            "{\"requestId\":" + std::to_string(call.gateway_id) +
                                (reason_json.empty() ? "" : ",\"reason\":" + reason_json) + "}"));
}

void Router::handle_request(Session& session, json::Document& msg,
                            const std::shared_ptr<Outbox>& reply) {
  const std::string_view method = *json::string_member(msg, "method");
  const std::string id = jsonrpc::id_text(msg);
  if (method == "initialize") {
    answer_initialize(session, msg, reply);
    return;
  }
  if (method == "ping") {
    deliver(reply, jsonrpc::result_response(id, "{}"), true);
    return;
  }
  if (auto kind = find_list_kind(&ListInfo::method, method)) {
    answer_list(*kind, msg, reply);
    return;
  }
  const json::Value* params = json::object_member(msg, "params");
  if (method == "tools/call" || method == "prompts/get") {
    const auto name = params ? json::string_member(*params, "name") : std::nullopt;
    if (!name) {
      deliver(reply, jsonrpc::error_response(id, invalid_params, "params.name is required"), true);
      return;
    }
    const bool is_tool = method == "tools/call";
    const Route* route = is_tool ? catalog_.tool(*name) : catalog_.prompt(*name);
    if (route == nullptr) {
      deliver(reply,
              jsonrpc::error_response(id, invalid_params,
                                      std::string(is_tool ? "Unknown tool: " : "Unknown prompt: ") +
                                          std::string(*name)),
              true);
      return;
    }
    const std::string server = route->server;
    json::Value& p = msg["params"];
    json::set_member(p, "name", json::string_value(route->original, msg.GetAllocator()),
                     msg.GetAllocator());
    forward(session, msg, server, reply);
    return;
  }
  if (method == "resources/read") {
    route_by_uri(session, msg, reply);
    return;
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    // The gateway keeps the subscriptions: a backend hears one per URI, and its updates go to
    // the sessions that subscribed, not to everyone (router_modern.cpp).
    const auto uri = params ? json::string_member(*params, "uri") : std::nullopt;
    if (!uri) {
      deliver(reply, jsonrpc::error_response(id, invalid_params, "params.uri is required"), true);
      return;
    }
    const std::string subscriber = "s:" + session.id;
    if (method == "resources/subscribe" && !subscribe_resource(std::string(*uri), subscriber)) {
      deliver(reply,
              jsonrpc::error_response(id, invalid_params,
                                      "Cannot subscribe to " + std::string(*uri) +
                                          ": no server that owns it supports subscriptions"),
              true);
      return;
    }
    if (method == "resources/unsubscribe") unsubscribe_resource(std::string(*uri), subscriber);
    deliver(reply, jsonrpc::result_response(id, "{}"), true);
    return;
  }
  if (method == "completion/complete") {
    route_completion(session, msg, reply);
    return;
  }
  if (method == "logging/setLevel") {
    const auto level = params ? json::string_member(*params, "level") : std::nullopt;
    if (!level || log_level_rank(*level) < 0) {
      deliver(reply,
              jsonrpc::error_response(
                  id, invalid_params,
                  "Invalid params: unknown log level '" + std::string(level.value_or("")) + "'"),
              true);
      return;
    }
    // Backends are shared: each logs at the most verbose level any session asked for, and
    // every session gets only the messages at or above its own level (deliver_log).
    session.log_level = std::string(*level);
    std::string lowest = session.log_level;
    sessions_.for_each([&](Session& s) {
      if (!s.log_level.empty() && s.transport != FrontTransport::modern &&
          log_level_rank(s.log_level) < log_level_rank(lowest)) {
        lowest = s.log_level;
      }
    });
    json::Document p;
    p.Parse(("{\"level\":" + json::quote(lowest) + "}").c_str());
    forward_to_all(method, p);
    deliver(reply, jsonrpc::result_response(id, "{}"), true);
    return;
  }
  deliver(reply,
          jsonrpc::error_response(id, jsonrpc::code::method_not_found,
                                  "Method not found: " + std::string(method)),
          true);
}

void Router::handle_notification(Session& session, json::Document& msg) {
  const std::string_view method = *json::string_member(msg, "method");
  if (method == "notifications/initialized") {
    session.initialized = true;
    return;
  }
  if (method == "notifications/roots/list_changed") {
    // Backends share one session per server, so every backend hears it.
    for (const auto& [name, state] : servers_) {
      if (pool_) pool_->send(name, json::to_string(msg));
    }
    return;
  }
  if (method == "notifications/cancelled") {
    const json::Value* params = json::object_member(msg, "params");
    const json::Value* rid = params ? json::member(*params, "requestId") : nullptr;
    if (rid == nullptr) return;
    auto gid = calls_.find_by_client(session.id, json::to_string(*rid));
    if (!gid) return;
    auto call = calls_.take(*gid);
    fail_client_bound_requests_of_call(*gid);
    const json::Value* reason = json::member(*params, "reason");
    cancel_at_backend(*call, reason ? json::to_string(*reason) : std::string());
    // The cancelled request gets no answer (basic/utilities/cancellation); a POST waiting for
    // one is ended without a body.
    if (call->reply && call->reply != session.stream) call->reply->push({"", true, 0});
    return;
  }
  log::debug("ignored client notification " + std::string(method), {"", session.id});
}

void Router::answer_initialize(Session& session, const json::Document& msg,
                               const std::shared_ptr<Outbox>& reply) {
  const json::Value* params = json::object_member(msg, "params");
  const auto requested = params ? json::string_member(*params, "protocolVersion") : std::nullopt;
  const std::string_view version = requested && is_supported_legacy_version(*requested)
                                       ? *requested
                                       : latest_legacy_protocol_version;
  session.protocol_version = std::string(version);
  if (params != nullptr) {
    if (const json::Value* caps = json::object_member(*params, "capabilities")) {
      session.set_capabilities(*caps);
    }
    if (const json::Value* info = json::object_member(*params, "clientInfo")) {
      session.client_name = std::string(json::string_member(*info, "name").value_or(""));
    }
  }
  const std::string instructions = merged_instructions();
  std::string result = "{\"protocolVersion\":" + json::quote(version) +
                       ",\"capabilities\":" + merged_capabilities() +
                       ",\"serverInfo\":{\"name\":\"mcproxy\",\"title\":\"MCProxy\",\"version\":" +
                       json::quote(MCPROXY_VERSION) + "}";
  if (!instructions.empty()) result += ",\"instructions\":" + json::quote(instructions);
  result += "}";
  log::info("client initialized: " + (session.client_name.empty() ? "?" : session.client_name) +
                ", protocol " + session.protocol_version,
            {"", session.id});
  deliver(reply, jsonrpc::result_response(jsonrpc::id_text(msg), result), true);
}

std::string Router::merged_capabilities() const {
  // Lists can change on reload and when a backend restarts, so listChanged is always true.
  bool logging = false, completions = false, subscribe = false;
  for (const auto& [name, state] : servers_) {
    logging = logging || json::member(*state.capabilities, "logging") != nullptr;
    completions = completions || json::member(*state.capabilities, "completions") != nullptr;
    const json::Value* res = json::object_member(*state.capabilities, "resources");
    const json::Value* sub = res ? json::member(*res, "subscribe") : nullptr;
    subscribe = subscribe || (sub != nullptr && sub->IsBool() && sub->GetBool());
  }
  // Resource subscriptions are the gateway's (router_modern.cpp): offered when some backend
  // can be subscribed to.
  std::string caps =
      std::string(R"({"tools":{"listChanged":true},"prompts":{"listChanged":true},)") +
      (subscribe ? R"("resources":{"listChanged":true,"subscribe":true}})"
                 : R"("resources":{"listChanged":true}})");
  if (logging) caps.insert(caps.size() - 1, R"(,"logging":{})");
  if (completions) caps.insert(caps.size() - 1, R"(,"completions":{})");
  return caps;
}

std::optional<std::string> Router::list_page(ListKind kind, const json::Document& msg,
                                             const std::shared_ptr<Outbox>& reply) {
  const json::Value* params = json::object_member(msg, "params");
  const auto cursor = params ? json::string_member(*params, "cursor") : std::nullopt;
  auto result = catalog_.list_result(kind, cursor.value_or(""), settings_.list_page_size);
  if (!result) {
    deliver(reply, jsonrpc::error_response(jsonrpc::id_text(msg), invalid_params, "Invalid cursor"),
            true);
  }
  return result;
}

void Router::answer_list(ListKind kind, const json::Document& msg,
                         const std::shared_ptr<Outbox>& reply) {
  if (auto result = list_page(kind, msg, reply)) {
    deliver(reply, jsonrpc::result_response(jsonrpc::id_text(msg), *result), true);
  }
}

std::string Router::merged_instructions() const {
  std::string instructions;
  for (const auto& [name, state] : servers_) {
    if (state.instructions.empty()) continue;
    instructions += (instructions.empty() ? "" : "\n\n") + std::string("## ") + name + "\n" +
                    state.instructions;
  }
  return instructions;
}

void Router::route_by_uri(Session& session, json::Document& msg,
                          const std::shared_ptr<Outbox>& reply) {
  const json::Value* params = json::object_member(msg, "params");
  const auto uri = params ? json::string_member(*params, "uri") : std::nullopt;
  if (!uri) {
    deliver(
        reply,
        jsonrpc::error_response(jsonrpc::id_text(msg), invalid_params, "params.uri is required"),
        true);
    return;
  }
  auto owner = catalog_.resource_owner(*uri);
  if (!owner && session.transport == FrontTransport::modern) {
    // 2026-07-28 (SEP-2164): an unknown resource is invalid params, naming the URI.
    deliver(reply,
            "{\"jsonrpc\":\"2.0\",\"id\":" + jsonrpc::id_text(msg) +
                ",\"error\":{\"code\":-32602,\"message\":" +
                json::quote("Resource not found: " + std::string(*uri)) +
                ",\"data\":{\"uri\":" + json::quote(*uri) + "}}}",
            true);
    return;
  }
  if (!owner) {
    deliver(reply,
            jsonrpc::error_response(jsonrpc::id_text(msg), jsonrpc::code::resource_not_found,
                                    "Resource not found: no server owns " + std::string(*uri)),
            true);
    return;
  }
  forward(session, msg, *owner, reply);
}

void Router::route_completion(Session& session, json::Document& msg,
                              const std::shared_ptr<Outbox>& reply) {
  const std::string id = jsonrpc::id_text(msg);
  json::Value* ref = nullptr;
  if (msg.HasMember("params") && msg["params"].IsObject() && msg["params"].HasMember("ref") &&
      msg["params"]["ref"].IsObject()) {
    ref = &msg["params"]["ref"];
  }
  const auto type = ref ? json::string_member(*ref, "type") : std::nullopt;
  if (type == "ref/prompt") {
    const auto name = json::string_member(*ref, "name");
    const Route* route = name ? catalog_.prompt(*name) : nullptr;
    if (route == nullptr) {
      deliver(reply,
              jsonrpc::error_response(id, invalid_params,
                                      "Unknown prompt: " + std::string(name.value_or(""))),
              true);
      return;
    }
    const std::string server = route->server;
    json::set_member(*ref, "name", json::string_value(route->original, msg.GetAllocator()),
                     msg.GetAllocator());
    forward(session, msg, server, reply);
    return;
  }
  if (type == "ref/resource") {
    const auto uri = json::string_member(*ref, "uri");
    auto owner = uri ? catalog_.template_owner(*uri) : std::nullopt;
    if (!owner && uri) owner = catalog_.resource_owner(*uri);
    if (!owner) {
      deliver(reply,
              jsonrpc::error_response(id, invalid_params,
                                      "Unknown resource: " + std::string(uri.value_or(""))),
              true);
      return;
    }
    forward(session, msg, *owner, reply);
    return;
  }
  deliver(
      reply,
      jsonrpc::error_response(id, invalid_params, "params.ref must be ref/prompt or ref/resource"),
      true);
}

void Router::forward(Session& session, json::Document& msg, const std::string& server,
                     const std::shared_ptr<Outbox>& reply) {
  const std::string client_id = jsonrpc::id_text(msg);
  const WorkerSlot* slot = pool_ ? pool_->slot(server) : nullptr;
  if (slot == nullptr || slot->state != WorkerState::ready) {
    deliver(
        reply,
        jsonrpc::error_response(
            client_id, internal_error,
            "Server '" + server + "' is not available (" +
                (slot ? to_string(slot->state) : "removed") +
                (slot && !slot->last_exit.empty() ? ", last exit: " + slot->last_exit : "") + ")"),
        true);
    return;
  }
  PendingCall call;
  call.session_id = session.id;
  call.client_id = client_id;
  call.server = server;
  call.method = std::string(*json::string_member(msg, "method"));
  if (const json::Value* p = json::object_member(msg, "params")) {
    call.target = std::string(
        json::string_member(*p, "name").value_or(json::string_member(*p, "uri").value_or("")));
  }
  call.reply = reply;
  call.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(slot->config.timeout_ms);

  json::Value* meta = nullptr;
  if (msg.HasMember("params") && msg["params"].IsObject() && msg["params"].HasMember("_meta") &&
      msg["params"]["_meta"].IsObject()) {
    meta = &msg["params"]["_meta"];
  }
  if (meta != nullptr && meta->HasMember("progressToken")) {
    call.client_progress_token = json::to_string((*meta)["progressToken"]);
  }
  const std::uint64_t gid = calls_.add(std::move(call));
  // Progress tokens must be unique across the requests a backend sees (basic/utilities/
  // progress); the gateway id is, so it doubles as the token.
  if (meta != nullptr && meta->HasMember("progressToken")) (*meta)["progressToken"].SetUint64(gid);
  msg["id"].SetUint64(gid);
  std::string frame = json::to_string(msg);
  if (method_may_need_input(calls_.find(gid)->method)) calls_.find(gid)->request_json = frame;
  if (!pool_->send(server, std::move(frame))) {
    auto taken = calls_.take(gid);
    fail_call(*taken, internal_error, "Server '" + server + "' is not available");
    release_if_modern(taken->session_id);
    return;
  }
  arm_deadline_timer();
}

void Router::forward_to_all(std::string_view method, const json::Value& params) {
  if (!pool_) return;
  for (const auto& [name, state] : servers_) {
    if (json::member(*state.capabilities, "logging") == nullptr) continue;
    PendingCall call;  // nobody waits for these answers
    call.server = name;
    call.method = std::string(method);
    call.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::uint64_t gid = calls_.add(std::move(call));
    const std::string frame = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(gid) +
                              ",\"method\":" + json::quote(method) +
                              ",\"params\":" + json::to_string(params) + "}";
    if (!pool_->send(name, frame)) calls_.take(gid);
  }
  arm_deadline_timer();
}

void Router::deliver(const std::shared_ptr<Outbox>& target, std::string json, bool final,
                     int http_status) {
  if (!target || target->closed()) return;
  // Logged once: the push that overflows closes the outbox, later ones return above.
  if (!target->push({std::move(json), final, http_status}) && target->overflowed()) {
    // Rare, so the owner is looked up here rather than carried by every outbox.
    std::string owner;
    sessions_.for_each([&](Session& s) {
      if (s.stream == target) owner = s.id;
    });
    calls_.for_each([&](const PendingCall& c) {
      if (owner.empty() && c.reply == target) owner = c.session_id;
    });
    log::warning("a client could not keep up and its stream overflowed (over " +
                     std::to_string(target->max_bytes()) + " bytes queued); disconnecting it",
                 {"", owner.empty() ? "?" : owner});
  }
}

void Router::deliver_log(const std::string& server, const json::Document& msg) {
  // A backend's log line is tied to no request on the wire. A session with a call in flight
  // to that server gets it on that call's stream (where a Streamable HTTP client listens while
  // it waits); other sessions on their session stream; each only at or above its own level.
  const json::Value* params = json::object_member(msg, "params");
  const int rank = log_level_rank(params ? json::string_member(*params, "level").value_or("")
                                         : std::string_view());
  std::map<std::string, const PendingCall*> calling;
  calls_.for_each_to_server(server, [&](const PendingCall& c) {
    if (c.reply) calling[c.session_id] = &c;
  });
  const std::string text = json::to_string(msg);
  if (calling.size() == 1 && is_modern(calling.begin()->first)) {
    // A 2026-07-28 call that asked for logs (…/logLevel) is the one the line belongs to; other
    // clients do not read it.
    const Session* s = sessions_.find(calling.begin()->first);
    if (s != nullptr && !s->log_level.empty() && rank >= log_level_rank(s->log_level)) {
      deliver(calling.begin()->second->reply, text, false);
    }
    return;
  }
  sessions_.for_each([&](Session& s) {
    if (!s.initialized || s.transport == FrontTransport::modern) return;
    if (!s.log_level.empty() && rank < log_level_rank(s.log_level)) return;
    auto call = calling.find(s.id);
    deliver(call != calling.end() ? call->second->reply : s.stream, text, false);
  });
}

void Router::broadcast(const std::string& json) {
  sessions_.for_each([&](Session& s) {
    if (s.initialized && s.stream) deliver(s.stream, json, false);
  });
}

void Router::fail_call(const PendingCall& call, int code, const std::string& message) {
  if (call.reply) deliver(call.reply, jsonrpc::error_response(call.client_id, code, message), true);
}

// ---------------------------------------------------------------- catalog and timers

void Router::rebuild_catalog() {
  std::array<std::string, 4> before;
  for (ListKind k : all_list_kinds) before[static_cast<std::size_t>(k)] = catalog_.items_json(k);
  std::vector<const ServerLists*> lists;
  for (const auto& [name, state] : servers_) {
    if (state.announced) lists.push_back(&state.lists);
  }
  catalog_.rebuild(lists, settings_.naming);
  bool resources_changed = false;
  for (ListKind k : all_list_kinds) {
    if (catalog_.items_json(k) == before[static_cast<std::size_t>(k)]) continue;
    if (k == ListKind::resources || k == ListKind::resource_templates) {
      resources_changed = true;
      continue;
    }
    announce_list_changed(list_changed_notification(k));
  }
  if (resources_changed) announce_list_changed("notifications/resources/list_changed");
}

void Router::arm_deadline_timer() {
  auto next = calls_.next_deadline();
  if (!next || (armed_deadline_ && *armed_deadline_ <= *next)) return;
  armed_deadline_ = next;
  deadline_timer_.expires_at(*next);
  deadline_timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    armed_deadline_.reset();
    on_deadline();
  });
}

void Router::on_deadline() {
  for (const auto& call : calls_.take_expired(std::chrono::steady_clock::now())) {
    if (call.parked) {
      log::warning(call.method + ": the client did not come back with the input its backend " +
                       "asked for; cancelled",
                   {call.server, call.session_id});
      end_parked(call, "the client did not provide the input in time");
      cancel_at_backend(call, json::quote("the client did not provide the input in time"));
      release_if_modern(call.session_id);
      continue;
    }
    if (!call.reply) continue;
    const auto* slot = pool_ ? pool_->slot(call.server) : nullptr;
    const auto timeout = slot ? slot->config.timeout_ms : 0;
    log::warning(call.method + " timed out after " + std::to_string(timeout) + " ms, cancelled",
                 {call.server, call.session_id});
    cancel_at_backend(call, json::quote("timed out in the gateway"));
    // The call may be slow, or the backend may be hung: the worker pings it and restarts it if
    // the ping goes unanswered too.
    if (pool_) pool_->send_control(call.server, jsonrpc::notification(channel::method::probe));
    fail_client_bound_requests_of_call(call.gateway_id);
    fail_call(call, jsonrpc::code::request_timeout,
              call.method + " to server '" + call.server + "' timed out after " +
                  std::to_string(timeout) + " ms");
    release_if_modern(call.session_id);
  }
  arm_deadline_timer();
}

void Router::sweep_idle_sessions() {
  if (shutting_down_) return;
  drop_closed_listeners();
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> idle, gone;
  sessions_.for_each([&](Session& s) {
    const bool streaming = s.stream && !s.stream->closed();
    if (s.transport == FrontTransport::streamable_http) {
      // An open stream or a call in flight (a browser run, a build) is use, not idleness: such
      // a session counts as seen at every look, and its idle time starts when both are over.
      if (streaming || calls_.count_session(s.id) > 0) {
        s.last_seen = now;
      } else if (now - s.last_seen > settings_.session_idle_timeout) {
        idle.push_back(s.id);
      }
    }
    // A legacy session whose stream ended (the client vanished) is gone too.
    if (s.transport == FrontTransport::legacy_sse && s.stream && s.stream->closed()) {
      gone.push_back(s.id);
    }
  });
  for (const auto& id : idle) {
    log::info("session ended: no request for " +
                  std::to_string(settings_.session_idle_timeout.count()) +
                  " ms (mcproxy.sessionIdleTimeoutMs)",
              {"", id});
    close_session(id, "idle");
  }
  for (const auto& id : gone) close_session(id, "its stream ended");
  // Often enough that a session ends within a quarter of its timeout after it.
  const auto every = std::clamp<std::chrono::milliseconds>(
      settings_.session_idle_timeout / 4, std::chrono::seconds(1), std::chrono::seconds(30));
  idle_timer_.expires_after(every);
  idle_timer_.async_wait([this](std::error_code ec) {
    if (!ec) sweep_idle_sessions();
  });
}

void Router::set_waits(std::chrono::milliseconds session_idle_timeout,
                       std::chrono::milliseconds input_wait) {
  settings_.input_wait = input_wait;
  if (settings_.session_idle_timeout == session_idle_timeout) return;
  settings_.session_idle_timeout = session_idle_timeout;
  idle_timer_.cancel();  // its handler sees operation_aborted and does nothing
  sweep_idle_sessions();
}

void Router::shutdown() {
  shutting_down_ = true;
  idle_timer_.cancel();
  deadline_timer_.cancel();
  for (const auto& call : calls_.take_expired(std::chrono::steady_clock::time_point::max())) {
    fail_call(call, jsonrpc::code::connection_closed, "The gateway is shutting down");
  }
  for (auto& [lid, l] : listeners_) {
    (void)lid;
    // SubscriptionsListenResult: the subscription ended gracefully.
    deliver(l.stream,
            jsonrpc::result_response(l.subscription_id,
                                     "{\"resultType\":\"complete\",\"_meta\":{\"" +
                                         std::string("io.modelcontextprotocol/subscriptionId") +
                                         "\":" + l.subscription_id + "}}"),
            true);
    l.stream->close();
  }
  listeners_.clear();
  parked_.clear();
  std::vector<std::string> ids;
  sessions_.for_each([&](Session& s) { ids.push_back(s.id); });
  for (const auto& id : ids) close_session(id, "gateway shutting down");
}

}  // namespace mcp::supervisor
