// supervisor/outbox.hpp
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/outbox.hpp"

namespace mcp::supervisor {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

Frame frame(std::string json, bool final = false) {
  Frame f;
  f.json = std::move(json);
  f.final = final;
  return f;
}

std::vector<std::string> texts(const std::vector<Frame>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.json);
  return out;
}

TEST(Outbox, WaitReturnsEverythingPushedInOrder) {
  Outbox o(1024);
  EXPECT_TRUE(o.push(frame("a")));
  EXPECT_TRUE(o.push(frame("b")));
  Frame status;
  status.http_status = 202;
  EXPECT_TRUE(o.push(status));
  EXPECT_TRUE(o.push(frame("c", true)));
  std::vector<Frame> out;
  EXPECT_TRUE(o.wait(out, 0ms));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(out[2].http_status, 202);
  EXPECT_FALSE(out[0].final);
  EXPECT_TRUE(out[3].final);
}

TEST(Outbox, WaitTimesOutWhenEmpty) {
  Outbox o(1024);
  std::vector<Frame> out;
  const auto start = SteadyClock::now();
  EXPECT_TRUE(o.wait(out, 50ms)) << "open and empty: keep waiting";
  const auto elapsed = SteadyClock::now() - start;
  EXPECT_TRUE(out.empty());
  EXPECT_GE(elapsed, 45ms);
  EXPECT_LT(elapsed, 5s);
}

TEST(Outbox, WaitWakesOnPushFromAnotherThread) {
  Outbox o(1024);
  std::vector<Frame> out;
  std::thread pusher([&] {
    std::this_thread::sleep_for(20ms);
    o.push(frame("late"));
  });
  const auto start = SteadyClock::now();
  bool open = true;
  while (out.empty() && SteadyClock::now() - start < 10s) open = o.wait(out, 10s);
  const auto elapsed = SteadyClock::now() - start;
  pusher.join();
  EXPECT_TRUE(open);
  EXPECT_EQ(texts(out), std::vector<std::string>{"late"});
  EXPECT_LT(elapsed, 5s) << "wait did not wake on push";
}

TEST(Outbox, CloseWakesAWaiter) {
  Outbox o(1024);
  std::atomic<bool> returned{false};
  bool result = true;
  std::thread waiter([&] {
    std::vector<Frame> out;
    result = o.wait(out, 10s);
    returned = true;
  });
  std::this_thread::sleep_for(20ms);
  const auto start = SteadyClock::now();
  o.close();
  waiter.join();
  EXPECT_TRUE(returned);
  EXPECT_FALSE(result) << "closed and drained";
  EXPECT_LT(SteadyClock::now() - start, 5s);
}

TEST(Outbox, FramesPushedBeforeCloseAreStillDelivered) {
  Outbox o(1024);
  o.push(frame("a"));
  o.push(frame("b", true));
  o.close();
  EXPECT_TRUE(o.closed());
  EXPECT_FALSE(o.overflowed());
  std::vector<Frame> out;
  EXPECT_TRUE(o.wait(out, 0ms)) << "frames were still pending";
  EXPECT_EQ(texts(out), (std::vector<std::string>{"a", "b"}));
  out.clear();
  EXPECT_FALSE(o.wait(out, 0ms)) << "closed and drained";
  EXPECT_TRUE(out.empty());
}

// Known bug, reported: wait() decides "closed and drained" by looking at the caller's vector,
// not at the outbox, so a caller that accumulates frames across waits (reply_batch in
// supervisor/streamable_http_transport.cpp does) is told "open" forever once the outbox is
// closed after a non-final frame, and spins.
TEST(Outbox, WaitReportsClosedEvenWhenOutAlreadyHoldsFrames) {
  Outbox o(1024);
  std::vector<Frame> out;
  o.push(frame("progress"));  // not final
  ASSERT_TRUE(o.wait(out, 0ms));
  o.close();  // e.g. the session was deleted
  EXPECT_FALSE(o.wait(out, 0ms)) << "closed and drained, but reported open";
  EXPECT_EQ(out.size(), 1u);
}

TEST(Outbox, PushAfterCloseIsRefused) {
  Outbox o(1024);
  o.close();
  EXPECT_FALSE(o.push(frame("x")));
  EXPECT_FALSE(o.overflowed()) << "closing is not overflowing";
  std::vector<Frame> out;
  EXPECT_FALSE(o.wait(out, 0ms));
  EXPECT_TRUE(out.empty());
}

TEST(Outbox, OverflowClosesAndDropsPendingFrames) {
  Outbox o(10);
  EXPECT_TRUE(o.push(frame("12345")));
  EXPECT_TRUE(o.push(frame("12345")));  // exactly at the limit
  EXPECT_FALSE(o.overflowed());
  EXPECT_FALSE(o.push(frame("1")));  // over
  EXPECT_TRUE(o.overflowed());
  EXPECT_TRUE(o.closed());
  EXPECT_FALSE(o.push(frame("x")));
  std::vector<Frame> out;
  EXPECT_FALSE(o.wait(out, 0ms)) << "a client that cannot keep up is disconnected";
  EXPECT_TRUE(out.empty());
}

TEST(Outbox, OneFrameLargerThanTheLimitStillGoesThroughWhenEmpty) {
  // A single big answer must not kill a client that keeps up.
  Outbox o(10);
  EXPECT_TRUE(o.push(frame(std::string(100, 'x'))));
  EXPECT_FALSE(o.overflowed());
  std::vector<Frame> out;
  EXPECT_TRUE(o.wait(out, 0ms));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].json.size(), 100u);
}

TEST(Outbox, DrainingFreesTheBudget) {
  // Each round fills the budget exactly; only a wait in between makes room again.
  Outbox o(10);
  std::vector<Frame> out;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(o.push(frame("12345"))) << i;
    ASSERT_TRUE(o.push(frame("67890"))) << i;
    ASSERT_TRUE(o.wait(out, 0ms));
  }
  EXPECT_EQ(out.size(), 200u);
  EXPECT_FALSE(o.overflowed());
}

TEST(Outbox, EmptyFramesDoNotCountTowardTheLimit) {
  Outbox o(4);
  EXPECT_TRUE(o.push(frame("1234")));
  Frame status;
  status.http_status = 500;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(o.push(status));
  EXPECT_FALSE(o.overflowed());
}

TEST(Outbox, ManyProducersOneConsumerLoseNothing) {
  Outbox o(1 << 20);
  constexpr int producers = 4;
  constexpr int per_producer = 500;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&o, p] {
      for (int i = 0; i < per_producer; ++i)
        o.push(frame(std::to_string(p) + ":" + std::to_string(i)));
    });
  }
  std::vector<Frame> out;
  const auto start = SteadyClock::now();
  while (out.size() < producers * per_producer && SteadyClock::now() - start < 10s) {
    o.wait(out, 100ms);
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(out.size(), static_cast<std::size_t>(producers * per_producer));
  // Each producer's frames arrive in its own order.
  std::vector<int> next(producers, 0);
  for (const auto& f : out) {
    const int p = std::stoi(f.json.substr(0, f.json.find(':')));
    const int i = std::stoi(f.json.substr(f.json.find(':') + 1));
    EXPECT_EQ(i, next[p]) << "producer " << p;
    next[p] = i + 1;
  }
}

}  // namespace
}  // namespace mcp::supervisor
