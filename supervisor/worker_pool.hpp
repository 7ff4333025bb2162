// The worker processes: spawn, reap, restart with backoff, stop. Nothing else in the
// supervisor creates processes. Each server has one slot whose life is a handful of explicit
// states; every transition goes through transition() and is logged with what happens next.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/framed_stream.hpp"
#include "common/status_board.hpp"
#include "protocol/json.hpp"
#include "supervisor/backoff_policy.hpp"
#include "supervisor/pinned_program.hpp"

namespace mcp::supervisor {

enum class WorkerState { starting, ready, backoff, draining, stopped, failed, disabled };
const char* to_string(WorkerState s);

// What the pool tells the rest of the supervisor. Called on the loop.
class WorkerEvents {
 public:
  virtual ~WorkerEvents() = default;
  virtual void on_worker_ready(const std::string& server, json::Document params) = 0;
  virtual void on_worker_list_changed(const std::string& server, json::Document params) = 0;
  virtual void on_worker_message(const std::string& server, json::Document message) = 0;
  // The worker is gone (its channel closed): in-flight calls to it must fail now.
  virtual void on_worker_down(const std::string& server, const std::string& reason) = 0;
};

struct WorkerSlot {
  explicit WorkerSlot(asio::io_context& io) : restart_timer(io), kill_timer(io) {}

  ServerConfig config;
  WorkerState state = WorkerState::stopped;
  pid_t worker_pid = -1;
  pid_t backend_pid = -1;
  std::shared_ptr<FramedStream> channel;
  BackoffPolicy backoff;
  asio::steady_timer restart_timer;
  asio::steady_timer kill_timer;
  std::uint32_t restarts = 0;
  std::string last_exit;                 // why the previous incarnation ended
  std::string exiting_reason;            // what the worker said just before it exited
  std::vector<std::string> stderr_tail;  // the backend's last stderr lines, from that message
  bool down_reported = false;            // on_worker_down sent for this incarnation
  bool remove_when_stopped = false;
  std::optional<ServerConfig> next_config;  // start with this once the current worker is gone
  std::uint32_t board_slot = 0;             // its slot on the status board
  std::uint64_t spawned_ms = 0;             // CLOCK_MONOTONIC ms, when the worker was spawned
};

class WorkerPool {
 public:
  WorkerPool(asio::io_context& io, std::string worker_path, std::string log_level, bool journal,
             WorkerEvents& events, std::size_t max_message_bytes);
  // Applies to restarts decided from now on.
  void set_restart_settings(const RestartSettings& r);
  // For workers started from now on; a running one keeps the limit it was started with.
  void set_max_message_bytes(std::size_t n) { max_message_bytes_ = n; }
  // The soft fd limit workers put back before starting their backend (0: leave theirs).
  void set_child_fd_limit(std::uint64_t soft) { child_fd_limit_ = soft; }

  // Adds a server and starts its worker (or records it as disabled).
  void add(const ServerConfig& config);
  // Reload: the server is gone from the config. Its worker is drained (no new calls; idle()
  // says when the calls in flight are done, or drain_deadline passes), stopped and forgotten.
  void retire(const std::string& name, std::function<bool()> idle);
  // Reload: a process-shaping field changed. Drained like retire, then started again with the
  // new config.
  void replace(const ServerConfig& config, std::function<bool()> idle);
  // Reload: only presentation or call timeouts changed; the worker is kept.
  void retune(const ServerConfig& config);
  // Sends a frame to a ready worker; false if the server is not ready.
  bool send(const std::string& name, std::string_view frame);
  const WorkerSlot* slot(const std::string& name) const;
  template <typename Fn>
  void for_each(Fn fn) const {
    for (const auto& [name, slot] : slots_) fn(*slot);
  }
  std::size_t ready_count() const;
  // Where workers report heartbeats; without one there is no hung-worker detection.
  void set_status_board(StatusBoard* board, std::chrono::milliseconds heartbeat_timeout);
  // The slot a server's worker writes, if any.
  const StatusSlot* status_slot(const std::string& name) const;
  // Sends a control frame (e.g. mcproxy/probe) to a live worker in any state.
  void send_control(const std::string& name, std::string_view frame);
  std::size_t live_workers() const;
  // Asks every worker to stop; SIGKILLs what is left at the deadline; calls done when every
  // worker has been reaped.
  void stop_all(std::chrono::milliseconds deadline, std::function<void()> done);

 private:
  void spawn(WorkerSlot& slot);
  void send_start(WorkerSlot& slot);
  void on_channel_line(WorkerSlot& slot, std::string_view line);
  void on_channel_closed(WorkerSlot& slot);
  void watch_children();
  void on_reaped(WorkerSlot& slot, int status);
  void request_stop(WorkerSlot& slot, std::chrono::milliseconds grace);
  void drain(WorkerSlot& slot, std::function<bool()> idle,
             std::chrono::steady_clock::time_point deadline);
  void start_fresh(WorkerSlot& slot);
  void transition(WorkerSlot& slot, WorkerState to, const std::string& why);
  void check_all_stopped();
  void check_heartbeats();
  std::uint32_t claim_board_slot();
  void release_board_slot(const WorkerSlot& slot);

  asio::io_context& io_;
  PinnedProgram worker_program_;         // stdio servers
  PinnedProgram remote_worker_program_;  // remote servers (HTTP)
  std::string log_level_;
  bool journal_;
  BackoffSettings backoff_settings_;
  WorkerEvents& events_;
  std::size_t max_message_bytes_;
  std::uint64_t child_fd_limit_ = 0;
  asio::signal_set child_signal_;
  std::map<std::string, std::unique_ptr<WorkerSlot>> slots_;
  std::map<pid_t, std::string> by_pid_;
  bool stopping_all_ = false;
  StatusBoard* board_ = nullptr;
  std::chrono::milliseconds heartbeat_timeout_{10000};
  std::vector<bool> board_slots_used_;
  asio::steady_timer heartbeat_timer_;
  std::function<void()> all_stopped_;
};

// Finds mcproxy-worker: $MCPROXY_WORKER, next to our executable, in the build tree, then the
// install path.
std::string locate_worker_binary();
// mcproxy-remote-worker, which sits next to mcproxy-worker.
std::string remote_worker_path(const std::string& worker_path);

}  // namespace mcp::supervisor
