#include "supervisor/elastic_thread_pool.hpp"

#include <thread>

namespace mcp::supervisor {

void ElasticThreadPool::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mutex_);
  if (shutdown_) return;
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && threads_ < max_threads_) {
    ++threads_;
    ++idle_;  // counted idle until it takes its first job
    std::thread([this] { run(); }).detach();
  }
  lock.unlock();
  work_.notify_one();
}

void ElasticThreadPool::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    const bool got =
        work_.wait_for(lock, idle_timeout_, [this] { return !jobs_.empty() || shutdown_; });
    if (jobs_.empty() && (shutdown_ || !got)) break;
    auto fn = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    fn();
    lock.lock();
    ++idle_;
  }
  --idle_;
  --threads_;
  if (threads_ == 0) all_gone_.notify_all();
}

void ElasticThreadPool::shutdown() {
  std::unique_lock lock(mutex_);
  shutdown_ = true;
  work_.notify_all();
  all_gone_.wait(lock, [this] { return threads_ == 0; });
}

std::size_t ElasticThreadPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

}  // namespace mcp::supervisor
