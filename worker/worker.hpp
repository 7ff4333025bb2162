// One worker process: runs one backend, a local stdio process or a remote server over HTTP,
// and relays between it and the supervisor. Its life is the backend's life (see
// protocol/channel.hpp): when the backend goes, the worker reports why and exits, and the
// supervisor decides when to start the pair again.
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "common/config.hpp"
#include "common/framed_stream.hpp"
#include "common/status_board.hpp"
#include "protocol/modern_meta.hpp"
#include "worker/backend.hpp"
#include "worker/backend_process.hpp"
#include "worker/catalog_fetcher.hpp"
#include "worker/era_probe.hpp"

namespace mcp::worker {

struct WorkerOptions {
  std::string name;
  BackendTransport transport = BackendTransport::stdio;
  BackendSpec backend;  // stdio
  // remote
  std::string url;
  std::map<std::string, std::string> headers;  // values may hold ${VAR}; never logged
  std::chrono::milliseconds init_timeout{30000};
  std::size_t max_message_bytes = 16u << 20;
  std::uint32_t memory_limit_mb = 0;
  std::chrono::milliseconds ping_interval{30000};  // 0: no pings
  std::chrono::milliseconds ping_timeout{10000};
  // How long the era probe (server/discover) may go unanswered before the backend is taken
  // for a legacy one; a forced era skips the probe.
  std::chrono::milliseconds era_probe_timeout{3000};
  std::optional<Era> forced_era;
  std::string status_board;
  std::uint32_t status_slot = 0;
};

class Worker {
 public:
  Worker(asio::io_context& io, UniqueFd channel_fd);

  // Reads mcproxy/start synchronously (nothing else can happen before it), then starts the
  // backend. Returns the exit code to use if start-up already failed.
  std::optional<int> start();
  // The exit code decided when the loop stopped.
  int exit_code() const { return exit_code_; }

 private:
  std::optional<int> read_start_message();
  // The backend the start message describes, or why there cannot be one.
  std::variant<std::unique_ptr<Backend>, Backend::StartError> make_backend();
  std::variant<std::unique_ptr<Backend>, Backend::StartError> make_remote_backend();
  void on_channel_line(std::string_view line);
  void on_backend_line(std::string_view line);
  // Era detection (worker/era_probe.hpp): server/discover first, initialize as the fallback.
  void begin_era_probe();
  void send_discover(const std::string& version);
  void on_probe_answer(const json::Value& msg);
  void become_legacy(const std::string& why);
  void become_modern(const json::Value& discover_result, const std::string& version);
  // A modern backend: what the supervisor sends, made into what the backend takes.
  void send_to_modern_backend(std::string_view line);
  void answer_locally(std::string_view id_json, std::string_view result_json);
  // A modern backend's change notifications come on a subscriptions/listen request's stream.
  void open_listen();
  void on_listen_answer(const json::Value& msg, const std::string& id);
  bool on_modern_notification(const json::Value& msg, std::string_view method);
  void on_backend_diagnostic(std::string_view line);
  void apply(const CatalogFetcher::Step& step);
  void send_to_supervisor(std::string_view method, std::string_view params_json);
  // Once a second: heartbeat, backend memory (and its limit).
  void tick();
  // Sends a ping the backend must answer within ping_timeout, or be restarted.
  void send_ping();
  // Stops the backend and exits with code once it is gone.
  void begin_exit(int code, const std::string& reason, StopMode mode = StopMode::graceful);
  void finish_exit();
  void stop_when_flushed(std::chrono::steady_clock::time_point deadline);

  asio::io_context& io_;
  std::shared_ptr<FramedStream> channel_;
  UniqueFd channel_fd_;
  WorkerOptions options_;
  std::unique_ptr<Backend> backend_;
  CatalogFetcher fetcher_;
  bool ready_sent_ = false;
  bool exiting_ = false;
  int exit_code_ = 0;
  std::string reason_;
  bool reason_is_placeholder_ = false;
  asio::signal_set signals_;
  asio::steady_timer init_timer_;
  asio::steady_timer flush_timer_;
  asio::steady_timer tick_timer_;
  asio::steady_timer ping_timer_;
  std::unique_ptr<StatusBoard> board_;
  StatusSlot* slot_ = nullptr;
  // Era: unknown until the probe is judged.
  std::optional<Era> era_;
  std::string probe_id_;       // the discover request in flight
  std::string probe_version_;  // the version it asked for
  unsigned probe_attempts_ = 0;
  asio::steady_timer probe_timer_;
  modern::RequestMeta request_meta_;  // what we say about ourselves to a modern backend
  std::string log_level_;  // the last logging/setLevel the supervisor sent (legacy clients)
  // subscriptions/listen: the newest request, those still open, and what it asks for.
  std::string listen_id_;
  std::set<std::string> open_listens_;
  std::set<std::string> resource_subscriptions_;
  unsigned listen_counter_ = 0;
  std::chrono::milliseconds listen_retry_delay_{1000};
  asio::steady_timer listen_timer_;
  std::string ping_in_flight_;  // id of the unanswered ping, if any
  std::chrono::steady_clock::time_point ping_sent_at_;
  std::chrono::steady_clock::time_point next_ping_at_;
  unsigned ping_counter_ = 0;
  unsigned tick_counter_ = 0;
  std::deque<std::string> stderr_tail_;  // last diagnostic lines, reported when the worker exits
};

}  // namespace mcp::worker
