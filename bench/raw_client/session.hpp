// One MCP client session as the poll() loop drives it: a small state machine over its own fds.
//
//   starting --(initialize answered, initialized sent)--> idle --start_call--> calling --> idle
//   any state --(transport broken, set-up timed out)--> failed
//   idle --start_close--> closing --> closed
//
// Sessions never throw once started: a failed call becomes a CallResult, a broken session the
// `failed` state with error(); the driver decides whether that ends the run.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace raw_client {

constexpr std::int64_t call_timeout_ns = 10'000'000'000;

struct CallResult {
  enum class Kind { ok, wrong_answer, failed };
  Kind kind = Kind::ok;
  std::int64_t latency_ns = 0;  // from just before the request's write to the complete answer
  std::string error;
};

class Session {
 public:
  enum class State { starting, idle, calling, closing, closed, failed };

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual ~Session() = default;

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // When the current wait times out; the loop wakes up for it.
  std::int64_t deadline_ns() const { return deadline_ns_; }

  // Appends this session's poll entries: always the same number (fd -1 for an unused one).
  virtual void add_pollfds(std::vector<pollfd>& fds) const = 0;
  // Handles poll()'s answer for those entries, and a passed deadline.
  virtual void on_poll(const pollfd* fds) = 0;

  // A tools/call echo of `text`; only when idle.
  void start_call(std::string_view text);
  // Ends the session politely (DELETE, close stdin); ends in `closed`.
  virtual void start_close() = 0;
  // The result of the call that just finished, once.
  std::optional<CallResult> take_result();

  virtual int tcp_connections() const { return 0; }
  virtual pid_t backend_pid() const { return -1; }

 protected:
  explicit Session(std::string tool) : tool_(std::move(tool)) {}

  // Sends `request` (a JSON-RPC message) the subclass's way; calls mark_sent() just before the
  // write. On an immediate failure, calls finish_call or fail_session itself.
  virtual void send_call(const std::string& request) = 0;

  long next_id() { return next_id_++; }
  void mark_sent();
  void set_deadline(std::int64_t deadline_ns) { deadline_ns_ = deadline_ns; }
  void clear_deadline() { deadline_ns_ = std::numeric_limits<std::int64_t>::max(); }
  bool deadline_passed() const;

  void become_idle();
  void become(State s) { state_ = s; }
  // Checks the answer to the call in flight and makes it the result.
  void answer_call(std::string_view answer, std::int64_t answer_ns);
  void finish_call(CallResult::Kind kind, std::string error);
  // The session cannot go on; a call in flight fails with the same message.
  void fail_session(std::string why);

  long call_id_ = -1;  // the id of the call in flight

 private:
  std::string tool_;
  State state_ = State::starting;
  std::string error_;
  std::int64_t deadline_ns_ = std::numeric_limits<std::int64_t>::max();
  long next_id_ = 1;
  std::string call_text_;
  std::int64_t call_sent_ns_ = 0;
  std::optional<CallResult> result_;
};

}  // namespace raw_client
