// cpp-httplib's task queue, made elastic. Debian's cpp-httplib 0.11 serves each connection on
// one pool thread for the connection's whole life: an SSE stream holds its thread for hours,
// an idle keep-alive connection for its timeout. With the library's fixed pool (8 threads here)
// eight open /sse clients leave no thread for their own POST /messages: a deadlock. This pool
// starts a thread whenever a connection arrives and none is idle, up to max_threads, and lets
// idle threads go. The HTTP front keeps concurrent streams well below max_threads, so a POST
// always finds a thread.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace mcp::supervisor {

class ElasticThreadPool : public httplib::TaskQueue {
 public:
  ElasticThreadPool(std::size_t max_threads, std::chrono::seconds idle_timeout)
      : max_threads_(max_threads), idle_timeout_(idle_timeout) {}
  ~ElasticThreadPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override;
  // Waits for every thread to finish its connection.
  void shutdown() override;

  std::size_t threads() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable all_gone_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_threads_;
  std::chrono::seconds idle_timeout_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  bool shutdown_ = false;
};

}  // namespace mcp::supervisor
