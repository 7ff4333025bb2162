#include "supervisor/gateway.hpp"

#include <signal.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "build_config.hpp"
#include "common/config_diff.hpp"
#include "common/log.hpp"
#include "common/status_board.hpp"
#include "supervisor/config_watcher.hpp"
#include "supervisor/fd_limit.hpp"
#include "supervisor/health_probe.hpp"
#include "supervisor/heap_trim.hpp"
#include "supervisor/http_front.hpp"
#include "supervisor/router.hpp"
#include "supervisor/systemd_notifier.hpp"
#include "supervisor/worker_pool.hpp"

namespace mcp::supervisor {

namespace {

// SIGTERM to exit: workers get this long before SIGKILL, within the 5 s a service manager
// (and our users) expect.
constexpr auto worker_shutdown_deadline = std::chrono::milliseconds(3000);
constexpr auto shutdown_deadline = std::chrono::milliseconds(4000);
// READY=1 waits for the first catalog, but never longer than this: one slow backend must not
// keep `systemctl start` hanging.
constexpr auto startup_ready_deadline = std::chrono::seconds(20);
constexpr auto config_debounce = std::chrono::milliseconds(30);
constexpr std::uint32_t status_board_slots = 1024;
// Workers beat every second; this many missed beats means the worker is stuck.
constexpr auto heartbeat_timeout = std::chrono::milliseconds(5000);

class Gateway {
 public:
  Gateway(const RunCommand& command, Config config, ListenAddress listen, std::string worker_path,
          FdLimit fd_limit)
      : command_(command),
        fd_limit_(fd_limit),
        config_(std::move(config)),
        listen_(std::move(listen)),
        router_(io_, router_settings(config_)),
        pool_(io_, std::move(worker_path), log::level_name(log::min_level()),
              log::sink() == log::Sink::journal, router_, config_.gateway.max_message_bytes),
        front_(io_, router_, front_options(config_, listen_)),
        watcher_(io_, command.config_path, config_debounce, [this] { reload("file change"); }),
        stop_signals_(io_, SIGTERM, SIGINT),
        hup_(io_, SIGHUP),
        test_stall_(io_),
        status_timer_(io_),
        stop_deadline_(io_) {
    router_.set_pool(&pool_);
    pool_.set_child_fd_limit(fd_limit_.inherited_soft);
    warn_if_fds_short(config_);
  }

  int run() {
    std::string error;
    if (!front_.bind(error)) {
      log::critical(error);
      return 71;
    }
    probe_port_ = front_.port();  // the watchdog thread starts below
    // Named after the uid and port: one per running instance, found again after a crash.
    board_ = StatusBoard::create(board_name(front_.port()), status_board_slots, error);
    if (board_) {
      pool_.set_status_board(board_.get(), heartbeat_timeout);
    } else {
      log::warning(error + "; hung workers will not be detected");
    }
    pool_.set_restart_settings(config_.gateway.restart);
    router_.set_servers(config_.servers);
    for (const auto& server : config_.servers) pool_.add(server);
    front_.start();
    log::notice("listening on " + url_of(listen_.host, front_.port()) +
                " (SSE at /sse, Streamable HTTP at /mcp) with " +
                std::to_string(config_.servers.size()) + " server(s) from " + config_.path);
    if (!watcher_.start(error)) log::warning(error + "; config edits need SIGHUP");
    started_at_ = std::chrono::steady_clock::now();
    wait_for_signals();
    tick_status();
    notifier_.start_watchdog(
        [this](std::chrono::milliseconds budget) { return self_check(budget); });

    io_.run();
    front_.stop();
    board_.reset();  // removes the segment
    log::notice(stopping_ ? "stopped" : "event loop ended");
    return 0;
  }

 private:
  void warn_if_fds_short(const Config& c) const {
    // Besides client connections: each worker's channel, the status board, the config
    // watcher's inotify, signal and event-loop descriptors, the journal socket; and slack.
    const std::uint64_t reserved = 64 + 2 * c.servers.size();
    const std::string w = fd_limit_warning(fd_limit_, c.gateway.max_connections, reserved);
    if (!w.empty()) log::warning(w);
  }
  static RouterSettings router_settings(const Config& c) {
    RouterSettings s;
    s.naming = c.gateway.naming;
    s.max_sessions = c.gateway.max_sessions;
    s.session_idle_timeout = std::chrono::milliseconds(c.gateway.session_idle_timeout_ms);
    s.input_wait = std::chrono::milliseconds(c.gateway.input_wait_ms);
    return s;
  }
  static FrontOptions front_options(const Config& c, const ListenAddress& l) {
    FrontOptions o;
    o.host = l.host;
    o.port = l.port;
    o.max_body_bytes = c.gateway.max_message_bytes;
    o.max_connections = c.gateway.max_connections;
    o.max_streams = c.gateway.max_streams;
    o.allowed_origins = c.gateway.allowed_origins;
    o.bearer_tokens = c.gateway.bearer_tokens;
    if (const char* token = std::getenv("MCPROXY_BEARER_TOKEN"); token != nullptr && *token) {
      o.bearer_tokens.emplace_back(token);
    }
    return o;
  }

  void wait_for_signals() {
    stop_signals_.async_wait([this](std::error_code ec, int sig) {
      if (!ec) shutdown(sig);
    });
    wait_for_signals_hup();
    if (std::getenv("MCPROXY_TEST_HOOKS") != nullptr) arm_test_stall();
  }
  void wait_for_signals_hup() {
    hup_.async_wait([this](std::error_code ec, int) {
      if (ec) return;
      reload("SIGHUP");
      if (!stopping_) wait_for_signals_hup();
    });
  }

  // Test-only: SIGUSR2 blocks the event loop, to prove that the watchdog stops pinging.
  void arm_test_stall() {
    test_stall_.add(SIGUSR2);
    test_stall_.async_wait([this](std::error_code ec, int) {
      if (ec) return;
      const char* ms = std::getenv("MCPROXY_TEST_STALL_MS");
      const auto stall = std::chrono::milliseconds(ms ? std::atoi(ms) : 30000);
      log::warning("test hook: stalling the event loop for " + std::to_string(stall.count()) +
                   " ms");
      std::this_thread::sleep_for(stall);
      arm_test_stall();
    });
  }

  void reload(const char* trigger) {
    if (stopping_) return;
    // systemd 252 may return from `systemctl reload` before we saw SIGHUP; saying RELOADING
    // at once keeps the window small (shared/systemd-testing, "A reload race").
    notifier_.reloading();
    const auto t0 = std::chrono::steady_clock::now();
    auto loaded = load_config_file(command_.config_path);
    if (auto* err = std::get_if<ConfigError>(&loaded)) {
      log::error("reload (" + std::string(trigger) +
                 ") rejected, the running config keeps serving: " + err->message);
      notifier_.ready();
      return;
    }
    Config next = std::move(std::get<Config>(loaded));
    for (const auto& w : next.warnings) log::warning(w);
    const ConfigDiff diff = diff_configs(config_, next);
    if (diff.listen_changed) relisten(next.gateway.listen);
    apply(diff, next);
    config_ = std::move(next);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    log::notice("reloaded (" + std::string(trigger) + ") in " + std::to_string(us.count()) +
                " us: " + diff.summary());
    notifier_.ready();
    tick_status_once();
  }

  // mcproxy.listen changed: listen there from now on. Open connections and streams stay where
  // they are; a client that reconnects must use the new address.
  void relisten(const std::string& configured) {
    const std::string old = url_of(listen_.host, front_.port());
    if (!command_.listen.empty()) {
      log::notice("mcproxy.listen changed; --listen " + command_.listen +
                  " on the command line still decides");
      return;
    }
    // An empty listen means the default. The loader has checked the text, so a parse failure
    // here would be a loader bug: it is still reported, not taken as "any address".
    const auto next = parse_listen(configured.empty() ? default_listen : configured);
    std::string error = "cannot parse \"" + configured + "\"";
    if (!next || !front_.rebind(next->host, next->port, error)) {
      log::error("mcproxy.listen: " + error + "; still listening on " + old);
      return;
    }
    {
      std::lock_guard lock(probe_mutex_);
      listen_ = *next;
      probe_port_ = front_.port();
    }
    log::notice("listening on " + url_of(listen_.host, front_.port()) + " (was " + old +
                "; connections made there stay open)");
    // The board goes by the port, so that an mcproxy started later on the old port can have
    // its own (and one started on the new port finds ours in use).
    if (board_ && !board_->rename(board_name(front_.port()), error)) {
      log::warning(error + "; the status board keeps its name " + board_->name());
    }
  }
  static std::string board_name(int port) {
    return "mcproxy-" + std::to_string(::getuid()) + "-" + std::to_string(port);
  }
  static std::string url_of(const std::string& host, int port) {
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }

  void apply(const ConfigDiff& diff, const Config& next) {
    if (diff.gateway_changed) {
      // Every key takes effect now: a token revoked by a reload must stop working at once.
      router_.set_max_sessions(next.gateway.max_sessions);
      router_.set_waits(std::chrono::milliseconds(next.gateway.session_idle_timeout_ms),
                        std::chrono::milliseconds(next.gateway.input_wait_ms));
      if (!(next.gateway.naming == config_.gateway.naming)) router_.set_naming(next.gateway.naming);
      pool_.set_restart_settings(next.gateway.restart);
      front_.apply_limits(front_options(next, listen_));
      if (next.gateway.max_connections != config_.gateway.max_connections) warn_if_fds_short(next);
      if (next.gateway.max_message_bytes != config_.gateway.max_message_bytes) {
        pool_.set_max_message_bytes(next.gateway.max_message_bytes);
        log::notice("mcproxy.maxMessageBytes is now " +
                    std::to_string(next.gateway.max_message_bytes) +
                    " for clients' requests; running workers keep theirs until they restart");
      }
    }
    // The catalog first: removed servers' entries leave, retuned ones are renamed or
    // refiltered, and clients hear list_changed once.
    router_.set_servers(next.servers);
    auto idle = [this](std::string name) {
      return [this, name] { return router_.in_flight(name) == 0; };
    };
    for (const auto& name : diff.removed) pool_.retire(name, idle(name));
    for (const auto& name : diff.restarted) pool_.replace(*next.find(name), idle(name));
    for (const auto& name : diff.retuned) pool_.retune(*next.find(name));
    for (const auto& name : diff.added) pool_.add(*next.find(name));
  }

  void shutdown(int sig) {
    stopping_ = true;
    log::notice(std::string("received SIG") + sigabbrev_np(sig) + ", shutting down");
    notifier_.stopping();
    hup_.cancel();
    test_stall_.cancel();
    status_timer_.cancel();
    // Calls in flight get their error frames first; then the front stops, and its streams end
    // after writing what is queued (idle keep-alive connections drain while the workers stop).
    router_.shutdown();
    front_.begin_stop();
    pool_.stop_all(worker_shutdown_deadline, [this] { io_.stop(); });
    stop_deadline_.expires_after(shutdown_deadline);
    stop_deadline_.async_wait([this](std::error_code e) {
      if (e) return;
      log::error("workers still running at the shutdown deadline; exiting anyway");
      io_.stop();
    });
  }

  std::string status_text(std::size_t* enabled_out, std::size_t* settled_out) const {
    std::size_t enabled = 0, ready = 0, settled = 0;
    pool_.for_each([&](const WorkerSlot& s) {
      if (s.state == WorkerState::disabled) return;
      ++enabled;
      ready += s.state == WorkerState::ready;
      settled += s.state == WorkerState::ready || s.state == WorkerState::failed;
    });
    if (enabled_out) *enabled_out = enabled;
    if (settled_out) *settled_out = settled;
    return std::to_string(ready) + "/" + std::to_string(enabled) + " servers ready, " +
           std::to_string(router_.session_count()) + " session(s)";
  }

  void tick_status_once() {
    std::size_t enabled = 0, settled = 0;
    const std::string text = status_text(&enabled, &settled);
    notifier_.status(text);
    if (!ready_sent_ && (settled == enabled ||
                         std::chrono::steady_clock::now() - started_at_ > startup_ready_deadline)) {
      ready_sent_ = true;
      log::notice("ready: " + text);
      notifier_.ready();
    }
  }

  void tick_status() {
    tick_status_once();
    give_back_free_heap(std::chrono::steady_clock::now());
    // Fast until READY, then once a second for STATUS=.
    status_timer_.expires_after(ready_sent_ ? std::chrono::milliseconds(1000)
                                            : std::chrono::milliseconds(20));
    status_timer_.async_wait([this](std::error_code ec) {
      if (!ec) tick_status();
    });
  }

  // Runs on the watchdog thread.
  bool self_check(std::chrono::milliseconds budget) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(io_, [done] { done->set_value(); });
    if (f.wait_for(budget) != std::future_status::ready) return false;
    std::string host;
    int port = 0;
    {
      // A reload may move the listening socket while this thread probes.
      std::lock_guard lock(probe_mutex_);
      host = listen_.host;
      port = probe_port_;
    }
    if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
    if (host == "::") host = "::1";
    return probe_health(host, port, budget);
  }

  std::unique_ptr<StatusBoard> board_;
  RunCommand command_;
  FdLimit fd_limit_;
  std::mutex probe_mutex_;  // listen_ and probe_port_: the loop writes, the watchdog reads
  int probe_port_ = 0;
  Config config_;
  ListenAddress listen_;
  asio::io_context io_{1};
  SystemdNotifier notifier_;
  Router router_;
  WorkerPool pool_;
  HttpFront front_;
  ConfigWatcher watcher_;
  asio::signal_set stop_signals_;
  asio::signal_set hup_;
  asio::signal_set test_stall_;
  asio::steady_timer status_timer_;
  asio::steady_timer stop_deadline_;
  std::chrono::steady_clock::time_point started_at_;
  bool ready_sent_ = false;
  bool stopping_ = false;
};

}  // namespace

int run_gateway(const RunCommand& command, Config config) {
  const std::string listen_text = !command.listen.empty()          ? command.listen
                                  : !config.gateway.listen.empty() ? config.gateway.listen
                                                                   : std::string(default_listen);
  const auto listen = parse_listen(listen_text);
  if (!listen) {
    log::critical("invalid listen address '" + listen_text + "' (expected HOST:PORT)");
    return 78;
  }
  std::string worker_path = locate_worker_binary();
  if (worker_path.empty()) {
    log::critical("cannot find mcproxy-worker next to mcproxy or in " MCPROXY_LIBEXECDIR
                  "; set MCPROXY_WORKER to its path");
    return 69;
  }
  const FdLimit fds = raise_fd_limit();
  if (fds.soft != fds.inherited_soft) {
    log::info("raised the soft fd limit from " + std::to_string(fds.inherited_soft) + " to " +
              std::to_string(fds.soft) + "; workers and backends keep " +
              std::to_string(fds.inherited_soft));
  }
  Gateway gateway(command, std::move(config), *listen, std::move(worker_path), fds);
  return gateway.run();
}

}  // namespace mcp::supervisor
