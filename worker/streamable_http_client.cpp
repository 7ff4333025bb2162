#include "worker/streamable_http_client.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/json.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp::worker {

namespace {

// basic/transports: POSTs accept both forms of answer; the GET stream is SSE only.
constexpr std::string_view post_accept = "application/json, text/event-stream";
constexpr std::string_view get_accept = "text/event-stream";
constexpr auto reopen_delay_initial = std::chrono::milliseconds(200);
constexpr auto reopen_delay_max = std::chrono::milliseconds(5000);

bool is_success(int status) {
  return status >= 200 && status < 300;
}

std::string with_excerpt(int status, std::string_view excerpt) {
  return "HTTP " + std::to_string(status) + (excerpt.empty() ? "" : ": " + std::string(excerpt));
}

}  // namespace

StreamableHttpClient::StreamableHttpClient(
    asio::io_context& io, HttpUrl url, HeaderList headers, TransportHooks hooks, Fallback fallback,
    LegacyOnlyHandler on_legacy_only, std::string server_name,
    std::shared_ptr<const ToolHeaderParams> tool_header_params)
    : url_(std::move(url)),
      headers_(std::move(headers)),
      hooks_(std::move(hooks)),
      fallback_(fallback),
      on_legacy_only_(std::move(on_legacy_only)),
      name_(std::move(server_name)),
      tool_header_params_(std::move(tool_header_params)),
      reopen_delay_(reopen_delay_initial),
      reopen_timer_(io) {}

void StreamableHttpClient::send(std::string message) {
  if (phase_ == Phase::closed) return;
  OutgoingMessage info = classify_outgoing(message);
  if (!info.modern_version.empty() && phase_ == Phase::created) {
    // A modern message (2026-07-28) needs no session: the worker's era probe, and everything
    // once the probe found a modern server.
    modern_version_ = info.modern_version;
    post_modern(std::move(message), info);
    return;
  }
  if (phase_ == Phase::created && !modern_version_.empty() && info.id_json.empty() &&
      info.method != "notifications/initialized") {
    // A modern server's notifications and responses: notifications/cancelled is said by
    // closing the request's stream (streamable-http "Cancellation"); nothing else is sent.
    if (!info.cancels_id_json.empty()) abandon_request(info.cancels_id_json);
    return;
  }
  if (phase_ == Phase::created && info.method == "initialize") {
    phase_ = Phase::initializing;
    initialize_message_ = message;
    initialize_id_ = info.id_json;
    initialize_tag_ = post(std::move(message), info);
    return;
  }
  // Nothing but initialize may go before the session id is known.
  if (phase_ != Phase::open) {
    held_.push_back(std::move(message));
    return;
  }
  if (!info.cancels_id_json.empty()) abandon_request(info.cancels_id_json);
  post(std::move(message), info);
}

void StreamableHttpClient::abandon_request(const std::string& id_json) {
  // A cancelled request gets no answer (basic/utilities/cancellation), so a server may keep
  // its POST stream open with nothing more to say; without this, a thread of the calls lane
  // would wait on it until the read timeout. The caller has its answer already.
  for (auto it = exchanges_.begin(); it != exchanges_.end(); ++it) {
    if (it->second.request_id == id_json) {
      hooks_.cancel(it->first);
      exchanges_.erase(it);
      return;
    }
  }
}

HeaderList StreamableHttpClient::request_headers(std::string_view accept) const {
  HeaderList h = headers_;
  h.emplace_back("Accept", accept);
  if (!session_id_.empty()) h.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) h.emplace_back("MCP-Protocol-Version", protocol_version_);
  return h;
}

std::uint64_t StreamableHttpClient::post(std::string message, const OutgoingMessage& info) {
  const LaneKind lane =
      info.origin == OutgoingMessage::Origin::supervisor_call ? LaneKind::calls : LaneKind::control;
  const std::uint64_t tag = hooks_.submit(
      lane, HttpRequest{"POST", url_.target(), request_headers(post_accept), std::move(message)});
  exchanges_[tag] = Exchange{info.method, info.id_json, info.origin, !session_id_.empty(), false};
  if (info.method == "notifications/initialized") initialized_tag_ = tag;
  return tag;
}

std::uint64_t StreamableHttpClient::post_modern(std::string message, const OutgoingMessage& info) {
  // 2026-07-28 streamable-http, "Request Metadata": the version, the method and, for calls,
  // reads and prompts, the name travel in headers too; no session, no GET stream.
  HeaderList h = headers_;
  h.emplace_back("Accept", post_accept);
  h.emplace_back("MCP-Protocol-Version", info.modern_version);
  if (!info.method.empty()) h.emplace_back("Mcp-Method", info.method);
  if (!info.mcp_name.empty()) h.emplace_back("Mcp-Name", info.mcp_name);
  if (info.method == "tools/call" && tool_header_params_ && !tool_header_params_->empty()) {
    // "Custom Headers from Tool Parameters": annotated arguments are mirrored as Mcp-Param-*.
    json::Document doc;
    const json::Value* params = nullptr;
    if (!json::parse(message, doc)) params = json::object_member(doc, "params");
    const auto name = params ? json::string_member(*params, "name") : std::nullopt;
    if (auto it = name ? tool_header_params_->find(*name) : tool_header_params_->end();
        it != tool_header_params_->end()) {
      for (auto& header : param_headers(it->second, json::object_member(*params, "arguments"))) {
        h.push_back(std::move(header));
      }
    }
  }
  // A subscriptions/listen answer is a stream that stays open: it must not hold a thread that
  // calls or pings need.
  const LaneKind lane = info.method == "subscriptions/listen" ? LaneKind::stream
                        : info.origin == OutgoingMessage::Origin::supervisor_call
                            ? LaneKind::calls
                            : LaneKind::control;
  const std::uint64_t tag =
      hooks_.submit(lane, HttpRequest{"POST", url_.target(), std::move(h), std::move(message)});
  exchanges_[tag] = Exchange{info.method, info.id_json, info.origin, false, false};
  return tag;
}

void StreamableHttpClient::on_http_event(const HttpEvent& e) {
  if (e.tag == get_tag_ && get_tag_ != 0) {
    on_get_event(e);
    return;
  }
  if (e.tag == delete_tag_ && delete_tag_ != 0) {
    if (e.kind == HttpEvent::Kind::done && closed_) std::exchange(closed_, nullptr)();
    return;
  }
  auto it = exchanges_.find(e.tag);
  if (it == exchanges_.end() || phase_ == Phase::closed) return;
  switch (e.kind) {
    case HttpEvent::Kind::head:
      on_post_head(e.tag, e);
      return;
    case HttpEvent::Kind::message: {
      const bool answers_initialize = e.tag == initialize_tag_ && phase_ == Phase::initializing &&
                                      e.response_id == initialize_id_;
      if (answers_initialize) on_initialize_answer(e.data);
      if (!e.response_id.empty() && e.response_id == it->second.request_id) {
        it->second.answered = true;
      }
      hooks_.on_message(e.data);
      if (answers_initialize) {
        // After the worker's own follow-up (notifications/initialized), which on_message sent.
        while (!held_.empty() && phase_ == Phase::open) {
          std::string m = std::move(held_.front());
          held_.pop_front();
          send(std::move(m));
        }
      }
      return;
    }
    case HttpEvent::Kind::event:
      return;  // priming events of POST streams; nothing to resume there
    case HttpEvent::Kind::done: {
      const Exchange ex = std::move(it->second);
      exchanges_.erase(it);
      on_post_done(e.tag, ex, e);
      return;
    }
  }
}

void StreamableHttpClient::on_post_head(std::uint64_t tag, const HttpEvent& e) {
  if (tag != initialize_tag_ || phase_ != Phase::initializing) return;
  if (is_success(e.status)) {
    session_id_ = e.session_id;
    return;
  }
  if (fallback_ == Fallback::allowed && (e.status == 400 || e.status == 404 || e.status == 405)) {
    phase_ = Phase::closed;
    exchanges_.clear();
    // The owner swaps transports; this object stays alive until the owner goes.
    on_legacy_only_(std::move(initialize_message_), e.status);
  }
}

void StreamableHttpClient::on_initialize_answer(std::string_view message) {
  json::Document doc;
  if (!json::parse(message, doc)) {
    if (const json::Value* result = json::object_member(doc, "result")) {
      protocol_version_ = std::string(json::string_member(*result, "protocolVersion").value_or(""));
    }
  }
  phase_ = Phase::open;
  log::info("remote session started over Streamable HTTP" +
                std::string(fallback_ == Fallback::allowed ? " (chosen by transport auto)" : "") +
                ", protocol " + (protocol_version_.empty() ? "unknown" : protocol_version_) +
                (session_id_.empty() ? ", no session id" : ", with a session id"),
            {name_});
}

void StreamableHttpClient::on_post_done(std::uint64_t tag, const Exchange& ex, const HttpEvent& e) {
  if (e.status == 0) {
    lose(channel::exit_code::backend_exited, "cannot reach " + url_.redacted() + ": " + e.error);
    return;
  }
  if (ex.carried_session && session_unknown(e.status, e.excerpt)) {
    lose(channel::exit_code::backend_exited, "the remote server no longer knows our session (" +
                                                 with_excerpt(e.status, e.excerpt) +
                                                 "); it restarted or ended it");
    return;
  }
  if (ex.origin == OutgoingMessage::Origin::worker && upstream_unavailable(e.status)) {
    lose(channel::exit_code::backend_exited, ex.method + " to " + url_.redacted() + " got " +
                                                 with_excerpt(e.status, e.excerpt) +
                                                 ": the server behind the proxy is down");
    return;
  }
  if (tag == initialize_tag_ && phase_ == Phase::initializing) {
    lose(channel::exit_code::unavailable,
         "initialize to " + url_.redacted() + " got " +
             (is_success(e.status) && !e.error.empty() ? "no answer: " + e.error
                                                       : with_excerpt(e.status, e.excerpt)));
    return;
  }
  if (!is_success(e.status)) {
    const std::string what = with_excerpt(e.status, e.excerpt) + " for " +
                             (ex.method.empty() ? std::string("a response") : ex.method);
    hooks_.on_diagnostic("answered " + what);
  }
  if (!ex.request_id.empty() && !ex.answered) {
    // Without this the caller would wait for its timeout.
    const std::string why =
        !is_success(e.status) ? "the remote server answered " + with_excerpt(e.status, e.excerpt)
        : !e.error.empty()
            ? "the connection to the remote server broke before it answered (" + e.error + ")"
            : "the remote server answered HTTP " + std::to_string(e.status) +
                  " without a JSON-RPC response";
    hooks_.on_message(jsonrpc::error_response(ex.request_id, jsonrpc::code::internal_error, why));
  }
  if (tag == initialized_tag_ && is_success(e.status)) open_get_stream();
}

void StreamableHttpClient::open_get_stream() {
  if (phase_ != Phase::open || get_stream_refused_ || get_tag_ != 0) return;
  HeaderList h = request_headers(get_accept);
  if (!last_event_id_.empty()) h.emplace_back("Last-Event-ID", last_event_id_);
  get_tag_ = hooks_.submit(LaneKind::stream, HttpRequest{"GET", url_.target(), std::move(h), {}});
}

void StreamableHttpClient::on_get_event(const HttpEvent& e) {
  if (phase_ != Phase::open) return;
  switch (e.kind) {
    case HttpEvent::Kind::head:
      if (is_success(e.status) && e.event_stream) {
        if (!get_stream_seen_) log::debug("GET stream open", {name_});
        get_stream_seen_ = true;
        reopen_delay_ = reopen_delay_initial;
      }
      return;
    case HttpEvent::Kind::message:
      if (!e.event_id.empty()) last_event_id_ = e.event_id;
      hooks_.on_message(e.data);
      return;
    case HttpEvent::Kind::event:
      if (!e.event_id.empty()) last_event_id_ = e.event_id;
      return;
    case HttpEvent::Kind::done:
      get_tag_ = 0;
      on_get_done(e);
      return;
  }
}

void StreamableHttpClient::on_get_done(const HttpEvent& e) {
  if (e.status == 0) {
    // Usually the server went away (its stream broke first, and now it refuses): finding out
    // here, rather than at the next call, is what restarts the session promptly.
    lose(channel::exit_code::backend_exited, "cannot reach " + url_.redacted() + ": " + e.error);
    return;
  }
  if (e.status == 405) {
    log::info("the server offers no GET stream (HTTP 405); its own messages come only with answers",
              {name_});
    get_stream_refused_ = true;
    return;
  }
  if (!session_id_.empty() && session_unknown(e.status, e.excerpt)) {
    lose(channel::exit_code::backend_exited, "the remote server no longer knows our session (" +
                                                 with_excerpt(e.status, e.excerpt) +
                                                 " to the GET stream); it restarted or ended it");
    return;
  }
  if (!is_success(e.status) && !get_stream_seen_) {
    log::warning("the GET stream was refused with " + with_excerpt(e.status, e.excerpt) +
                     "; continuing without it",
                 {name_});
    get_stream_refused_ = true;
    return;
  }
  // The stream ended or broke (a proxy's idle timeout, a server closing it, a 5xx): open it
  // again, resuming after the last event seen.
  schedule_reopen();
}

void StreamableHttpClient::schedule_reopen() {
  reopen_timer_.expires_after(reopen_delay_);
  reopen_delay_ = std::min(reopen_delay_ * 2, reopen_delay_max);
  reopen_timer_.async_wait([this](std::error_code ec) {
    if (!ec) open_get_stream();
  });
}

void StreamableHttpClient::lose(int exit_code, std::string reason) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  reopen_timer_.cancel();
  hooks_.on_lost(exit_code, std::move(reason));
}

void StreamableHttpClient::close(std::function<void()> done) {
  reopen_timer_.cancel();
  const bool polite = phase_ == Phase::open && !session_id_.empty();
  phase_ = Phase::closed;
  if (!polite) {
    done();
    return;
  }
  // basic/transports, "Session Management": a client that no longer needs its session
  // SHOULD DELETE it, so the server can free it at once.
  closed_ = std::move(done);
  delete_tag_ = hooks_.submit(
      LaneKind::control, HttpRequest{"DELETE", url_.target(), request_headers(post_accept), {}});
}

}  // namespace mcp::worker
