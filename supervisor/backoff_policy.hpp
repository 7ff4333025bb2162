// When to start a worker again after it died. Exponential, capped, and forgiving: a worker
// that stayed up for stable_after counts as healthy again, so one crash a day never climbs
// to the cap. After max_fast_failures crashes without such a stable period the server is
// marked failed and only retried every failed_retry. Pure: the caller supplies the clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace mcp::supervisor {

struct BackoffSettings {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{60000};
  std::chrono::milliseconds stable_after{60000};
  std::uint32_t max_fast_failures = 8;
  std::chrono::milliseconds failed_retry{300000};
};

class BackoffPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  explicit BackoffPolicy(BackoffSettings settings = {}) : settings_(settings) {}
  void set_settings(const BackoffSettings& settings) { settings_ = settings; }

  struct Decision {
    std::chrono::milliseconds delay;
    bool failed;  // too many fast failures: the server is "failed" until the slow retry
  };

  // The worker started (it says when; the clock is the caller's).
  void on_started(Clock::time_point now) { started_at_ = now; }
  // The worker died at now; when to try again.
  Decision on_exit(Clock::time_point now);
  std::uint32_t consecutive_failures() const { return failures_; }

 private:
  BackoffSettings settings_;
  Clock::time_point started_at_{};
  std::uint32_t failures_ = 0;
};

}  // namespace mcp::supervisor
