#include "supervisor/outbox.hpp"

namespace mcp::supervisor {

bool Outbox::push(Frame frame) {
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
  notify();
  return !overflowed_;
}

bool Outbox::take(std::vector<Frame>& out) {
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
  if (closed_) return;
  closed_ = true;
  notify();
}

}  // namespace mcp::supervisor
