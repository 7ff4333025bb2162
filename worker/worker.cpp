#include "worker/worker.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <unistd.h>

#include <cerrno>

#include "build_config.hpp"
#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "worker/stdio_backend.hpp"

namespace mcp::worker {

namespace {

constexpr std::size_t max_start_message_bytes = 1u << 20;
constexpr auto exit_flush_deadline = std::chrono::milliseconds(500);
// What /status shows of a dead backend's stderr: usually the stack trace or the error.
constexpr std::size_t stderr_tail_lines = 10;
constexpr std::size_t max_stderr_tail_line_bytes = 500;
constexpr std::string_view discover_id_prefix = "mcproxy:discover:";
constexpr std::string_view listen_id_prefix = "mcproxy:listen:";
// What the gateway can relay for a modern backend: MRTR input requests reach the client whose
// call they belong to (the supervisor's job), so it declares all three.
constexpr const char* gateway_client_capabilities =
    R"({"sampling":{},"elicitation":{},"roots":{}})";

std::optional<BackendTransport> parse_transport(std::string_view t) {
  if (t.empty() || t == "stdio") return BackendTransport::stdio;
  if (t == "sse") return BackendTransport::sse;
  if (t == "streamable-http") return BackendTransport::streamable_http;
  if (t == "auto") return BackendTransport::http_auto;
  return std::nullopt;
}

// The supervisor raised its own soft fd limit; the backend gets the one the supervisor was
// started with, as if it had been started directly (supervisor/fd_limit.hpp says why).
void put_back_fd_limit(std::uint64_t soft) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || soft >= rl.rlim_cur) return;
  rl.rlim_cur = soft;
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

}  // namespace

Worker::Worker(asio::io_context& io, UniqueFd channel_fd)
    : io_(io),
      channel_fd_(std::move(channel_fd)),
      signals_(io, SIGTERM, SIGINT),
      init_timer_(io),
      flush_timer_(io),
      tick_timer_(io),
      ping_timer_(io),
      probe_timer_(io),
      listen_timer_(io) {
  request_meta_.client_info_json =
      std::string(R"({"name":"mcproxy","version":)") + json::quote(MCPROXY_VERSION) + "}";
  request_meta_.client_capabilities_json = gateway_client_capabilities;
}

std::optional<int> Worker::read_start_message() {
  // Byte by byte: nothing past the first newline may be consumed before the framed stream
  // takes over the descriptor. It is one short message, once.
  std::string line;
  char c;
  while (true) {
    const ssize_t n = ::read(channel_fd_.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return channel::exit_code::channel_lost;
    if (c == '\n') break;
    line += c;
    if (line.size() > max_start_message_bytes) return channel::exit_code::config;
  }
  json::Document doc;
  if (json::parse(line, doc) || json::string_member(doc, "method") != channel::method::start) {
    log::error("first channel frame is not mcproxy/start");
    return channel::exit_code::config;
  }
  const json::Value* p = json::object_member(doc, "params");
  if (p == nullptr) return channel::exit_code::config;
  options_.name = std::string(json::string_member(*p, "name").value_or(""));
  const auto transport = parse_transport(json::string_member(*p, "transport").value_or(""));
  if (!transport) {
    log::error("mcproxy/start has an unknown transport", {options_.name});
    return channel::exit_code::config;
  }
  options_.transport = *transport;
  options_.url = std::string(json::string_member(*p, "url").value_or(""));
  if (const json::Value* headers = json::object_member(*p, "headers")) {
    for (const auto& m : headers->GetObject()) {
      if (m.value.IsString()) options_.headers[m.name.GetString()] = m.value.GetString();
    }
  }
  options_.backend.command = std::string(json::string_member(*p, "command").value_or(""));
  options_.backend.cwd = std::string(json::string_member(*p, "cwd").value_or(""));
  if (const json::Value* args = json::array_member(*p, "args")) {
    for (const auto& a : args->GetArray()) {
      if (a.IsString()) options_.backend.args.emplace_back(a.GetString(), a.GetStringLength());
    }
  }
  if (const json::Value* env = json::object_member(*p, "env")) {
    for (const auto& m : env->GetObject()) {
      if (m.value.IsString()) options_.backend.env[m.name.GetString()] = m.value.GetString();
    }
  }
  if (const json::Value* t = json::member(*p, "initTimeoutMs"); t && t->IsUint()) {
    options_.init_timeout = std::chrono::milliseconds(t->GetUint());
  }
  if (const json::Value* m = json::member(*p, "maxMessageBytes"); m && m->IsUint()) {
    options_.max_message_bytes = m->GetUint();
  }
  auto read_uint = [&](const char* key, std::uint32_t fallback) -> std::uint32_t {
    const json::Value* v = json::member(*p, key);
    return v && v->IsUint() ? v->GetUint() : fallback;
  };
  options_.memory_limit_mb = read_uint("memoryLimitMB", 0);
  options_.ping_interval = std::chrono::milliseconds(read_uint("pingIntervalMs", 30000));
  options_.ping_timeout = std::chrono::milliseconds(read_uint("pingTimeoutMs", 10000));
  if (const json::Value* t = json::member(*p, "eraProbeTimeoutMs"); t && t->IsUint()) {
    options_.era_probe_timeout = std::chrono::milliseconds(t->GetUint());
  }
  if (const auto era = json::string_member(*p, "era")) {
    if (*era == "modern") options_.forced_era = Era::modern;
    if (*era == "legacy") options_.forced_era = Era::legacy;
  }
  if (const json::Value* f = json::member(*p, "fdSoftLimit"); f && f->IsUint64()) {
    put_back_fd_limit(f->GetUint64());
  }
  options_.status_board = std::string(json::string_member(*p, "statusBoard").value_or(""));
  options_.status_slot = read_uint("statusSlot", 0);
  if (options_.transport == BackendTransport::stdio ? options_.backend.command.empty()
                                                    : options_.url.empty()) {
    log::error("mcproxy/start has no command or url", {options_.name});
    return channel::exit_code::config;
  }
  return std::nullopt;
}

std::variant<std::unique_ptr<Backend>, Backend::StartError> Worker::make_backend() {
  if (options_.transport != BackendTransport::stdio) return make_remote_backend();
  return std::make_unique<StdioBackend>(io_, options_.backend, options_.max_message_bytes,
                                        options_.name);
}

std::optional<int> Worker::start() {
  if (auto code = read_start_message()) return code;
  const log::Context ctx{options_.name};
  if (!options_.status_board.empty()) {
    std::string error;
    board_ = StatusBoard::open_slot(options_.status_board, options_.status_slot, error);
    slot_ = board_ ? board_->slot(options_.status_slot) : nullptr;
    if (slot_ == nullptr) log::warning("no status board slot: " + error, ctx);
  }
  if (slot_ != nullptr) {
    slot_->worker_pid = ::getpid();
    slot_->phase = static_cast<std::uint32_t>(WorkerPhase::starting);
    slot_->heartbeat_ms = StatusBoard::now_ms();
  }

  channel_ = FramedStream::create(io_, std::move(channel_fd_), options_.max_message_bytes + 4096);
  channel_->start_reading({
      .on_line = [this](std::string_view line) { on_channel_line(line); },
      .on_oversize =
          [this](std::size_t bytes) {
            log::error("dropped a " + std::to_string(bytes) + "-byte frame from the supervisor",
                       {options_.name});
          },
      .on_closed =
          [this](std::error_code) {
            begin_exit(channel::exit_code::channel_lost, "supervisor channel closed");
          },
  });

  auto made = make_backend();
  std::optional<Backend::StartError> failed;
  if (auto* err = std::get_if<Backend::StartError>(&made)) {
    failed = std::move(*err);
  } else {
    backend_ = std::move(std::get<std::unique_ptr<Backend>>(made));
    failed = backend_->start({
        .on_message = [this](std::string_view message) { on_backend_line(message); },
        .on_diagnostic = [this](std::string_view line) { on_backend_diagnostic(line); },
        .on_lost =
            [this](int code, std::string reason, ReasonKind kind) {
              if (exiting_) return;
              reason_is_placeholder_ = kind == ReasonKind::provisional;
              begin_exit(code, reason);
            },
    });
  }
  if (failed) {
    log::error(failed->reason + (failed->exit_code == channel::exit_code::config
                                     ? ", not retrying until the config changes"
                                     : ", giving up this attempt"),
               ctx);
    exiting_ = true;
    exit_code_ = failed->exit_code;
    reason_ = failed->reason;
    finish_exit();
    return std::nullopt;
  }
  log::info("backend started: " + backend_->description(), ctx);
  if (backend_->pid() > 0) {
    send_to_supervisor(channel::method::backend_started,
                       "{\"pid\":" + std::to_string(backend_->pid()) + "}");
  }
  if (slot_ != nullptr) {
    if (backend_->pid() > 0) slot_->backend_pid = backend_->pid();
    slot_->phase = static_cast<std::uint32_t>(WorkerPhase::initializing);
  }
  tick();

  signals_.async_wait([this](std::error_code ec, int sig) {
    if (!ec) begin_exit(channel::exit_code::shutdown, std::string("received ") + sigabbrev_np(sig));
  });

  begin_era_probe();
  init_timer_.expires_after(options_.init_timeout);
  init_timer_.async_wait([this](std::error_code ec) {
    if (ec || ready_sent_) return;
    begin_exit(channel::exit_code::unavailable, "backend did not become ready within " +
                                                    std::to_string(options_.init_timeout.count()) +
                                                    " ms");
  });
  return std::nullopt;
}

void Worker::on_channel_line(std::string_view line) {
  // Control frames are rare: look closer only when the text could be one.
  if (line.find("\"mcproxy/") != std::string_view::npos) {
    json::Document doc;
    if (!json::parse(line, doc)) {
      const auto method = json::string_member(doc, "method");
      if (method == channel::method::shutdown) {
        begin_exit(channel::exit_code::shutdown, "shutdown requested by the supervisor");
        return;
      }
      if (method == channel::method::probe) {
        if (ready_sent_ && ping_in_flight_.empty()) send_ping();
        return;
      }
    }
  }
  if (backend_ && !exiting_) {
    if (era_ == Era::modern) {
      send_to_modern_backend(line);
    } else {
      backend_->send(line);
    }
    if (slot_ != nullptr) slot_->frames_to_backend.fetch_add(1, std::memory_order_relaxed);
  }
}

void Worker::on_backend_line(std::string_view line) {
  json::Document doc;
  if (json::parse(line, doc) || !doc.IsObject()) {
    // Backends that print banners or console.log output to stdout are common; the line cannot
    // be MCP, so it is dropped rather than passed on to break the supervisor's parser.
    log::warning(
        "backend wrote a non-JSON line to stdout (dropped): " + std::string(line.substr(0, 200)),
        {options_.name});
    return;
  }
  if (CatalogFetcher::is_ours(doc)) {
    const std::string id(*json::string_member(doc, "id"));
    if (!ping_in_flight_.empty() && id == ping_in_flight_) {
      ping_in_flight_.clear();  // any answer, even an error, shows the backend is alive
      return;
    }
    if (id.starts_with(discover_id_prefix)) {
      if (id == probe_id_ && !era_) on_probe_answer(doc);
      return;  // a late answer to a probe already given up on
    }
    if (id.starts_with(listen_id_prefix)) {
      on_listen_answer(doc, id);
      return;
    }
    apply(fetcher_.on_response(doc));
    return;
  }
  if (auto method = json::string_member(doc, "method")) {
    if (era_ == Era::modern && json::member(doc, "id") == nullptr &&
        on_modern_notification(doc, *method)) {
      return;
    }
    if (auto kind = find_list_kind(&ListInfo::changed_notification, *method)) {
      apply(fetcher_.refetch(*kind));
      if (*kind == ListKind::resources) apply(fetcher_.refetch(ListKind::resource_templates));
      return;
    }
  }
  // Counted before it leaves: a client holding the answer may read /status at once.
  if (slot_ != nullptr) slot_->frames_from_backend.fetch_add(1, std::memory_order_relaxed);
  channel_->send(line);
}

void Worker::apply(const CatalogFetcher::Step& step) {
  for (const auto& frame : step.send) backend_->send(frame);
  if (step.error) {
    begin_exit(channel::exit_code::backend_exited, "backend broke the protocol: " + *step.error);
    return;
  }
  if (step.initialized) log::debug("backend initialized", {options_.name});
  if (!step.finished) return;
  if (!ready_sent_) {
    if (fetcher_.complete()) {
      ready_sent_ = true;
      init_timer_.cancel();
      if (slot_ != nullptr) slot_->phase = static_cast<std::uint32_t>(WorkerPhase::ready);
      next_ping_at_ = std::chrono::steady_clock::now() + options_.ping_interval;
      send_to_supervisor(channel::method::ready, fetcher_.ready_params());
      // Start-up (the handshake, every list page) is the worker's biggest allocation burst;
      // give the freed pages back now rather than holding them for the worker's life.
      ::malloc_trim(0);
    }
    return;
  }
  send_to_supervisor(channel::method::list_changed, fetcher_.list_params(*step.finished));
}

void Worker::on_backend_diagnostic(std::string_view line) {
  log::info(
      (options_.transport == BackendTransport::stdio ? "stderr: " : "remote: ") + std::string(line),
      {options_.name});
  stderr_tail_.emplace_back(line.substr(0, max_stderr_tail_line_bytes));
  if (stderr_tail_.size() > stderr_tail_lines) stderr_tail_.pop_front();
}

void Worker::begin_exit(int code, const std::string& reason, StopMode mode) {
  if (exiting_) return;
  exiting_ = true;
  exit_code_ = code;
  reason_ = reason;
  init_timer_.cancel();
  if (!backend_) {
    finish_exit();
    return;
  }
  backend_->stop(mode, [this](std::string ended) {
    // A reason we decided on (memory, ping) says more than the signal we used to act on it.
    if (reason_is_placeholder_ && !ended.empty()) reason_ = std::move(ended);
    finish_exit();
  });
}

void Worker::finish_exit() {
  flush_timer_.cancel();
  tick_timer_.cancel();
  ping_timer_.cancel();
  probe_timer_.cancel();
  listen_timer_.cancel();
  if (slot_ != nullptr) {
    slot_->phase = static_cast<std::uint32_t>(WorkerPhase::exiting);
    if (exit_code_ != channel::exit_code::shutdown) slot_->set_last_error(reason_);
  }
  signals_.cancel();
  if (exit_code_ != channel::exit_code::shutdown) {
    log::info(reason_ + ", worker exiting", {options_.name});
  }
  if (!channel_ || !channel_->is_open()) {
    io_.stop();
    return;
  }
  std::string tail = "[";
  for (const auto& line : stderr_tail_) tail += (tail.size() > 1 ? "," : "") + json::quote(line);
  tail += "]";
  send_to_supervisor(channel::method::exiting,
                     "{\"reason\":" + json::quote(reason_) + ",\"stderrTail\":" + tail + "}");
  stop_when_flushed(std::chrono::steady_clock::now() + exit_flush_deadline);
}

void Worker::stop_when_flushed(std::chrono::steady_clock::time_point deadline) {
  // Let the last frame reach the supervisor, within a deadline.
  if (!channel_->is_open() || channel_->queued_bytes() == 0 ||
      std::chrono::steady_clock::now() > deadline) {
    io_.stop();
    return;
  }
  flush_timer_.expires_after(std::chrono::milliseconds(5));
  flush_timer_.async_wait([this, deadline](std::error_code) { stop_when_flushed(deadline); });
}

void Worker::tick() {
  const auto now = std::chrono::steady_clock::now();
  if (slot_ != nullptr) slot_->heartbeat_ms = StatusBoard::now_ms();
  // The process tree is measured every second when a limit is set (a runaway backend can
  // grow by gigabytes in a few seconds), every five otherwise, for /status.
  if (!exiting_ && (options_.memory_limit_mb > 0 || tick_counter_ % 5 == 0)) {
    if (const auto mem = backend_->memory()) {
      if (slot_ != nullptr) slot_->backend_rss_kb = mem->rss_kb;
      const std::uint64_t limit_kb = std::uint64_t{options_.memory_limit_mb} * 1024;
      if (limit_kb > 0 && mem->rss_kb > limit_kb) {
        const std::string why =
            "backend over its memory limit: " + std::to_string(mem->rss_kb / 1024) + " MB in " +
            std::to_string(mem->processes) + " process(es) > memoryLimitMB " +
            std::to_string(options_.memory_limit_mb);
        // No SIGTERM grace for a process eating memory.
        log::error(why + ", killing its process group", {options_.name});
        begin_exit(channel::exit_code::backend_exited, why, StopMode::kill);
        return;
      }
    }
  }
  if (ready_sent_ && !exiting_) {
    if (!ping_in_flight_.empty() && now - ping_sent_at_ > options_.ping_timeout) {
      begin_exit(channel::exit_code::backend_exited,
                 "backend did not answer ping within " +
                     std::to_string(options_.ping_timeout.count()) + " ms (hung)");
      return;
    }
    if (options_.ping_interval.count() > 0 && ping_in_flight_.empty() && now >= next_ping_at_) {
      send_ping();
    }
  }
  ++tick_counter_;
  if (exiting_) return;
  tick_timer_.expires_after(std::chrono::milliseconds(1000));
  tick_timer_.async_wait([this](std::error_code ec) {
    if (!ec) tick();
  });
}

void Worker::send_ping() {
  ping_in_flight_ =
      std::string(channel::worker_id_prefix) + "ping:" + std::to_string(++ping_counter_);
  ping_sent_at_ = std::chrono::steady_clock::now();
  next_ping_at_ = ping_sent_at_ + options_.ping_interval;
  // A modern backend has no ping (removed in 2026-07-28); server/discover is as cheap.
  backend_->send(era_ == Era::modern
                     ? discover_request(ping_in_flight_, modern::meta_object(request_meta_))
                     : R"({"jsonrpc":"2.0","id":)" + json::quote(ping_in_flight_) +
                           R"(,"method":"ping"})");
  // A probe's deadline is checked at the next tick; make sure one comes in time.
  ping_timer_.expires_after(options_.ping_timeout + std::chrono::milliseconds(5));
  ping_timer_.async_wait([this](std::error_code ec) {
    if (!ec && !exiting_ && !ping_in_flight_.empty()) tick();
  });
}

void Worker::send_to_supervisor(std::string_view method, std::string_view params_json) {
  if (channel_) channel_->send(jsonrpc::notification(method, params_json));
}

}  // namespace mcp::worker
