// An MCP session with a backend process we spawn: newline-delimited JSON-RPC on its stdin and
// stdout (MCP basic/transports, "stdio").
#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "session.hpp"

namespace raw_client {

class StdioSession final : public Session {
 public:
  // Spawns `argv` (throws Failure if it cannot) and sends initialize.
  StdioSession(const std::vector<std::string>& argv, std::string tool);
  ~StdioSession() override;

  void add_pollfds(std::vector<pollfd>& fds) const override;
  void on_poll(const pollfd* fds) override;
  void start_close() override;
  pid_t backend_pid() const override { return pid_; }

 private:
  void send_call(const std::string& request) override;
  bool send_line(std::string_view message);
  void on_line(std::string_view line);
  void on_readable();
  void reap_if_exited();

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::int64_t kill_at_ns_ = 0;  // while closing
  mcp::UniqueFd to_child_;
  mcp::UniqueFd from_child_;
  std::string out_;
  std::size_t out_offset_ = 0;
  std::string in_;
  std::size_t scanned_ = 0;  // in_ holds no newline before this
};

}  // namespace raw_client
