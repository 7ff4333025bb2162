#include "worker/stdio_backend.hpp"

#include <signal.h>
#include <sys/wait.h>

#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/line_framer.hpp"

namespace mcp::worker {

namespace {

constexpr std::size_t max_stderr_line_bytes = 64u << 10;
constexpr auto stop_grace = std::chrono::milliseconds(2000);

}  // namespace

StdioBackend::StdioBackend(asio::io_context& io, BackendSpec spec, std::size_t max_message_bytes,
                           std::string server_name)
    : spec_(std::move(spec)),
      max_message_bytes_(max_message_bytes),
      name_(std::move(server_name)),
      io_(io),
      child_signal_(io, SIGCHLD),
      kill_timer_(io) {}

std::string StdioBackend::description() const {
  return spec_.command + (process_.pid > 0 ? " (pid " + std::to_string(process_.pid) + ")" : "");
}

std::optional<Backend::StartError> StdioBackend::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  auto spawned = spawn_backend(spec_);
  if (auto* err = std::get_if<SpawnError>(&spawned)) {
    reaped_ = true;
    return StartError{channel::exit_code::unavailable, err->message};
  }
  process_ = std::move(std::get<BackendProcess>(spawned));
  child_signal_.async_wait([this](std::error_code ec, int) {
    if (!ec) on_sigchld();
  });

  in_ = FramedStream::create(io_, std::move(process_.stdin_fd), max_message_bytes_);
  out_ = FramedStream::create(io_, std::move(process_.stdout_fd), max_message_bytes_);
  err_ = FramedStream::create(io_, std::move(process_.stderr_fd), max_stderr_line_bytes);
  out_->start_reading({
      .on_line = [this](std::string_view line) { handlers_.on_message(line); },
      .on_oversize =
          [this](std::size_t bytes) {
            const std::string id =
                jsonrpc_id_at_edges(out_->framer().dropped_head(), out_->framer().dropped_tail());
            log::error("dropped a " + std::to_string(bytes) +
                           "-byte message from the backend (limit " +
                           std::to_string(max_message_bytes_) + " bytes)" +
                           (id.empty() ? "" : "; failing request " + id),
                       {name_});
            // An answer too big to pass still ends its request, at once rather than at the
            // gateway's timeout.
            if (!id.empty()) {
              handlers_.on_message(
                  jsonrpc::error_response(id, jsonrpc::code::internal_error,
                                          "The server's answer was " + std::to_string(bytes) +
                                              " bytes, over mcproxy.maxMessageBytes (" +
                                              std::to_string(max_message_bytes_) + ")"));
            }
          },
      .on_closed = [this](std::error_code) { on_output_closed(); },
  });
  err_->start_reading({
      .on_line = [this](std::string_view line) { handlers_.on_diagnostic(line); },
      .on_oversize = [](std::size_t) {},
      .on_closed = [](std::error_code) {},
  });
  return std::nullopt;
}

void StdioBackend::send(std::string_view message) {
  if (in_ && !stopping_) in_->send(message);
}

std::optional<TreeMemory> StdioBackend::memory() const {
  if (reaped_ || process_.pid <= 0) return std::nullopt;
  return session_memory(process_.pid);
}

void StdioBackend::on_output_closed() {
  if (stopping_ || reaped_) return;
  // The exit status, once reaped, tells more.
  handlers_.on_lost(channel::exit_code::backend_exited, "backend closed its stdout",
                    ReasonKind::provisional);
}

void StdioBackend::on_sigchld() {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid != process_.pid) continue;
    reaped_ = true;
    // The leader is gone; whatever it left in its group goes too.
    signal_group(process_.pid, SIGKILL);
    ended_ = "backend " + describe_wait_status(status);
    if (stopping_) {
      finish_stop();
    } else {
      handlers_.on_lost(channel::exit_code::backend_exited, ended_, ReasonKind::final);
    }
  }
  if (!reaped_) {
    child_signal_.async_wait([this](std::error_code ec, int) {
      if (!ec) on_sigchld();
    });
  }
}

void StdioBackend::stop(StopMode mode, std::function<void(std::string ended)> done) {
  if (stopping_) return;
  stopping_ = true;
  stopped_ = std::move(done);
  // MCP stdio shutdown: close the backend's stdin, then SIGTERM, then SIGKILL. Its output
  // keeps being read so it never blocks on a full pipe meanwhile.
  if (in_) in_->close();
  if (reaped_) {
    finish_stop();
    return;
  }
  if (mode == StopMode::kill) {
    signal_group(process_.pid, SIGKILL);
    return;
  }
  signal_group(process_.pid, SIGTERM);
  kill_timer_.expires_after(stop_grace);
  kill_timer_.async_wait([this](std::error_code ec) {
    if (ec || reaped_) return;
    log::warning("backend ignored SIGTERM for " + std::to_string(stop_grace.count()) +
                     " ms, sending SIGKILL to its process group",
                 {name_});
    signal_group(process_.pid, SIGKILL);
  });
}

void StdioBackend::finish_stop() {
  kill_timer_.cancel();
  child_signal_.cancel();
  if (out_) out_->close();
  if (err_) err_->close();
  if (auto done = std::exchange(stopped_, nullptr)) done(ended_);
}

}  // namespace mcp::worker
