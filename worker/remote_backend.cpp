#include "worker/remote_backend.hpp"

#include "common/log.hpp"
#include "protocol/ascii.hpp"
#include "protocol/channel.hpp"
#include "worker/env_expansion.hpp"
#include "worker/sse_client.hpp"
#include "worker/streamable_http_client.hpp"

namespace mcp::worker {

namespace {

// Calls run concurrently up to this many; more wait in the lane's queue.
constexpr std::size_t max_call_threads = 8;
constexpr auto connect_timeout = std::chrono::seconds(10);
// A POST whose answer is slower than this is broken off and answered with an error. Clients'
// own timeouts (timeoutMs) are shorter; this only bounds how long a thread can be held.
constexpr auto post_read_timeout = std::chrono::seconds(600);
// Idle SSE streams are normal (no keepalives); a dead server is found by pings instead.
constexpr auto stream_read_timeout = std::chrono::hours(24);
// How long a polite end (DELETE of the session) and the threads' exit may take together.
constexpr auto close_deadline = std::chrono::milliseconds(1000);
constexpr auto thread_exit_deadline = std::chrono::milliseconds(1000);

const char* transport_name(BackendTransport t) {
  switch (t) {
    case BackendTransport::sse:
      return "sse";
    case BackendTransport::streamable_http:
      return "streamable-http";
    default:
      return "auto";
  }
}

// Headers the HTTP transports set themselves; a configured one would be sent twice.
bool is_transport_header(std::string_view name) {
  for (std::string_view own : {"Accept", "Content-Type", "Content-Length", "Host", "Mcp-Session-Id",
                               "MCP-Protocol-Version", "Last-Event-ID"}) {
    if (ascii::iequals(name, own)) return true;
  }
  return false;
}

}  // namespace

std::variant<std::unique_ptr<RemoteBackend>, Backend::StartError> RemoteBackend::create(
    asio::io_context& io, const RemoteConfig& config) {
  Spec spec;
  spec.server_name = config.server_name;
  spec.transport = config.transport;
  spec.max_message_bytes = config.max_message_bytes;
  std::string error;
  auto url = parse_http_url(config.url, error);
  if (!url) return StartError{channel::exit_code::config, "\"url\" " + error};
  spec.url = std::move(*url);
  for (const auto& [name, value] : config.headers) {
    if (is_transport_header(name)) {
      log::warning("header \"" + name + "\" is set by the transport; the configured one is ignored",
                   {config.server_name});
      continue;
    }
    auto expanded = expand_env_refs(value, process_env, error);
    if (!expanded)
      return StartError{channel::exit_code::config, "header \"" + name + "\" " + error};
    spec.headers.emplace_back(name, std::move(*expanded));
  }
  return std::make_unique<RemoteBackend>(io, std::move(spec));
}

RemoteBackend::RemoteBackend(asio::io_context& io, Spec spec)
    : io_(io), spec_(std::move(spec)), link_(std::make_shared<LoopLink>(io)), stop_timer_(io) {}

RemoteBackend::~RemoteBackend() {
  link_->close();
  if (control_) control_->stop();
  if (calls_) calls_->stop();
  if (stream_) stream_->stop();
}

std::string RemoteBackend::description() const {
  return spec_.url.redacted() + " (transport " + transport_name(spec_.transport) + ")";
}

std::optional<Backend::StartError> RemoteBackend::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  auto sink = [link = link_, alive = std::weak_ptr<char>(alive_), this](HttpEvent e) {
    link->post([alive, this, e = std::move(e)] {
      if (alive.lock()) on_http_event(e);
    });
  };
  auto lane = [&](std::size_t threads, std::chrono::seconds read_timeout) {
    return std::make_unique<HttpLane>(
        HttpLane::Options{spec_.url.origin(), threads, connect_timeout, read_timeout,
                          spec_.max_message_bytes, spec_.server_name},
        sink);
  };
  control_ = lane(1, post_read_timeout);
  calls_ = lane(max_call_threads, post_read_timeout);
  // Two: a modern server's subscriptions/listen stream is replaced by opening the new one
  // before the old one is closed (worker/worker_era.cpp).
  stream_ = lane(2, std::chrono::duration_cast<std::chrono::seconds>(stream_read_timeout));

  if (spec_.transport == BackendTransport::sse) {
    auto sse = std::make_unique<SseClient>(spec_.url, spec_.headers, hooks(), spec_.server_name);
    sse->start();
    transport_ = std::move(sse);
  } else {
    const auto fallback = spec_.transport == BackendTransport::http_auto
                              ? StreamableHttpClient::Fallback::allowed
                              : StreamableHttpClient::Fallback::refused;
    transport_ = std::make_unique<StreamableHttpClient>(
        io_, spec_.url, spec_.headers, hooks(), fallback,
        [this](std::string initialize, int status) {
          fall_back_to_sse(std::move(initialize), status);
        },
        spec_.server_name, tool_header_params_);
  }
  return std::nullopt;
}

TransportHooks RemoteBackend::hooks() {
  return TransportHooks{
      .submit = [this](LaneKind lane, HttpRequest r) { return submit(lane, std::move(r)); },
      .cancel =
          [this](std::uint64_t tag) {
            control_->cancel(tag);
            calls_->cancel(tag);
            stream_->cancel(tag);
          },
      .on_message = [this](std::string_view m) { handlers_.on_message(m); },
      .on_diagnostic = [this](std::string_view line) { handlers_.on_diagnostic(line); },
      .on_lost =
          [this](int code, std::string reason) {
            if (!stopping_) handlers_.on_lost(code, std::move(reason), ReasonKind::final);
          },
  };
}

std::uint64_t RemoteBackend::submit(LaneKind lane, HttpRequest request) {
  const std::uint64_t tag = ++next_tag_;
  HttpLane* target = lane == LaneKind::calls    ? calls_.get()
                     : lane == LaneKind::stream ? stream_.get()
                                                : control_.get();
  target->submit(tag, std::move(request));
  return tag;
}

void RemoteBackend::on_http_event(const HttpEvent& e) {
  if (transport_) transport_->on_http_event(e);
}

void RemoteBackend::send(std::string_view message) {
  if (transport_ && !stopping_) transport_->send(std::string(message));
}

bool RemoteBackend::accepts_tool(const json::Value& tool) {
  const auto name = json::string_member(tool, "name");
  const json::Value* schema = json::object_member(tool, "inputSchema");
  if (!name || schema == nullptr) return true;
  std::string error;
  auto params = header_params(*schema, error);
  if (!params) {
    // streamable-http "Custom Headers from Tool Parameters": such a tool MUST be left out.
    log::warning("tool \"" + std::string(*name) + "\" left out: " + error, {spec_.server_name});
    tool_header_params_->erase(std::string(*name));
    return false;
  }
  if (params->empty()) {
    tool_header_params_->erase(std::string(*name));
  } else {
    (*tool_header_params_)[std::string(*name)] = std::move(*params);
  }
  return true;
}

void RemoteBackend::fall_back_to_sse(std::string initialize_message, int status) {
  const std::string why = "Streamable HTTP initialize answered HTTP " + std::to_string(status);
  log::info(why + ", falling back to the HTTP+SSE transport (2024-11-05) at the same URL",
            {spec_.server_name});
  retired_.push_back(std::move(transport_));
  auto sse = std::make_unique<SseClient>(spec_.url, spec_.headers, hooks(), spec_.server_name,
                                         "transport auto: " + why);
  sse->start();
  sse->send(std::move(initialize_message));
  transport_ = std::move(sse);
}

void RemoteBackend::stop(StopMode mode, std::function<void(std::string ended)> done) {
  if (stopping_) return;
  stopping_ = true;
  stopped_ = std::move(done);
  if (!transport_) {
    after_close();
    return;
  }
  stream_->stop();
  calls_->stop();
  if (mode == StopMode::kill) {
    after_close();
    return;
  }
  // Only the polite end travels now: the control lane drops what it had queued.
  control_->cancel_all();
  stop_timer_.expires_after(close_deadline);
  stop_timer_.async_wait([this](std::error_code ec) {
    if (!ec) after_close();
  });
  transport_->close([this] { after_close(); });
}

void RemoteBackend::after_close() {
  if (closed_) return;
  closed_ = true;
  stop_timer_.cancel();
  if (control_) control_->stop();
  if (calls_) calls_->stop();
  if (stream_) stream_->stop();
  wait_for_threads(std::chrono::steady_clock::now() + thread_exit_deadline);
}

void RemoteBackend::wait_for_threads(std::chrono::steady_clock::time_point deadline) {
  // Threads whose exchange was broken off end within milliseconds; one stuck in connect()
  // is left behind (it owns what it uses) rather than holding the worker's exit up.
  const auto running = [](const std::unique_ptr<HttpLane>& lane) {
    return lane ? lane->running_threads() : 0;
  };
  if (running(control_) + running(calls_) + running(stream_) > 0 &&
      std::chrono::steady_clock::now() < deadline) {
    stop_timer_.expires_after(std::chrono::milliseconds(10));
    stop_timer_.async_wait([this, deadline](std::error_code ec) {
      if (!ec) wait_for_threads(deadline);
    });
    return;
  }
  link_->close();
  if (auto done = std::exchange(stopped_, nullptr)) done({});
}

}  // namespace mcp::worker
