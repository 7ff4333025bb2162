#include "supervisor/gateway.hpp"

#include <signal.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "build_config.hpp"
#include "common/log.hpp"
#include "supervisor/http_front.hpp"
#include "supervisor/router.hpp"
#include "supervisor/worker_pool.hpp"

namespace mcp::supervisor {

namespace {

// SIGTERM to exit: workers get this long before SIGKILL, within the 5 s a service manager
// (and our users) expect.
constexpr auto worker_shutdown_deadline = std::chrono::milliseconds(3000);
constexpr auto shutdown_deadline = std::chrono::milliseconds(4000);

const char* level_name(log::Level l) {
  switch (l) {
    case log::Level::debug: return "debug";
    case log::Level::info: return "info";
    case log::Level::notice: return "notice";
    case log::Level::warning: return "warning";
    case log::Level::error: return "error";
    case log::Level::critical: return "critical";
  }
  return "info";
}

}  // namespace

int run_gateway(const RunCommand& command, Config config) {
  const std::string listen_text =
      !command.listen.empty() ? command.listen
      : !config.gateway.listen.empty() ? config.gateway.listen
                                       : std::string(default_listen);
  const auto listen = parse_listen(listen_text);
  if (!listen) {
    log::critical("invalid listen address '" + listen_text + "' (expected HOST:PORT)");
    return 78;
  }
  const std::string worker_path = locate_worker_binary();
  if (worker_path.empty()) {
    log::critical("cannot find mcproxy-worker next to mcproxy or in " MCPROXY_LIBEXECDIR
                  "; set MCPROXY_WORKER to its path");
    return 69;
  }

  asio::io_context io(1);
  RouterSettings router_settings;
  router_settings.naming = config.gateway.naming;
  Router router(io, router_settings);
  WorkerPool pool(io, worker_path, level_name(log::min_level()), router,
                  config.gateway.max_message_bytes);
  router.set_pool(&pool);

  FrontOptions front_options;
  front_options.host = listen->host;
  front_options.port = listen->port;
  front_options.max_body_bytes = config.gateway.max_message_bytes;
  HttpFront front(io, router, front_options);
  std::string bind_error;
  if (!front.bind(bind_error)) {
    log::critical(bind_error);
    return 71;
  }

  router.set_servers(config.servers);
  for (const auto& server : config.servers) pool.add(server);
  front.start();
  log::notice("listening on http://" + listen->host + ":" + std::to_string(front.port()) +
              " (SSE at /sse, Streamable HTTP at /mcp) with " +
              std::to_string(config.servers.size()) + " server(s) from " + config.path);

  bool stopping = false;
  asio::steady_timer stop_deadline(io);
  asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](std::error_code ec, int) {
      if (ec) return;
      log::warning("SIGHUP received: reloading is not implemented yet; restart to apply changes");
      wait_hup();
    });
  };
  wait_hup();
  stop_signals.async_wait([&](std::error_code ec, int sig) {
    if (ec) return;
    stopping = true;
    log::notice(std::string("received SIG") + sigabbrev_np(sig) + ", shutting down");
    hup.cancel();
    router.shutdown();
    pool.stop_all(worker_shutdown_deadline, [&] { io.stop(); });
    stop_deadline.expires_after(shutdown_deadline);
    stop_deadline.async_wait([&](std::error_code e) {
      if (e) return;
      log::error("workers still running at the shutdown deadline; exiting anyway");
      io.stop();
    });
  });

  io.run();
  front.stop();
  log::notice(stopping ? "stopped" : "event loop ended");
  return 0;
}

}  // namespace mcp::supervisor
