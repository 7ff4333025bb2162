#include "session.hpp"

#include <utility>

#include "fd_io.hpp"
#include "mcp_text.hpp"

namespace raw_client {

void Session::start_call(std::string_view text) {
  call_text_ = text;
  call_id_ = next_id();
  state_ = State::calling;
  set_deadline(now_ns() + call_timeout_ns);
  send_call(call_request(call_id_, tool_, call_text_));
}

std::optional<CallResult> Session::take_result() {
  return std::exchange(result_, std::nullopt);
}

void Session::mark_sent() {
  call_sent_ns_ = now_ns();
}

bool Session::deadline_passed() const {
  return deadline_ns_ != std::numeric_limits<std::int64_t>::max() && now_ns() >= deadline_ns_;
}

void Session::become_idle() {
  state_ = State::idle;
  clear_deadline();
}

void Session::answer_call(std::string_view answer, std::int64_t answer_ns) {
  EchoCheck check = check_echo(answer, call_text_);
  const auto kind = check.verdict == EchoVerdict::right          ? CallResult::Kind::ok
                    : check.verdict == EchoVerdict::wrong_answer ? CallResult::Kind::wrong_answer
                                                                 : CallResult::Kind::failed;
  finish_call(kind, std::move(check.message));
  result_->latency_ns = answer_ns - call_sent_ns_;
}

void Session::finish_call(CallResult::Kind kind, std::string error) {
  result_ = CallResult{kind, 0, std::move(error)};
  call_id_ = -1;
  if (state_ == State::calling) become_idle();
}

void Session::fail_session(std::string why) {
  if (state_ == State::calling) finish_call(CallResult::Kind::failed, why);
  error_ = std::move(why);
  state_ = State::failed;
  clear_deadline();
}

}  // namespace raw_client
