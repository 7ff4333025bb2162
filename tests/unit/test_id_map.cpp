// supervisor/id_map.hpp
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "supervisor/id_map.hpp"
#include "supervisor/outbox.hpp"

namespace mcp::supervisor {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;
using testing::UnorderedElementsAre;
using Clock = IdMap::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

PendingCall call(std::string session, std::string client_id, std::string server = "srv",
                 Clock::time_point deadline = t0 + 60s) {
  PendingCall c;
  c.session_id = std::move(session);
  c.client_id = std::move(client_id);
  c.server = std::move(server);
  c.method = "tools/call";
  c.deadline = deadline;
  return c;
}

std::vector<std::string> client_ids(const std::vector<PendingCall>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls) out.push_back(c.session_id + "/" + c.client_id);
  return out;
}

TEST(IdMap, GatewayIdsAreFreshAndNonZero) {
  IdMap m;
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 100; ++i) {
    const auto id = m.add(call("s", "1"));  // same client id every time
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(ids.insert(id).second) << "gateway id reused: " << id;
  }
  EXPECT_EQ(m.size(), 100u);
}

TEST(IdMap, GatewayIdsAreNotReusedAfterTake) {
  IdMap m;
  const auto a = m.add(call("s", "1"));
  ASSERT_TRUE(m.take(a).has_value());
  const auto b = m.add(call("s", "1"));
  EXPECT_NE(a, b);
}

TEST(IdMap, AddStoresTheCallWithItsGatewayId) {
  IdMap m;
  PendingCall c = call("sess", R"("abc")", "github");
  c.client_progress_token = "7";
  c.reply = std::make_shared<Outbox>(1024);
  const auto id = m.add(c);
  PendingCall* found = m.find(id);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->gateway_id, id);
  EXPECT_EQ(found->session_id, "sess");
  EXPECT_EQ(found->client_id, R"("abc")");
  EXPECT_EQ(found->server, "github");
  EXPECT_EQ(found->client_progress_token, "7");
  EXPECT_EQ(found->reply, c.reply);
  EXPECT_EQ(m.find(id + 1), nullptr);
}

TEST(IdMap, TakeRemovesExactlyOnce) {
  IdMap m;
  const auto a = m.add(call("s", "1"));
  const auto b = m.add(call("s", "2"));
  auto got = m.take(a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->client_id, "1");
  EXPECT_FALSE(m.take(a).has_value());
  EXPECT_EQ(m.find(a), nullptr);
  EXPECT_NE(m.find(b), nullptr);
  EXPECT_EQ(m.size(), 1u);
}

TEST(IdMap, TakeUnknownIdIsNothing) {
  IdMap m;
  EXPECT_FALSE(m.take(42).has_value());
}

// Every (session, client id) pair is its own key: 1 and "1" never meet, nor do two sessions
// that use the same id.
TEST(IdMap, FindByClientKeepsNumberAndStringDistinctAcrossSessions) {
  IdMap m;
  struct Entry {
    std::string session, client_id;
    std::uint64_t id = 0;
  };
  std::vector<Entry> entries = {{"A", "1"},      {"A", R"("1")"}, {"B", "1"},
                                {"B", R"("1")"}, {"A", "10"},     {"A", R"("01")"}};
  for (auto& e : entries) e.id = m.add(call(e.session, e.client_id));
  for (const auto& e : entries) {
    const auto found = m.find_by_client(e.session, e.client_id);
    ASSERT_TRUE(found.has_value()) << e.session << " " << e.client_id;
    EXPECT_EQ(*found, e.id) << e.session << " " << e.client_id;
  }
  EXPECT_FALSE(m.find_by_client("A", "01").has_value());
  EXPECT_FALSE(m.find_by_client("C", "1").has_value());
  EXPECT_FALSE(m.find_by_client("A", "2").has_value());

  // Taking one leaves its look-alikes in place.
  ASSERT_TRUE(m.take(entries[0].id));
  EXPECT_FALSE(m.find_by_client("A", "1").has_value());
  EXPECT_EQ(m.find_by_client("A", R"("1")"), entries[1].id);
  EXPECT_EQ(m.find_by_client("B", "1"), entries[2].id);
}

TEST(IdMap, ReusedClientIdFindsTheNewestAndTakingTheOldOneKeepsIt) {
  // A client may reuse an id once its first request was answered; while both are in flight,
  // the newer one is what find_by_client (used for cancellation) must find.
  IdMap m;
  const auto old_id = m.add(call("A", "5"));
  const auto new_id = m.add(call("A", "5"));
  EXPECT_EQ(m.find_by_client("A", "5"), new_id);
  ASSERT_TRUE(m.take(old_id));
  EXPECT_EQ(m.find_by_client("A", "5"), new_id);
  ASSERT_TRUE(m.take(new_id));
  EXPECT_FALSE(m.find_by_client("A", "5").has_value());
}

TEST(IdMap, TakeServerTakesOnlyThatServer) {
  IdMap m;
  m.add(call("A", "1", "alpha"));
  m.add(call("A", "2", "beta"));
  m.add(call("B", "1", "alpha"));
  m.add(call("B", "2", "gamma"));
  EXPECT_EQ(m.count_server("alpha"), 2u);
  EXPECT_THAT(client_ids(m.take_server("alpha")), UnorderedElementsAre("A/1", "B/1"));
  EXPECT_EQ(m.count_server("alpha"), 0u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_FALSE(m.find_by_client("A", "1").has_value());
  EXPECT_TRUE(m.find_by_client("A", "2").has_value());
  EXPECT_TRUE(m.take_server("alpha").empty());
  EXPECT_TRUE(m.take_server("nobody").empty());
}

TEST(IdMap, TakeSessionTakesOnlyThatSession) {
  IdMap m;
  m.add(call("A", "1", "alpha"));
  m.add(call("A", "2", "beta"));
  m.add(call("AB", "1", "alpha"));
  m.add(call("B", "1", "alpha"));
  EXPECT_THAT(client_ids(m.take_session("A")), UnorderedElementsAre("A/1", "A/2"));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.find_by_client("AB", "1").has_value());
  EXPECT_TRUE(m.find_by_client("B", "1").has_value());
  EXPECT_EQ(m.count_server("alpha"), 2u);
}

TEST(IdMap, TakenCallsLeaveNoDeadlineBehind) {
  IdMap m;
  m.add(call("A", "1", "alpha", t0 + 1s));
  m.add(call("B", "1", "beta", t0 + 5s));
  m.take_server("alpha");
  EXPECT_EQ(m.next_deadline(), t0 + 5s);
  m.take_session("B");
  EXPECT_FALSE(m.next_deadline().has_value());
  EXPECT_TRUE(m.take_expired(t0 + 1h).empty());
}

TEST(IdMap, TakeExpiredInDeadlineOrder) {
  IdMap m;
  m.add(call("s", "c", "srv", t0 + 3s));
  m.add(call("s", "a", "srv", t0 + 1s));
  m.add(call("s", "d", "srv", t0 + 4s));
  m.add(call("s", "b", "srv", t0 + 2s));
  m.add(call("s", "b2", "srv", t0 + 2s));  // same deadline: insertion order

  EXPECT_TRUE(m.take_expired(t0).empty());
  EXPECT_THAT(client_ids(m.take_expired(t0 + 2s)), ElementsAre("s/a", "s/b", "s/b2"));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.take_expired(t0 + 2s).empty()) << "taken twice";
  EXPECT_THAT(client_ids(m.take_expired(t0 + 10s)), ElementsAre("s/c", "s/d"));
  EXPECT_EQ(m.size(), 0u);
}

TEST(IdMap, DeadlineEqualToNowHasExpired) {
  IdMap m;
  m.add(call("s", "1", "srv", t0 + 1s));
  EXPECT_TRUE(m.take_expired(t0 + 1s - 1ns).empty());
  EXPECT_EQ(m.take_expired(t0 + 1s).size(), 1u);
}

TEST(IdMap, ExpiredCallsAreGoneFromEveryIndex) {
  IdMap m;
  const auto id = m.add(call("s", "1", "srv", t0 + 1s));
  m.add(call("s", "2", "srv", t0 + 9s));
  ASSERT_EQ(m.take_expired(t0 + 1s).size(), 1u);
  EXPECT_EQ(m.find(id), nullptr);
  EXPECT_FALSE(m.find_by_client("s", "1").has_value());
  EXPECT_EQ(m.count_server("srv"), 1u);
}

TEST(IdMap, NextDeadlineIsTheEarliest) {
  IdMap m;
  EXPECT_FALSE(m.next_deadline().has_value());
  const auto late = m.add(call("s", "1", "srv", t0 + 30s));
  EXPECT_EQ(m.next_deadline(), t0 + 30s);
  const auto early = m.add(call("s", "2", "srv", t0 + 10s));
  EXPECT_EQ(m.next_deadline(), t0 + 10s);
  m.add(call("s", "3", "srv", t0 + 20s));
  EXPECT_EQ(m.next_deadline(), t0 + 10s);
  m.take(early);
  EXPECT_EQ(m.next_deadline(), t0 + 20s);
  m.take(late);
  EXPECT_EQ(m.next_deadline(), t0 + 20s);
}

TEST(IdMap, TakeOneOfTwoCallsWithTheSameDeadlineKeepsTheOther) {
  IdMap m;
  const auto a = m.add(call("s", "1", "srv", t0 + 5s));
  const auto b = m.add(call("s", "2", "srv", t0 + 5s));
  ASSERT_TRUE(m.take(b));
  EXPECT_EQ(m.next_deadline(), t0 + 5s);
  const auto expired = m.take_expired(t0 + 5s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].gateway_id, a);
}

TEST(IdMap, RebindMovesTheClientIdAndReply) {
  // An MRTR retry takes over a parked call: new client id, new reply, same gateway id.
  IdMap m;
  const auto gid = m.add(call("A", "1"));
  auto reply = std::make_shared<Outbox>(1024);
  m.rebind(gid, "7", reply);
  EXPECT_FALSE(m.find_by_client("A", "1").has_value());
  EXPECT_EQ(m.find_by_client("A", "7"), gid);
  EXPECT_EQ(m.find(gid)->reply, reply);
  m.rebind(gid, "8", nullptr);
  EXPECT_EQ(m.find_by_client("A", "8"), gid);
  EXPECT_EQ(m.find(gid)->reply, nullptr);
  m.rebind(gid + 100, "9", nullptr);  // unknown: nothing happens
  EXPECT_EQ(m.size(), 1u);
}

TEST(IdMap, RescheduleMovesTheDeadline) {
  IdMap m;
  const auto a = m.add(call("s", "1", "srv", t0 + 1s));
  const auto b = m.add(call("s", "2", "srv", t0 + 2s));
  m.reschedule(a, t0 + 10s);
  EXPECT_EQ(m.next_deadline(), t0 + 2s);
  const auto expired = m.take_expired(t0 + 5s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].gateway_id, b);
  EXPECT_EQ(m.next_deadline(), t0 + 10s);
}

TEST(IdMap, CountsCallsPerSession) {
  IdMap m;
  m.add(call("A", "1"));
  const auto a2 = m.add(call("A", "2", "other"));
  m.add(call("B", "1"));
  EXPECT_EQ(m.count_session("A"), 2u);
  EXPECT_EQ(m.count_session("B"), 1u);
  EXPECT_EQ(m.count_session("C"), 0u);
  m.take(a2);
  EXPECT_EQ(m.count_session("A"), 1u);
}

}  // namespace
}  // namespace mcp::supervisor
