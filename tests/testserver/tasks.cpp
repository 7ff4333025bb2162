#include "tasks.hpp"

#include <algorithm>
#include <thread>

namespace testserver {

void TaskRunner::start(std::string key, Body body) {
  auto ticket = std::make_shared<State>();
  ticket->key = std::move(key);
  {
    std::lock_guard lock(mutex_);
    running_.push_back(ticket);
  }
  std::thread([this, ticket, body = std::move(body)] {
    body(ticket);
    finish(ticket);
  }).detach();
}

void TaskRunner::finish(const Ticket& ticket) {
  std::lock_guard lock(mutex_);
  std::erase(running_, ticket);
  // Notify while still holding the lock: cancel_all() may return and the runner be destroyed as
  // soon as it can observe an empty list.
  idle_.notify_all();
}

void TaskRunner::cancel(const std::string& key) {
  std::lock_guard lock(mutex_);
  for (const Ticket& ticket : running_) {
    if (ticket->key == key) ticket->cancelled = true;
  }
  wake_.notify_all();
}

bool TaskRunner::sleep_until(const Ticket& ticket, Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_until(lock, deadline, [&] { return ticket->cancelled; });
}

bool TaskRunner::wait_until(const Ticket& ticket, Clock::time_point deadline,
                            const std::function<bool()>& done) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, deadline, [&] { return ticket->cancelled || done(); });
  return !ticket->cancelled && done();
}

void TaskRunner::wake() {
  // Taking the lock orders this wake-up after a waiter's check of done(), so it is not lost.
  std::lock_guard lock(mutex_);
  wake_.notify_all();
}

bool TaskRunner::is_cancelled(const Ticket& ticket) {
  std::lock_guard lock(mutex_);
  return ticket->cancelled;
}

void TaskRunner::cancel_all() {
  std::unique_lock lock(mutex_);
  for (const Ticket& ticket : running_) ticket->cancelled = true;
  wake_.notify_all();
  idle_.wait(lock, [&] { return running_.empty(); });
}

}  // namespace testserver
