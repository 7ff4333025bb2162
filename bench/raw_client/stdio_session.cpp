#include "stdio_session.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fd_io.hpp"
#include "mcp_text.hpp"

extern char** environ;

namespace raw_client {

namespace {
constexpr std::int64_t child_exit_timeout_ns = 5'000'000'000;
constexpr std::int64_t reap_poll_interval_ns = 1'000'000;
}  // namespace

StdioSession::StdioSession(const std::vector<std::string>& argv, std::string tool)
    : Session(std::move(tool)) {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) < 0) fail_errno("pipe2");
  to_child_.reset(in[1]);
  mcp::UniqueFd child_in(in[0]);
  if (::pipe2(out, O_CLOEXEC) < 0) fail_errno("pipe2");
  from_child_.reset(out[0]);
  mcp::UniqueFd child_out(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_out.get(), STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail("cannot start " + argv[0] + ": " + std::strerror(rc));
  set_nonblocking(to_child_.get());
  set_nonblocking(from_child_.get());
  call_id_ = next_id();
  set_deadline(now_ns() + call_timeout_ns);
  send_line(initialize_request(call_id_));
}

// Closing stdin asks the server to exit (MCP basic/lifecycle, "Shutdown", stdio); a backend
// still there after start_close()'s grace period, or never asked, is killed here.
StdioSession::~StdioSession() {
  if (reaped_ || pid_ <= 0) return;
  to_child_.reset();
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

void StdioSession::add_pollfds(std::vector<pollfd>& fds) const {
  const bool live =
      state() != State::failed && state() != State::closing && state() != State::closed;
  fds.push_back(pollfd{live ? from_child_.get() : -1, POLLIN, 0});
  const bool pending = live && out_offset_ < out_.size();
  fds.push_back(pollfd{pending ? to_child_.get() : -1, POLLOUT, 0});
}

void StdioSession::send_call(const std::string& request) {
  send_line(request);
}

bool StdioSession::send_line(std::string_view message) {
  if (state() == State::calling) mark_sent();
  if (out_offset_ < out_.size()) {  // an earlier line still waits for the pipe: queue behind it
    out_.append(message);
    out_ += '\n';
    return true;
  }
  out_.assign(message);
  out_ += '\n';
  out_offset_ = 0;
  if (write_from(to_child_.get(), out_, out_offset_) == IoResult::error) {
    fail_session(errno_text("write to the backend's stdin"));
    return false;
  }
  return true;
}

void StdioSession::on_poll(const pollfd* fds) {
  if (state() == State::closing) {
    reap_if_exited();
    return;
  }
  if (state() == State::failed || state() == State::closed) return;
  if (fds[1].revents != 0 && write_from(to_child_.get(), out_, out_offset_) == IoResult::error) {
    fail_session(errno_text("write to the backend's stdin"));
    return;
  }
  if (fds[0].revents != 0) on_readable();
  if (deadline_passed()) {
    if (state() == State::calling) {
      // The answer may still come; the next call's id will not match it.
      finish_call(CallResult::Kind::failed, "timed out (10 s) waiting for the backend");
    } else if (state() == State::starting) {
      fail_session("timed out (10 s) waiting for the answer to initialize");
    }
  }
}

void StdioSession::on_readable() {
  switch (read_into(from_child_.get(), in_)) {
    case IoResult::would_block:
      return;
    case IoResult::eof:
      fail_session("the backend closed its stdout (exited?)");
      from_child_.reset();
      return;
    case IoResult::error:
      fail_session(errno_text("read from the backend's stdout"));
      return;
    case IoResult::progress:
      break;
  }
  std::size_t start = 0;
  for (std::size_t nl; (nl = in_.find('\n', std::max(start, scanned_))) != std::string::npos;
       start = nl + 1) {
    on_line(std::string_view(in_).substr(start, nl - start));
  }
  in_.erase(0, start);
  scanned_ = in_.size();
}

void StdioSession::on_line(std::string_view line) {
  // Lines that are not the awaited response (notifications, logs, stale answers) are skipped.
  if (call_id_ < 0 || !is_response_to(line, call_id_)) return;
  const std::int64_t answer_ns = now_ns();
  if (state() == State::calling) {
    answer_call(line, answer_ns);
    return;
  }
  if (state() != State::starting) return;
  if (!member_value(line, "result")) {
    fail_session("initialize failed: " + excerpt(line));
    return;
  }
  call_id_ = -1;
  if (send_line(initialized_notification)) become_idle();
}

void StdioSession::start_close() {
  to_child_.reset();
  from_child_.reset();
  become(State::closing);
  kill_at_ns_ = now_ns() + child_exit_timeout_ns;
  reap_if_exited();
}

void StdioSession::reap_if_exited() {
  if (::waitpid(pid_, nullptr, WNOHANG) != 0) {
    reaped_ = true;
    become(State::closed);
    clear_deadline();
    return;
  }
  // Woken up every millisecond until the backend exits; killed after the grace period.
  if (now_ns() > kill_at_ns_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    reaped_ = true;
    become(State::closed);
    clear_deadline();
    return;
  }
  set_deadline(now_ns() + reap_poll_interval_ns);
}

}  // namespace raw_client
