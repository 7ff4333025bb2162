#include "supervisor/backoff_policy.hpp"

#include <algorithm>

namespace mcp::supervisor {

BackoffPolicy::Decision BackoffPolicy::on_exit(Clock::time_point now) {
  if (now - started_at_ >= settings_.stable_after) failures_ = 0;
  ++failures_;
  if (failures_ > settings_.max_fast_failures) {
    return {settings_.failed_retry, true};
  }
  auto delay = settings_.initial;
  for (std::uint32_t i = 1; i < failures_ && delay < settings_.max; ++i) delay *= 2;
  return {std::min(delay, settings_.max), false};
}

}  // namespace mcp::supervisor
