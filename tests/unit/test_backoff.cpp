// supervisor/backoff_policy.hpp
#include <gtest/gtest.h>

#include <vector>

#include "supervisor/backoff_policy.hpp"

namespace mcp::supervisor {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = BackoffPolicy::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

// Crashes `n` times, each one `uptime` after its start, restarting after the advised delay.
// Returns the decisions.
std::vector<BackoffPolicy::Decision> crash_loop(BackoffPolicy& p, int n, milliseconds uptime,
                                                Clock::time_point& now) {
  std::vector<BackoffPolicy::Decision> out;
  for (int i = 0; i < n; ++i) {
    p.on_started(now);
    now += uptime;
    out.push_back(p.on_exit(now));
    now += out.back().delay;
  }
  return out;
}

TEST(Backoff, DoublesFrom250msUpToTheCap) {
  BackoffSettings s;
  s.max = 10s;
  s.max_fast_failures = 100;
  BackoffPolicy p(s);
  auto now = t0;
  const auto d = crash_loop(p, 10, 1s, now);
  const std::vector<milliseconds> expected = {250ms, 500ms, 1s, 2s, 4s, 8s, 10s, 10s, 10s, 10s};
  ASSERT_EQ(d.size(), expected.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    EXPECT_EQ(d[i].delay, expected[i]) << "failure " << i + 1;
    EXPECT_FALSE(d[i].failed) << "failure " << i + 1;
  }
  EXPECT_EQ(p.consecutive_failures(), 10u);
}

TEST(Backoff, DefaultSettings) {
  BackoffPolicy p;
  auto now = t0;
  const auto d = crash_loop(p, 9, 10ms, now);
  const std::vector<milliseconds> expected = {250ms, 500ms, 1s, 2s, 4s, 8s, 16s, 32s};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(d[i].delay, expected[i]) << "failure " << i + 1;
    EXPECT_FALSE(d[i].failed) << "failure " << i + 1;
  }
  // The ninth fast failure in a row exceeds max_fast_failures (8).
  EXPECT_TRUE(d[8].failed);
  EXPECT_EQ(d[8].delay, 300s);
}

TEST(Backoff, CapIsNeverExceededEvenAfterManyFailures) {
  BackoffSettings s;
  s.max = 60s;
  s.max_fast_failures = 1000;
  BackoffPolicy p(s);
  auto now = t0;
  for (const auto& d : crash_loop(p, 200, 1ms, now)) {
    EXPECT_LE(d.delay, 60s);
    EXPECT_GT(d.delay, 0ms);
  }
}

TEST(Backoff, CapThatIsNotAPowerOfTwoMultiple) {
  BackoffSettings s;
  s.initial = 300ms;
  s.max = 1000ms;
  s.max_fast_failures = 100;
  BackoffPolicy p(s);
  auto now = t0;
  const auto d = crash_loop(p, 4, 1ms, now);
  EXPECT_EQ(d[0].delay, 300ms);
  EXPECT_EQ(d[1].delay, 600ms);
  EXPECT_EQ(d[2].delay, 1000ms);
  EXPECT_EQ(d[3].delay, 1000ms);
}

TEST(Backoff, StablePeriodResetsTheCount) {
  BackoffPolicy p;  // stable_after 60 s
  auto now = t0;
  crash_loop(p, 5, 1s, now);
  EXPECT_EQ(p.consecutive_failures(), 5u);

  p.on_started(now);
  now += 60s;  // exactly stable_after
  const auto d = p.on_exit(now);
  EXPECT_EQ(d.delay, 250ms);
  EXPECT_FALSE(d.failed);
  EXPECT_EQ(p.consecutive_failures(), 1u);
}

TEST(Backoff, JustShortOfStableDoesNotReset) {
  BackoffPolicy p;
  auto now = t0;
  crash_loop(p, 3, 1s, now);
  p.on_started(now);
  now += 60s - 1ms;
  const auto d = p.on_exit(now);
  EXPECT_EQ(d.delay, 2s);
  EXPECT_EQ(p.consecutive_failures(), 4u);
}

TEST(Backoff, OneCrashADayNeverClimbs) {
  BackoffPolicy p;
  auto now = t0;
  for (int day = 0; day < 30; ++day) {
    p.on_started(now);
    now += 24h;
    const auto d = p.on_exit(now);
    EXPECT_EQ(d.delay, 250ms) << "day " << day;
    EXPECT_FALSE(d.failed);
    now += d.delay;
  }
}

class BackoffFailed : public testing::TestWithParam<std::uint32_t> {};

TEST_P(BackoffFailed, AfterMaxFastFailures) {
  BackoffSettings s;
  s.max_fast_failures = GetParam();
  s.failed_retry = 123s;
  BackoffPolicy p(s);
  auto now = t0;
  const auto d = crash_loop(p, static_cast<int>(GetParam()) + 3, 1s, now);
  for (std::uint32_t i = 0; i < GetParam(); ++i) EXPECT_FALSE(d[i].failed) << "failure " << i + 1;
  for (std::size_t i = GetParam(); i < d.size(); ++i) {
    EXPECT_TRUE(d[i].failed) << "failure " << i + 1;
    EXPECT_EQ(d[i].delay, 123s);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BackoffFailed, testing::Values(0u, 1u, 3u, 8u));

TEST(Backoff, FailedServerRecoversAfterAStablePeriod) {
  BackoffSettings s;
  s.max_fast_failures = 2;
  BackoffPolicy p(s);
  auto now = t0;
  const auto d = crash_loop(p, 3, 1s, now);
  ASSERT_TRUE(d[2].failed);
  p.on_started(now);
  now += 2min;
  const auto after = p.on_exit(now);
  EXPECT_FALSE(after.failed);
  EXPECT_EQ(after.delay, 250ms);
}

}  // namespace
}  // namespace mcp::supervisor
