#include "supervisor/outbox.hpp"

namespace mcp::supervisor {

bool Outbox::push(Frame frame) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (bytes_ + frame.json.size() > max_bytes_ && !frames_.empty()) {
      overflowed_ = true;
      closed_ = true;
      frames_.clear();
      bytes_ = 0;
    } else {
      bytes_ += frame.json.size();
      frames_.push_back(std::move(frame));
    }
  }
  ready_.notify_one();
  return !overflowed();
}

bool Outbox::wait(std::vector<Frame>& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [this] { return !frames_.empty() || closed_; });
  const bool moved_any = !frames_.empty();
  while (!frames_.empty()) {
    out.push_back(std::move(frames_.front()));
    frames_.pop_front();
  }
  bytes_ = 0;
  // "Closed and drained" is about this outbox, not about what the caller already holds.
  return !(closed_ && !moved_any);
}

void Outbox::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

bool Outbox::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool Outbox::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

}  // namespace mcp::supervisor
