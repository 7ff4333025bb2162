#include "supervisor/worker_pool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "build_config.hpp"
#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"

extern char** environ;

namespace mcp::supervisor {

namespace {

constexpr auto worker_stop_grace = std::chrono::milliseconds(4000);
// How long a retired server's calls in flight may take before its worker is stopped anyway.
constexpr auto drain_deadline = std::chrono::milliseconds(10000);
constexpr auto drain_poll = std::chrono::milliseconds(20);

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("signal ") +
           (name ? std::string("SIG") + name : std::to_string(WTERMSIG(status)));
  }
  return "status " + std::to_string(status);
}

std::string format_delay(std::chrono::milliseconds d) {
  if (d.count() < 1000) return std::to_string(d.count()) + " ms";
  return std::to_string(d.count() / 1000) + " s";
}

// Children start clean: systemd's variables are meant for us alone (design.md, "Children
// start clean"); a backend that saw NOTIFY_SOCKET could claim to be the service.
std::vector<std::string> worker_environment() {
  static constexpr std::string_view dropped[] = {
      "NOTIFY_SOCKET=", "WATCHDOG_PID=", "WATCHDOG_USEC=",
      "LISTEN_FDS=",    "LISTEN_PID=",   "LISTEN_FDNAMES="};
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool drop = false;
    for (auto d : dropped) drop = drop || entry.substr(0, d.size()) == d;
    if (!drop) out.emplace_back(entry);
  }
  return out;
}

std::string start_params(const ServerConfig& c, std::size_t max_message_bytes,
                         std::uint64_t fd_limit, const StatusBoard* board, std::uint32_t slot) {
  json::Document d;
  auto& a = d.GetAllocator();
  d.SetObject();
  d.AddMember("name", json::string_value(c.name, a), a);
  const char* transport = "stdio";
  switch (c.transport) {
    case BackendTransport::stdio:
      break;
    case BackendTransport::sse:
      transport = "sse";
      break;
    case BackendTransport::streamable_http:
      transport = "streamable-http";
      break;
    case BackendTransport::http_auto:
      transport = "auto";
      break;
  }
  d.AddMember("transport", rapidjson::StringRef(transport), a);
  d.AddMember("command", json::string_value(c.command, a), a);
  json::Value args(rapidjson::kArrayType);
  for (const auto& s : c.args) args.PushBack(json::string_value(s, a), a);
  d.AddMember("args", args, a);
  json::Value env(rapidjson::kObjectType);
  for (const auto& [k, v] : c.env)
    env.AddMember(json::string_value(k, a), json::string_value(v, a), a);
  d.AddMember("env", env, a);
  d.AddMember("cwd", json::string_value(c.cwd, a), a);
  d.AddMember("url", json::string_value(c.url, a), a);
  // Values as written: the worker expands ${VAR} from its environment.
  json::Value headers(rapidjson::kObjectType);
  for (const auto& [k, v] : c.headers)
    headers.AddMember(json::string_value(k, a), json::string_value(v, a), a);
  d.AddMember("headers", headers, a);
  d.AddMember("initTimeoutMs", c.init_timeout_ms, a);
  d.AddMember("maxMessageBytes", static_cast<std::uint64_t>(max_message_bytes), a);
  d.AddMember("memoryLimitMB", c.memory_limit_mb, a);
  d.AddMember("pingIntervalMs", c.ping_interval_ms, a);
  d.AddMember("pingTimeoutMs", c.ping_timeout_ms, a);
  d.AddMember("era", json::string_value(c.era, a), a);
  d.AddMember("eraProbeTimeoutMs", c.era_probe_timeout_ms, a);
  if (fd_limit != 0) d.AddMember("fdSoftLimit", fd_limit, a);
  if (board != nullptr) {
    d.AddMember("statusBoard", json::string_value(board->name(), a), a);
    d.AddMember("statusSlot", slot, a);
  }
  return json::to_string(d);
}

}  // namespace

const char* to_string(WorkerState s) {
  switch (s) {
    case WorkerState::starting:
      return "starting";
    case WorkerState::ready:
      return "ready";
    case WorkerState::backoff:
      return "backoff";
    case WorkerState::draining:
      return "draining";
    case WorkerState::stopped:
      return "stopped";
    case WorkerState::failed:
      return "failed";
    case WorkerState::disabled:
      return "disabled";
  }
  return "?";
}

std::string remote_worker_path(const std::string& worker_path) {
  const auto slash = worker_path.rfind('/');
  return (slash == std::string::npos ? std::string() : worker_path.substr(0, slash + 1)) +
         "mcproxy-remote-worker";
}

std::string locate_worker_binary() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("MCPROXY_WORKER"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(self.parent_path() / "mcproxy-worker");
    candidates.push_back(self.parent_path().parent_path() / "worker" / "mcproxy-worker");
  }
  candidates.push_back(fs::path(MCPROXY_LIBEXECDIR) / "mcproxy-worker");
  candidates.push_back(fs::path(MCPROXY_BINDIR) / "mcproxy-worker");
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) return c.string();
  }
  return {};
}

WorkerPool::WorkerPool(asio::io_context& io, std::string worker_path, std::string log_level,
                       bool journal, WorkerEvents& events, std::size_t max_message_bytes)
    : io_(io),
      worker_program_(worker_path),
      remote_worker_program_(remote_worker_path(worker_path)),
      log_level_(std::move(log_level)),
      journal_(journal),
      events_(events),
      max_message_bytes_(max_message_bytes),
      child_signal_(io, SIGCHLD),
      heartbeat_timer_(io) {
  if (!worker_program_.pinned()) {
    log::warning("cannot hold " + worker_program_.path() +
                 " open; workers are started from that path each time, so an upgrade that "
                 "replaces it before mcproxy restarts mixes versions");
  }
  watch_children();
}

void WorkerPool::set_restart_settings(const RestartSettings& r) {
  backoff_settings_.initial = std::chrono::milliseconds(r.initial_ms);
  backoff_settings_.max = std::chrono::milliseconds(r.max_ms);
  backoff_settings_.stable_after = std::chrono::milliseconds(r.stable_ms);
  backoff_settings_.max_fast_failures = r.max_fast_failures;
  backoff_settings_.failed_retry = std::chrono::milliseconds(r.failed_retry_ms);
  for (auto& [name, slot] : slots_) slot->backoff.set_settings(backoff_settings_);
}

void WorkerPool::set_status_board(StatusBoard* board, std::chrono::milliseconds heartbeat_timeout) {
  board_ = board;
  heartbeat_timeout_ = heartbeat_timeout;
  board_slots_used_.assign(board ? board->slot_count() : 0, false);
  for (auto& [name, slot] : slots_) slot->board_slot = claim_board_slot();
  check_heartbeats();
}

std::uint32_t WorkerPool::claim_board_slot() {
  for (std::uint32_t i = 0; i < board_slots_used_.size(); ++i) {
    if (!board_slots_used_[i]) {
      board_slots_used_[i] = true;
      board_->reset_slot(i);  // nothing of a removed server's counters or last error
      return i;
    }
  }
  return UINT32_MAX;  // board full: this worker reports nothing there
}

void WorkerPool::release_board_slot(const WorkerSlot& slot) {
  if (slot.board_slot < board_slots_used_.size()) board_slots_used_[slot.board_slot] = false;
}

const StatusSlot* WorkerPool::status_slot(const std::string& name) const {
  auto it = slots_.find(name);
  if (it == slots_.end() || board_ == nullptr) return nullptr;
  return board_->slot(it->second->board_slot);
}

void WorkerPool::send_control(const std::string& name, std::string_view frame) {
  auto it = slots_.find(name);
  if (it != slots_.end() && it->second->channel && it->second->channel->is_open()) {
    it->second->channel->send(frame);
  }
}

void WorkerPool::check_heartbeats() {
  if (board_ == nullptr || stopping_all_) return;
  const std::uint64_t now = StatusBoard::now_ms();
  const auto timeout = static_cast<std::uint64_t>(heartbeat_timeout_.count());
  for (auto& [name, slot] : slots_) {
    if (slot->worker_pid <= 0 || slot->state == WorkerState::draining) continue;
    const StatusSlot* s = board_->slot(slot->board_slot);
    if (s == nullptr) continue;
    const std::uint64_t beat = std::max<std::uint64_t>(s->heartbeat_ms.load(), slot->spawned_ms);
    if (now <= beat || now - beat <= timeout) continue;
    log::error("worker pid " + std::to_string(slot->worker_pid) + " has not beaten for " +
                   std::to_string(now - beat) + " ms; killing it and its backend's process group",
               {name});
    slot->exiting_reason =
        "heartbeat stale for " + std::to_string(now - beat) + " ms (hung worker)";
    ::kill(slot->worker_pid, SIGKILL);
    if (slot->backend_pid > 0) ::kill(-slot->backend_pid, SIGKILL);
    slot->spawned_ms = now;  // one kill per stale period; the reap restarts it
  }
  heartbeat_timer_.expires_after(std::chrono::milliseconds(500));
  heartbeat_timer_.async_wait([this](std::error_code ec) {
    if (!ec) check_heartbeats();
  });
}

void WorkerPool::transition(WorkerSlot& slot, WorkerState to, const std::string& why) {
  if (slot.state == to) return;
  const auto level = to == WorkerState::failed    ? log::Level::error
                     : to == WorkerState::backoff ? log::Level::warning
                                                  : log::Level::info;
  log::write(level, {slot.config.name},
             std::string("worker: ") + to_string(slot.state) + " -> " + to_string(to) +
                 (why.empty() ? "" : ", " + why));
  slot.state = to;
}

void WorkerPool::add(const ServerConfig& config) {
  auto slot = std::make_unique<WorkerSlot>(io_);
  slot->config = config;
  if (board_ != nullptr) slot->board_slot = claim_board_slot();
  WorkerSlot& s = *slot;
  slots_[config.name] = std::move(slot);
  start_fresh(s);
}

void WorkerPool::start_fresh(WorkerSlot& slot) {
  slot.backoff = BackoffPolicy(backoff_settings_);
  if (slot.config.disabled) {
    transition(slot, WorkerState::disabled, "disabled in the config");
    return;
  }
  spawn(slot);
}

void WorkerPool::retire(const std::string& name, std::function<bool()> idle) {
  auto it = slots_.find(name);
  if (it == slots_.end()) return;
  WorkerSlot& slot = *it->second;
  slot.next_config.reset();
  slot.remove_when_stopped = true;
  if (slot.worker_pid <= 0) {
    slot.restart_timer.cancel();
    release_board_slot(slot);
    slots_.erase(it);
    return;
  }
  drain(slot, std::move(idle), std::chrono::steady_clock::now() + drain_deadline);
}

void WorkerPool::replace(const ServerConfig& config, std::function<bool()> idle) {
  auto it = slots_.find(config.name);
  if (it == slots_.end()) {
    add(config);
    return;
  }
  WorkerSlot& slot = *it->second;
  slot.remove_when_stopped = false;
  if (slot.worker_pid <= 0) {
    slot.restart_timer.cancel();
    slot.config = config;
    start_fresh(slot);
    return;
  }
  slot.next_config = config;
  drain(slot, std::move(idle), std::chrono::steady_clock::now() + drain_deadline);
}

void WorkerPool::retune(const ServerConfig& config) {
  auto it = slots_.find(config.name);
  if (it != slots_.end()) it->second->config = config;
}

void WorkerPool::drain(WorkerSlot& slot, std::function<bool()> idle,
                       std::chrono::steady_clock::time_point deadline) {
  if (slot.state != WorkerState::draining) {
    transition(slot, WorkerState::draining, "refusing new calls, finishing the ones in flight");
  }
  if (idle() || std::chrono::steady_clock::now() >= deadline) {
    request_stop(slot, worker_stop_grace);
    return;
  }
  slot.restart_timer.expires_after(drain_poll);
  WorkerSlot* s = &slot;
  slot.restart_timer.async_wait([this, s, idle = std::move(idle), deadline](std::error_code ec) {
    if (!ec) drain(*s, idle, deadline);
  });
}

void WorkerPool::spawn(WorkerSlot& slot) {
  const std::string& name = slot.config.name;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    transition(slot, WorkerState::backoff, std::string("socketpair: ") + std::strerror(errno));
    on_reaped(slot, 0);
    return;
  }
  UniqueFd ours(sv[0]);
  UniqueFd theirs(sv[1]);
  if (theirs.get() == channel::worker_fd) {
    // dup2 onto itself would leave close-on-exec set; move it out of the way first.
    theirs.reset(::fcntl(sv[1], F_DUPFD_CLOEXEC, 10));
  }

  // Remote servers need HTTP; their worker is a separate program (worker/meson.build).
  const PinnedProgram& program =
      slot.config.transport == BackendTransport::stdio ? worker_program_ : remote_worker_program_;
  // argv[0] names the program: exec'd through /proc, the worker takes its process name from it.
  std::vector<std::string> arg_storage = {program.path().substr(program.path().rfind('/') + 1),
                                          "--server", name, "--log-level", log_level_};
  if (journal_) arg_storage.push_back("--journal");
  std::vector<char*> argv;
  for (auto& a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = worker_environment();
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  // posix_spawn, not fork: this process is multi-threaded (design.md, "fork+exec, not bare
  // fork"). The channel lands on fd 3; everything else is close-on-exec and also closed
  // explicitly, so no listening socket or client connection leaks into a worker.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), channel::worker_fd);
  posix_spawn_file_actions_addclosefrom_np(&actions, channel::worker_fd + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, program.exec_path().c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    log::error("cannot start " + program.path() + ": " + std::strerror(rc), {name});
    slot.last_exit = std::string("cannot start worker: ") + std::strerror(rc);
    transition(slot, WorkerState::failed, "not retrying until the config changes");
    return;
  }
  theirs.reset();
  slot.worker_pid = pid;
  slot.backend_pid = -1;
  slot.exiting_reason.clear();
  slot.down_reported = false;
  slot.backoff.on_started(std::chrono::steady_clock::now());
  slot.spawned_ms = StatusBoard::now_ms();
  if (StatusSlot* b = board_ ? board_->slot(slot.board_slot) : nullptr) {
    b->in_use = 1;
    b->worker_pid = pid;
    b->backend_pid = 0;
    b->heartbeat_ms = slot.spawned_ms;
    b->backend_rss_kb = 0;
  }
  by_pid_[pid] = name;
  transition(slot, WorkerState::starting, "worker pid " + std::to_string(pid));

  slot.channel = FramedStream::create(io_, std::move(ours), max_message_bytes_ + 65536);
  WorkerSlot* s = &slot;
  slot.channel->start_reading({
      .on_line = [this, s](std::string_view line) { on_channel_line(*s, line); },
      .on_oversize =
          [s](std::size_t bytes) {
            log::error("dropped a " + std::to_string(bytes) + "-byte frame from the worker",
                       {s->config.name});
          },
      .on_closed = [this, s](std::error_code) { on_channel_closed(*s); },
  });
  send_start(slot);
}

void WorkerPool::send_start(WorkerSlot& slot) {
  slot.channel->send(jsonrpc::notification(
      channel::method::start,
      start_params(slot.config, max_message_bytes_, child_fd_limit_, board_, slot.board_slot)));
}

void WorkerPool::on_channel_line(WorkerSlot& slot, std::string_view line) {
  json::Document doc;
  if (json::parse(line, doc) || !doc.IsObject()) {
    log::error("worker sent a frame that is not a JSON object (dropped)", {slot.config.name});
    return;
  }
  const auto method = json::string_member(doc, "method");
  if (method && method->substr(0, 8) == "mcproxy/") {
    json::Document params;
    if (const json::Value* p = json::member(doc, "params"))
      params.CopyFrom(*p, params.GetAllocator());
    if (*method == channel::method::backend_started) {
      if (const json::Value* pid = json::member(params, "pid"); pid && pid->IsInt()) {
        slot.backend_pid = pid->GetInt();
      }
    } else if (*method == channel::method::ready) {
      if (slot.state == WorkerState::starting) {
        transition(slot, WorkerState::ready, "backend pid " + std::to_string(slot.backend_pid));
      }
      events_.on_worker_ready(slot.config.name, std::move(params));
    } else if (*method == channel::method::list_changed) {
      events_.on_worker_list_changed(slot.config.name, std::move(params));
    } else if (*method == channel::method::exiting) {
      slot.exiting_reason = std::string(json::string_member(params, "reason").value_or(""));
      slot.stderr_tail.clear();
      if (const json::Value* tail = json::array_member(params, "stderrTail")) {
        for (const auto& entry : tail->GetArray()) {
          if (entry.IsString())
            slot.stderr_tail.emplace_back(entry.GetString(), entry.GetStringLength());
        }
      }
    }
    return;
  }
  events_.on_worker_message(slot.config.name, std::move(doc));
}

void WorkerPool::on_channel_closed(WorkerSlot& slot) {
  if (slot.channel) slot.channel->close();
  if (!slot.down_reported) {
    slot.down_reported = true;
    events_.on_worker_down(slot.config.name,
                           slot.exiting_reason.empty() ? "worker exited" : slot.exiting_reason);
  }
}

void WorkerPool::watch_children() {
  child_signal_.async_wait([this](std::error_code ec, int) {
    if (ec) return;
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = by_pid_.find(pid);
      if (it == by_pid_.end()) continue;
      const std::string name = it->second;
      by_pid_.erase(it);
      auto slot = slots_.find(name);
      if (slot != slots_.end() && slot->second->worker_pid == pid) on_reaped(*slot->second, status);
    }
    watch_children();
  });
}

void WorkerPool::on_reaped(WorkerSlot& slot, int status) {
  const std::string name = slot.config.name;  // a copy: the slot may be erased below
  slot.kill_timer.cancel();
  if (slot.channel) slot.channel->close();
  on_channel_closed(slot);
  const bool normal_exit =
      WIFEXITED(status) && WEXITSTATUS(status) != channel::exit_code::channel_lost;
  // A worker that died without cleaning up (SIGKILL, a crash) leaves its backend's process
  // group behind; the backend's pid is its group id (worker/backend_process.hpp).
  if (!normal_exit && slot.backend_pid > 0) ::kill(-slot.backend_pid, SIGKILL);
  slot.worker_pid = -1;
  slot.backend_pid = -1;
  slot.last_exit =
      describe_status(status) + (slot.exiting_reason.empty() ? "" : ": " + slot.exiting_reason);

  if (slot.state == WorkerState::draining || stopping_all_) {
    transition(slot, WorkerState::stopped, slot.last_exit);
    if (!stopping_all_ && slot.next_config) {
      slot.config = *slot.next_config;
      slot.next_config.reset();
      start_fresh(slot);
      return;
    }
    if (slot.remove_when_stopped) {
      release_board_slot(slot);
      slots_.erase(name);
    }
    check_all_stopped();
    return;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == channel::exit_code::config) {
    transition(slot, WorkerState::failed,
               slot.last_exit + "; not retrying until the config changes");
    return;
  }
  const auto decision = slot.backoff.on_exit(std::chrono::steady_clock::now());
  transition(slot, decision.failed ? WorkerState::failed : WorkerState::backoff,
             slot.last_exit + ", restarting in " + format_delay(decision.delay));
  slot.restart_timer.expires_after(decision.delay);
  WorkerSlot* s = &slot;
  slot.restart_timer.async_wait([this, s](std::error_code ec) {
    if (ec || stopping_all_) return;
    if (s->state == WorkerState::backoff || s->state == WorkerState::failed) {
      ++s->restarts;
      spawn(*s);
    }
  });
}

void WorkerPool::request_stop(WorkerSlot& slot, std::chrono::milliseconds grace) {
  slot.restart_timer.cancel();
  if (slot.worker_pid <= 0) {
    transition(slot, WorkerState::stopped, "");
    return;
  }
  if (slot.state != WorkerState::draining) {
    transition(slot, WorkerState::draining,
               "stopping worker pid " + std::to_string(slot.worker_pid));
  }
  if (slot.channel && slot.channel->is_open()) {
    slot.channel->send(jsonrpc::notification(channel::method::shutdown));
  } else {
    ::kill(slot.worker_pid, SIGTERM);
  }
  slot.kill_timer.expires_after(grace);
  WorkerSlot* s = &slot;
  slot.kill_timer.async_wait([s](std::error_code ec) {
    if (ec || s->worker_pid <= 0) return;
    log::warning("worker did not stop in time, sending SIGKILL to it and its backend's group",
                 {s->config.name});
    ::kill(s->worker_pid, SIGKILL);
    if (s->backend_pid > 0) ::kill(-s->backend_pid, SIGKILL);
  });
}

bool WorkerPool::send(const std::string& name, std::string_view frame) {
  auto it = slots_.find(name);
  if (it == slots_.end() || it->second->state != WorkerState::ready || !it->second->channel ||
      !it->second->channel->is_open()) {
    return false;
  }
  it->second->channel->send(frame);
  return true;
}

const WorkerSlot* WorkerPool::slot(const std::string& name) const {
  auto it = slots_.find(name);
  return it == slots_.end() ? nullptr : it->second.get();
}

std::size_t WorkerPool::ready_count() const {
  std::size_t n = 0;
  for (const auto& [name, slot] : slots_) n += slot->state == WorkerState::ready;
  return n;
}

std::size_t WorkerPool::live_workers() const {
  std::size_t n = 0;
  for (const auto& [name, slot] : slots_) n += slot->worker_pid > 0;
  return n;
}

void WorkerPool::stop_all(std::chrono::milliseconds deadline, std::function<void()> done) {
  stopping_all_ = true;
  heartbeat_timer_.cancel();
  all_stopped_ = std::move(done);
  for (auto& [name, slot] : slots_) request_stop(*slot, deadline);
  check_all_stopped();
}

void WorkerPool::check_all_stopped() {
  if (!stopping_all_ || live_workers() != 0 || !all_stopped_) return;
  child_signal_.cancel();
  auto done = std::move(all_stopped_);
  all_stopped_ = nullptr;
  done();
}

}  // namespace mcp::supervisor
