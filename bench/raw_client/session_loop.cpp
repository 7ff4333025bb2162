#include "session_loop.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <limits>
#include <string>

#include "fd_io.hpp"

namespace raw_client {

void SessionLoop::run_once(std::int64_t until_ns) {
  fds_.clear();
  first_fd_.clear();
  std::int64_t wake_ns = until_ns;
  for (const auto& s : sessions_) {
    first_fd_.push_back(fds_.size());
    s->add_pollfds(fds_);
    wake_ns = std::min(wake_ns, s->deadline_ns());
  }
  int timeout_ms = -1;
  if (wake_ns != std::numeric_limits<std::int64_t>::max()) {
    const std::int64_t left_ns = std::max<std::int64_t>(0, wake_ns - now_ns());
    timeout_ms = static_cast<int>(std::min<std::int64_t>(INT_MAX, (left_ns + 999'999) / 1'000'000));
  }
  if (::poll(fds_.data(), fds_.size(), timeout_ms) < 0 && errno != EINTR) fail_errno("poll");
  for (std::size_t i = 0; i < sessions_.size(); ++i) sessions_[i]->on_poll(&fds_[first_fd_[i]]);
}

void SessionLoop::await_started(std::int64_t until_ns) {
  const auto starting = [](const auto& s) { return s->state() == Session::State::starting; };
  while (std::any_of(sessions_.begin(), sessions_.end(), starting) && now_ns() < until_ns) {
    run_once(until_ns);
  }
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    const Session& s = *sessions_[i];
    const std::string which = sessions_.size() > 1 ? "session " + std::to_string(i) + ": " : "";
    if (s.state() == Session::State::failed) fail(which + s.error());
    if (s.state() == Session::State::starting) fail(which + "not initialized in time");
  }
}

void SessionLoop::close_all(std::int64_t until_ns) {
  for (const auto& s : sessions_) {
    if (s->state() != Session::State::failed) s->start_close();
  }
  const auto closing = [](const auto& s) { return s->state() == Session::State::closing; };
  while (std::any_of(sessions_.begin(), sessions_.end(), closing) && now_ns() < until_ns) {
    run_once(until_ns);
  }
}

}  // namespace raw_client
