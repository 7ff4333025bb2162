// The event loop: one poll() over every session's fds on one thread, so that the load
// generator's own cost stays small however many sessions it drives.
#pragma once

#include <poll.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "session.hpp"

namespace raw_client {

using Sessions = std::vector<std::unique_ptr<Session>>;

class SessionLoop {
 public:
  explicit SessionLoop(Sessions& sessions) : sessions_(sessions) {}

  // One poll() (until something is ready, the earliest session deadline or `until_ns`), then
  // every session handles its entries and its deadline.
  void run_once(std::int64_t until_ns);

  // Runs until no session is `starting`; throws Failure naming the first that failed.
  void await_started(std::int64_t until_ns);

  // Closes every session and runs until all are closed (or `until_ns`).
  void close_all(std::int64_t until_ns);

 private:
  Sessions& sessions_;
  std::vector<pollfd> fds_;
  std::vector<std::size_t> first_fd_;  // per session, its first entry in fds_
};

}  // namespace raw_client
