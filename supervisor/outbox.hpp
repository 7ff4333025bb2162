// Where the router leaves messages for one HTTP response or stream. The router pushes frames
// and never waits; the response that reads the outbox is told through its listener and takes
// them when its socket can take more. It is bounded: a client that cannot keep up overflows it
// and is disconnected, instead of growing our memory or slowing the loop (design.md, "Threads").
// Both sides run on the event loop.
#pragma once

#include <deque>
#include <functional>
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
  // Moves every queued frame into out. Returns false once the outbox is closed and was
  // already drained.
  bool take(std::vector<Frame>& out);
  void close();
  bool closed() const { return closed_; }
  bool overflowed() const { return overflowed_; }
  std::size_t max_bytes() const { return max_bytes_; }
  // Runs after every push and after close. It must not call back into whoever pushed: the
  // router is in the middle of its work (HTTP responses post their pump instead).
  void set_listener(std::function<void()> listener) { listener_ = std::move(listener); }

 private:
  void notify() const {
    if (listener_) listener_();
  }

  std::deque<Frame> frames_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  bool closed_ = false;
  bool overflowed_ = false;
  std::function<void()> listener_;
};

}  // namespace mcp::supervisor
