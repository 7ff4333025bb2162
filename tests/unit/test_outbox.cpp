// supervisor/outbox.hpp
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "supervisor/outbox.hpp"

namespace mcp::supervisor {
namespace {

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

// The budget and the listener are both driven by sequences of push, take and close, so the rows
// below are scripts: each step says what it does and what it must return, and the row what the
// outbox looks like at the end and how often its listener ran.
enum class Op { push, take, close };

struct Step {
  Op op;
  std::size_t bytes = 0;   // push: the frame's JSON size (0: an empty frame, a bare status)
  bool returns = true;     // push and take: the expected result; close returns nothing
  std::size_t frames = 0;  // take: how many frames it must move
};

Step push(std::size_t bytes, bool returns = true) {
  return {Op::push, bytes, returns, 0};
}
Step take(std::size_t frames, bool returns = true) {
  return {Op::take, 0, returns, frames};
}
Step close_outbox() {
  return {Op::close, 0, true, 0};
}

struct ScriptCase {
  const char* name;
  std::size_t max_bytes;
  std::vector<Step> steps;
  bool closed;
  bool overflowed;
  int notifications;
};

void PrintTo(const ScriptCase& c, std::ostream* os) {
  *os << c.name;
}

class OutboxScript : public testing::TestWithParam<ScriptCase> {};

TEST_P(OutboxScript, FollowsTheScript) {
  const ScriptCase& c = GetParam();
  Outbox o(c.max_bytes);
  int notifications = 0;
  o.set_listener([&] { ++notifications; });
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const Step& s = c.steps[i];
    switch (s.op) {
      case Op::push: {
        Frame f;
        f.json.assign(s.bytes, 'x');
        if (s.bytes == 0) f.http_status = 202;
        EXPECT_EQ(o.push(std::move(f)), s.returns) << "step " << i;
        break;
      }
      case Op::take: {
        std::vector<Frame> out;
        EXPECT_EQ(o.take(out), s.returns) << "step " << i;
        EXPECT_EQ(out.size(), s.frames) << "step " << i;
        break;
      }
      case Op::close:
        o.close();
        break;
    }
  }
  EXPECT_EQ(o.closed(), c.closed);
  EXPECT_EQ(o.overflowed(), c.overflowed);
  EXPECT_EQ(notifications, c.notifications);
}

INSTANTIATE_TEST_SUITE_P(
    Budget, OutboxScript,
    testing::Values(
        ScriptCase{"UpToTheLimitIsAccepted", 10, {push(5), push(5), take(2)}, false, false, 2},
        // The client cannot keep up: it is disconnected, and what was queued is dropped, since
        // a response with a hole in it is worse than none.
        ScriptCase{"OverTheLimitOverflowsAndDrops",
                   10,
                   {push(5), push(5), push(1, false), push(1, false), take(0, false)},
                   true,
                   true,
                   3},
        // A single big answer must not kill a client that keeps up.
        ScriptCase{
            "OneFrameOverTheLimitGoesThroughWhenEmpty", 10, {push(100), take(1)}, false, false, 1},
        ScriptCase{"OneFrameOverTheLimitOverflowsWhenNotEmpty",
                   10,
                   {push(1), push(100, false), take(0, false)},
                   true,
                   true,
                   2},
        // Each round fills the budget exactly; only the take in between makes room again.
        ScriptCase{"TakingFreesTheBudget",
                   10,
                   {push(5), push(5), take(2), push(5), push(5), take(2), push(10), take(1)},
                   false,
                   false,
                   5},
        ScriptCase{"EmptyFramesDoNotCount",
                   4,
                   {push(4), push(0), push(0), push(0), push(0), take(5)},
                   false,
                   false,
                   5},
        ScriptCase{"TakeOnAnEmptyOpenOutboxSaysOpen", 10, {take(0), take(0)}, false, false, 0}),
    [](const auto& row) { return std::string(row.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Closing, OutboxScript,
    testing::Values(
        // Frames pushed before close still reach the client; only then does take say "closed".
        ScriptCase{"PendingFramesSurviveClose",
                   1024,
                   {push(1), push(1), close_outbox(), take(2), take(0, false)},
                   true,
                   false,
                   3},
        // Closing is not overflowing, and a refused push has nothing to announce.
        ScriptCase{"PushAfterCloseIsRefused",
                   1024,
                   {close_outbox(), push(1, false), take(0, false)},
                   true,
                   false,
                   1},
        ScriptCase{"PushAfterOverflowIsRefused",
                   1,
                   {push(1), push(1, false), push(1, false)},
                   true,
                   true,
                   2},
        // A second close changes nothing, so the response is not woken for it.
        ScriptCase{"SecondCloseDoesNotNotify",
                   1024,
                   {close_outbox(), close_outbox(), close_outbox()},
                   true,
                   false,
                   1},
        ScriptCase{"CloseAfterOverflowDoesNotNotify",
                   1,
                   {push(1), push(1, false), close_outbox()},
                   true,
                   true,
                   2},
        ScriptCase{"TakeDoesNotNotify",
                   1024,
                   {push(1), take(1), take(0), close_outbox(), take(0, false)},
                   true,
                   false,
                   2}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(Outbox, TakeReturnsEverythingPushedInOrder) {
  Outbox o(1024);
  EXPECT_TRUE(o.push(frame("a")));
  EXPECT_TRUE(o.push(frame("b")));
  Frame status;
  status.http_status = 202;
  EXPECT_TRUE(o.push(status));
  EXPECT_TRUE(o.push(frame("c", true)));
  std::vector<Frame> out;
  EXPECT_TRUE(o.take(out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(texts(out), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(out[2].http_status, 202);
  EXPECT_FALSE(out[0].final);
  EXPECT_TRUE(out[3].final);
}

TEST(Outbox, TakeAppendsToWhatTheCallerHolds) {
  Outbox o(1024);
  std::vector<Frame> out{frame("held")};
  o.push(frame("a"));
  EXPECT_TRUE(o.take(out));
  EXPECT_EQ(texts(out), (std::vector<std::string>{"held", "a"}));
}

// Regression for a bug of the old wait(): it decided "closed and drained" by looking at the
// caller's vector, not at the outbox, so a caller that accumulates frames across calls
// (reply_batch in supervisor/streamable_http_transport.cpp does) was told "open" forever once
// the outbox was closed after a non-final frame, and spun.
TEST(Outbox, TakeReportsClosedEvenWhenOutAlreadyHoldsFrames) {
  Outbox o(1024);
  std::vector<Frame> out;
  o.push(frame("progress"));  // not final
  ASSERT_TRUE(o.take(out));
  o.close();  // e.g. the session was deleted
  EXPECT_FALSE(o.take(out)) << "closed and drained, but reported open";
  EXPECT_EQ(out.size(), 1u);
}

TEST(Outbox, ListenerRunsAfterThePushIsQueued) {
  // The response's pump may take at once; it must find the frame that woke it.
  Outbox o(1024);
  std::vector<Frame> seen;
  o.set_listener([&] { o.take(seen); });
  EXPECT_TRUE(o.push(frame("a")));
  EXPECT_EQ(texts(seen), std::vector<std::string>{"a"});
}

TEST(Outbox, ListenerSeesTheOverflow) {
  // On overflow the response must learn that it is to disconnect, not merely that it was woken.
  Outbox o(4);
  bool overflowed_when_notified = false;
  bool closed_when_notified = false;
  o.push(frame("1234"));
  o.set_listener([&] {
    overflowed_when_notified = o.overflowed();
    closed_when_notified = o.closed();
  });
  EXPECT_FALSE(o.push(frame("5")));
  EXPECT_TRUE(overflowed_when_notified);
  EXPECT_TRUE(closed_when_notified);
}

TEST(Outbox, ListenerSeesTheClose) {
  Outbox o(1024);
  bool closed_when_notified = false;
  o.set_listener([&] { closed_when_notified = o.closed(); });
  o.close();
  EXPECT_TRUE(closed_when_notified);
}

TEST(Outbox, ClearedListenerIsNotCalled) {
  // A response that ends clears its listener before it goes away; later pushes must not reach it.
  Outbox o(1024);
  int notifications = 0;
  o.set_listener([&] { ++notifications; });
  o.push(frame("a"));
  o.set_listener(nullptr);
  EXPECT_TRUE(o.push(frame("b")));
  o.close();
  EXPECT_EQ(notifications, 1);
  std::vector<Frame> out;
  EXPECT_TRUE(o.take(out));
  EXPECT_EQ(texts(out), (std::vector<std::string>{"a", "b"}));
}

TEST(Outbox, ReplacedListenerTakesOver) {
  Outbox o(1024);
  int first = 0;
  int second = 0;
  o.set_listener([&] { ++first; });
  o.push(frame("a"));
  o.set_listener([&] { ++second; });
  o.push(frame("b"));
  o.close();
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
}

TEST(Outbox, PushWithoutListenerWorks) {
  Outbox o(1024);
  EXPECT_TRUE(o.push(frame("a")));
  o.close();
  std::vector<Frame> out;
  EXPECT_TRUE(o.take(out));
  EXPECT_FALSE(o.take(out));
  EXPECT_EQ(o.max_bytes(), 1024u);
}

}  // namespace
}  // namespace mcp::supervisor
