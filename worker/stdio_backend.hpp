// A local MCP server on stdio: the child process (worker/backend_process.hpp), its three
// pipes on the loop, its reaping, and its stop (stdin closed, SIGTERM to the group, SIGKILL
// after a grace period; MCP's stdio shutdown, basic/lifecycle "Shutdown").
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <memory>

#include "common/framed_stream.hpp"
#include "worker/backend.hpp"
#include "worker/backend_process.hpp"

namespace mcp::worker {

class StdioBackend final : public Backend {
 public:
  StdioBackend(asio::io_context& io, BackendSpec spec, std::size_t max_message_bytes,
               std::string server_name);

  std::optional<StartError> start(Handlers handlers) override;
  void send(std::string_view message) override;
  void stop(StopMode mode, std::function<void(std::string ended)> done) override;
  pid_t pid() const override { return process_.pid; }
  std::optional<TreeMemory> memory() const override;
  std::string description() const override;

 private:
  void on_sigchld();
  void on_output_closed();
  void finish_stop();

  BackendSpec spec_;
  std::size_t max_message_bytes_;
  std::string name_;
  asio::io_context& io_;
  Handlers handlers_;
  BackendProcess process_;
  std::shared_ptr<FramedStream> in_;
  std::shared_ptr<FramedStream> out_;
  std::shared_ptr<FramedStream> err_;
  // Registered before the fork, so an instant exit is not missed.
  asio::signal_set child_signal_;
  asio::steady_timer kill_timer_;
  bool reaped_ = false;
  bool stopping_ = false;
  std::string ended_;  // how the process ended, once reaped
  std::function<void(std::string)> stopped_;
};

}  // namespace mcp::worker
