// The one place where the event loop hands messages to HTTP threads. The loop pushes frames
// and never waits; one HTTP thread waits and writes them to its client. It is bounded: a
// client that cannot keep up overflows it and is disconnected, instead of growing our memory
// or slowing the loop (design.md, "Threads").
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace mcp::supervisor {

struct Frame {
  std::string json;     // one JSON-RPC message; may be empty for a bare HTTP status
  bool final = false;   // the last frame of a POST's reply
  int http_status = 0;  // nonzero: answer the HTTP request with this status instead
};

class Outbox {
 public:
  explicit Outbox(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // False when the outbox is closed, or when this frame overflowed it (it is then closed).
  bool push(Frame frame);
  // Waits up to timeout for frames and moves them all into out. Returns false once the outbox
  // is closed and drained.
  bool wait(std::vector<Frame>& out, std::chrono::milliseconds timeout);
  void close();
  bool closed() const;
  bool overflowed() const;
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Frame> frames_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
  bool overflowed_ = false;
};

}  // namespace mcp::supervisor
