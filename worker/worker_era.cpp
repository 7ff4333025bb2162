// The worker's side of the two protocol eras (specification 2026-07-28, basic/versioning):
// which one its backend speaks, decided once per backend process (a worker lives as long as
// its backend, so a restart probes again), and for a modern backend the translation between
// what the supervisor sends (the same frames as for a legacy backend) and what a stateless
// server takes: _meta on every request, no ping, logging/setLevel or resource subscriptions,
// and change notifications from a subscriptions/listen request instead of a session.
#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "worker/worker.hpp"

namespace mcp::worker {

namespace {

constexpr std::string_view discover_id_prefix = "mcproxy:discover:";
constexpr std::string_view listen_id_prefix = "mcproxy:listen:";
constexpr auto listen_retry_delay_initial = std::chrono::milliseconds(1000);
constexpr auto listen_retry_delay_max = std::chrono::milliseconds(30000);
constexpr unsigned max_probe_attempts = 3;

bool flag(const json::Value* caps, const char* kind, const char* name) {
  const json::Value* k = caps ? json::object_member(*caps, kind) : nullptr;
  const json::Value* f = k ? json::member(*k, name) : nullptr;
  return f != nullptr && f->IsBool() && f->GetBool();
}

}  // namespace

// ---------------------------------------------------------------- era probe

void Worker::begin_era_probe() {
  // The legacy HTTP+SSE transport predates the modern era; nothing to probe there.
  if (options_.transport == BackendTransport::sse) options_.forced_era = Era::legacy;
  if (options_.forced_era == Era::legacy) {
    become_legacy("the config says so");
    return;
  }
  send_discover(std::string(modern::protocol_version));
}

void Worker::send_discover(const std::string& version) {
  ++probe_attempts_;
  probe_id_ = std::string(discover_id_prefix) + std::to_string(probe_attempts_);
  probe_version_ = version;
  request_meta_.protocol_version = version;
  backend_->send(discover_request(probe_id_, modern::meta_object(request_meta_)));
  if (options_.forced_era == Era::modern) return;  // no fallback: wait as long as init does
  probe_timer_.expires_after(options_.era_probe_timeout);
  probe_timer_.async_wait([this](std::error_code ec) {
    if (ec || era_ || exiting_) return;
    become_legacy("server/discover went unanswered for " +
                  std::to_string(options_.era_probe_timeout.count()) + " ms");
  });
}

void Worker::on_probe_answer(const json::Value& msg) {
  probe_timer_.cancel();
  EraVerdict verdict = judge_discover_answer(msg, probe_version_);
  if (options_.forced_era == Era::modern && verdict.kind == EraVerdict::Kind::legacy) {
    begin_exit(channel::exit_code::unavailable,
               "the config says the backend is modern, but " + verdict.why);
    return;
  }
  switch (verdict.kind) {
    case EraVerdict::Kind::retry:
      if (probe_attempts_ < max_probe_attempts) {
        log::info(verdict.why + "; asking again with " + verdict.version, {options_.name});
        send_discover(verdict.version);
        return;
      }
      become_legacy("server/discover kept refusing our versions");
      return;
    case EraVerdict::Kind::modern:
      if (const json::Value* result = json::object_member(msg, "result")) {
        become_modern(*result, verdict.version);
      } else {
        become_modern(msg, verdict.version);
      }
      return;
    case EraVerdict::Kind::legacy:
      become_legacy(verdict.why);
      return;
  }
}

void Worker::become_legacy(const std::string& why) {
  era_ = Era::legacy;
  log::info("legacy backend (" + why + "): initialize", {options_.name});
  backend_->send(fetcher_.initialize_request(latest_legacy_protocol_version));
}

void Worker::become_modern(const json::Value& discover_result, const std::string& version) {
  era_ = Era::modern;
  request_meta_.protocol_version = version;
  log::info("modern backend: protocol " + version + " (stateless, no initialize)", {options_.name});
  fetcher_.set_tool_filter(
      [this](const json::Value& tool) { return backend_->accepts_tool(tool); });
  // A modern error answer (-32020/-32021) carries no DiscoverResult: no capabilities then,
  // so no lists and no listen stream; calls still pass.
  static const json::Value empty(rapidjson::kObjectType);
  const json::Value& result =
      discover_result.IsObject() && json::object_member(discover_result, "capabilities")
          ? discover_result
          : empty;
  apply(fetcher_.on_discover_result(result, version, modern::meta_object(request_meta_)));
  open_listen();
}

// ---------------------------------------------------------------- supervisor -> backend

void Worker::answer_locally(std::string_view id_json, std::string_view result_json) {
  channel_->send(jsonrpc::result_response(id_json, result_json));
}

void Worker::send_to_modern_backend(std::string_view line) {
  json::Document doc;
  if (json::parse(line, doc) || !doc.IsObject()) {
    backend_->send(line);
    return;
  }
  const auto c = jsonrpc::classify(doc);
  if (c.kind == jsonrpc::Kind::notification) {
    // Gone in 2026-07-28: the handshake's last step and roots/list_changed.
    if (c.method == "notifications/initialized" || c.method == "notifications/roots/list_changed") {
      return;
    }
    backend_->send(line);
    return;
  }
  if (c.kind != jsonrpc::Kind::request) {
    backend_->send(line);
    return;
  }
  const std::string id = jsonrpc::id_text(doc);
  const json::Value* params = json::object_member(doc, "params");
  if (c.method == "ping") {
    answer_locally(id, "{}");
    return;
  }
  if (c.method == "logging/setLevel") {
    // The level now travels with each request (_meta logLevel); requests from legacy clients
    // get the one their logging/setLevel chose.
    if (auto level = params ? json::string_member(*params, "level") : std::nullopt) {
      log_level_ = std::string(*level);
    }
    answer_locally(id, "{}");
    return;
  }
  if (c.method == "resources/subscribe" || c.method == "resources/unsubscribe") {
    // The supervisor keeps one subscription per URI per backend (router.cpp); a modern backend
    // hears them as the resourceSubscriptions of our listen stream.
    if (auto uri = params ? json::string_member(*params, "uri") : std::nullopt) {
      const bool changed = c.method == "resources/subscribe"
                               ? resource_subscriptions_.emplace(*uri).second
                               : resource_subscriptions_.erase(std::string(*uri)) > 0;
      if (changed) open_listen();
    }
    answer_locally(id, "{}");
    return;
  }
  modern::RequestMeta meta = request_meta_;
  meta.log_level = log_level_;
  auto injected = modern::add_request_meta(line, meta);
  backend_->send(injected.text);
}

// ---------------------------------------------------------------- subscriptions/listen

void Worker::open_listen() {
  listen_timer_.cancel();
  if (exiting_ || era_ != Era::modern) return;
  const json::Value* caps = fetcher_.capabilities();
  std::string filter;
  auto add = [&](const char* key, std::string_view value) {
    filter += (filter.empty() ? "" : ",") + json::quote(key) + ":" + std::string(value);
  };
  if (flag(caps, "tools", "listChanged")) add("toolsListChanged", "true");
  if (flag(caps, "prompts", "listChanged")) add("promptsListChanged", "true");
  if (flag(caps, "resources", "listChanged")) add("resourcesListChanged", "true");
  if (flag(caps, "resources", "subscribe") && !resource_subscriptions_.empty()) {
    std::string uris = "[";
    for (const auto& uri : resource_subscriptions_)
      uris += (uris.size() > 1 ? "," : "") + json::quote(uri);
    add("resourceSubscriptions", uris + "]");
  }
  if (filter.empty()) {
    // Nothing to listen for: close what is open.
    for (const auto& old : open_listens_) {
      backend_->send(jsonrpc::notification("notifications/cancelled",
                                           R"({"requestId":)" + json::quote(old) + "}"));
    }
    open_listens_.clear();
    listen_id_.clear();
    return;
  }
  // The older stream stays open until the new one is acknowledged, so no change falls between.
  listen_id_ = std::string(listen_id_prefix) + std::to_string(++listen_counter_);
  open_listens_.insert(listen_id_);
  backend_->send(R"({"jsonrpc":"2.0","id":)" + json::quote(listen_id_) +
                 R"(,"method":"subscriptions/listen","params":{"_meta":)" +
                 modern::meta_object(request_meta_) + R"(,"notifications":{)" + filter + "}}}");
}

void Worker::on_listen_answer(const json::Value& msg, const std::string& id) {
  open_listens_.erase(id);
  if (id != listen_id_ || exiting_) return;  // an older stream we replaced
  listen_id_.clear();
  if (const json::Value* error = json::object_member(msg, "error")) {
    const json::Value* code = json::member(*error, "code");
    if (code && code->IsInt() && code->GetInt() == jsonrpc::code::method_not_found) {
      log::warning("backend does not offer subscriptions/listen; its list changes go unnoticed",
                   {options_.name});
      return;
    }
    log::warning("subscriptions/listen failed: " + json::to_string(*error) + ", retrying in " +
                     std::to_string(listen_retry_delay_.count()) + " ms",
                 {options_.name});
  } else {
    log::info("the backend ended its subscriptions/listen stream, reopening in " +
                  std::to_string(listen_retry_delay_.count()) + " ms",
              {options_.name});
  }
  listen_timer_.expires_after(listen_retry_delay_);
  listen_retry_delay_ = std::min(listen_retry_delay_ * 2, listen_retry_delay_max);
  listen_timer_.async_wait([this](std::error_code ec) {
    if (!ec) open_listen();
  });
}

bool Worker::on_modern_notification(const json::Value& msg, std::string_view method) {
  if (method == "notifications/subscriptions/acknowledged") {
    const json::Value* params = json::object_member(msg, "params");
    const json::Value* meta = params ? json::object_member(*params, "_meta") : nullptr;
    const auto sid =
        meta ? json::string_member(*meta, modern::meta::subscription_id) : std::nullopt;
    if (sid && *sid == listen_id_) {
      listen_retry_delay_ = listen_retry_delay_initial;
      // The new stream is up: close the ones it replaces.
      for (auto it = open_listens_.begin(); it != open_listens_.end();) {
        if (*it == listen_id_) {
          ++it;
          continue;
        }
        backend_->send(jsonrpc::notification("notifications/cancelled",
                                             R"({"requestId":)" + json::quote(*it) + "}"));
        it = open_listens_.erase(it);
      }
    }
    return true;
  }
  if (method == "notifications/resources/updated") {
    // Relayed as the legacy path relays it, without our subscription id, which means nothing
    // to the supervisor's clients.
    const json::Value* params = json::object_member(msg, "params");
    const auto uri = params ? json::string_member(*params, "uri") : std::nullopt;
    if (!uri) return true;
    if (slot_ != nullptr) slot_->frames_from_backend.fetch_add(1, std::memory_order_relaxed);
    channel_->send(jsonrpc::notification("notifications/resources/updated",
                                         R"({"uri":)" + json::quote(*uri) + "}"));
    return true;
  }
  return false;  // list changes and the rest: as for a legacy backend
}

}  // namespace mcp::worker
