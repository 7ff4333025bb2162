#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace testserver {

// Runs slow tool calls on their own threads so the stdin loop keeps answering other requests,
// and lets notifications/cancelled (or shutdown) interrupt them.
class TaskRunner {
 public:
  struct State;
  using Ticket = std::shared_ptr<State>;
  using Body = std::function<void(const Ticket&)>;
  using Clock = std::chrono::steady_clock;

  // `key` is the request id as JSON text, matched against notifications/cancelled.
  void start(std::string key, Body body);
  void cancel(const std::string& key);
  // Returns false as soon as the task is cancelled, true once `deadline` passes.
  bool sleep_until(const Ticket& ticket, Clock::time_point deadline);
  bool is_cancelled(const Ticket& ticket);
  // Waits until `done()` holds (true), the task is cancelled or `deadline` passes (false).
  // `done` is evaluated under the runner's lock; whoever makes it true calls wake().
  bool wait_until(const Ticket& ticket, Clock::time_point deadline,
                  const std::function<bool()>& done);
  void wake();
  // Cancels every task and blocks until none is running.
  void cancel_all();

 private:
  void finish(const Ticket& ticket);

  std::mutex mutex_;
  std::condition_variable wake_;  // signalled on cancellation
  std::condition_variable idle_;  // signalled when a task finishes
  std::vector<Ticket> running_;
};

struct TaskRunner::State {
  std::string key;
  bool cancelled = false;
};

}  // namespace testserver
