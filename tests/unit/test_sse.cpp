// protocol/sse.hpp
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/sse.hpp"

namespace mcp::sse {

// For readable failure messages.
void PrintTo(const Event& e, std::ostream* os) {
  *os << "{event=\"" << e.event << "\", id=\"" << e.id << "\", data=\"" << e.data << "\"}";
}
bool operator==(const Event& a, const Event& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}

namespace {

using Events = std::vector<Event>;

Event ev(std::string data, std::string event = {}, std::string id = {}) {
  return Event{std::move(event), std::move(data), std::move(id)};
}

// Decodes input fed in chunks cut at the given positions; returns the events and whether every
// feed succeeded.
std::pair<Events, bool> decode(std::string_view input, const std::vector<std::size_t>& cuts,
                               std::size_t max = 1 << 20) {
  Decoder d(max);
  Events out;
  bool ok = true;
  std::size_t pos = 0;
  auto on_event = [&](const Event& e) { out.push_back(e); };
  for (std::size_t cut : cuts) {
    ok = d.feed(input.substr(pos, cut - pos), on_event) && ok;
    pos = cut;
  }
  ok = d.feed(input.substr(pos), on_event) && ok;
  return {out, ok};
}

// ---------------------------------------------------------------------------------------------
// encode

struct EncodeCase {
  const char* name;
  std::string event;
  std::string data;
  std::string id;
  std::string expected;
};

class Encode : public testing::TestWithParam<EncodeCase> {};

TEST_P(Encode, Text) {
  const auto& c = GetParam();
  EXPECT_EQ(encode(c.event, c.data, c.id), c.expected);
}

TEST_P(Encode, RoundTripsThroughDecoder) {
  const auto& c = GetParam();
  const auto [events, ok] = decode(encode(c.event, c.data, c.id), {});
  EXPECT_TRUE(ok);
  EXPECT_EQ(events, Events{ev(c.data, c.event, c.id)});
}

INSTANTIATE_TEST_SUITE_P(
    Table, Encode,
    testing::Values(EncodeCase{"DataOnly", "", R"({"a":1})", "", "data: {\"a\":1}\n\n"},
                    EncodeCase{"EventAndData", "endpoint", "/messages?sessionId=x", "",
                               "event: endpoint\ndata: /messages?sessionId=x\n\n"},
                    EncodeCase{"WithId", "message", "x", "42",
                               "event: message\nid: 42\ndata: x\n\n"},
                    EncodeCase{"MultiLine", "", "a\nb\nc", "", "data: a\ndata: b\ndata: c\n\n"},
                    EncodeCase{"EmptyData", "", "", "", "data: \n\n"},
                    EncodeCase{"TrailingNewline", "", "a\n", "", "data: a\ndata: \n\n"},
                    EncodeCase{"LeadingNewline", "", "\na", "", "data: \ndata: a\n\n"},
                    EncodeCase{"LeadingSpacePreserved", "", " x", "", "data:  x\n\n"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(Keepalive, IsACommentThatDispatchesNothing) {
  const auto [events, ok] = decode(keepalive() + encode("", "x") + keepalive(), {});
  EXPECT_TRUE(ok);
  EXPECT_EQ(events, Events{ev("x")});
  EXPECT_EQ(keepalive().front(), ':');
}

// ---------------------------------------------------------------------------------------------
// Decoder

struct DecodeCase {
  const char* name;
  std::string input;
  Events expected;
};

class DecodeTable : public testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeTable, Whole) {
  const auto& c = GetParam();
  const auto [events, ok] = decode(c.input, {});
  EXPECT_TRUE(ok);
  EXPECT_EQ(events, c.expected);
}

TEST_P(DecodeTable, SplitAtEveryBoundary) {
  const auto& c = GetParam();
  for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
    const auto [events, ok] = decode(c.input, {cut});
    EXPECT_TRUE(ok);
    EXPECT_EQ(events, c.expected) << "cut at " << cut;
  }
}

TEST_P(DecodeTable, SplitAtEveryPairOfBoundaries) {
  const auto& c = GetParam();
  for (std::size_t a = 0; a <= c.input.size(); ++a) {
    for (std::size_t b = a; b <= c.input.size(); ++b) {
      const auto [events, ok] = decode(c.input, {a, b});
      EXPECT_EQ(events, c.expected) << "cuts at " << a << "," << b;
    }
  }
}

TEST_P(DecodeTable, OneByteAtATime) {
  const auto& c = GetParam();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < c.input.size(); ++i) cuts.push_back(i);
  const auto [events, ok] = decode(c.input, cuts);
  EXPECT_TRUE(ok);
  EXPECT_EQ(events, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DecodeTable,
    testing::Values(
        DecodeCase{"Lf", "data: hi\n\n", {ev("hi")}},
        DecodeCase{"Crlf", "data: hi\r\n\r\n", {ev("hi")}},
        DecodeCase{"Cr", "data: hi\r\r", {ev("hi")}},
        DecodeCase{"MixedTerminators", "data: a\rdata: b\r\ndata: c\n\r\n", {ev("a\nb\nc")}},
        DecodeCase{"CrlfTwoEvents", "data: 1\r\n\r\ndata: 2\r\n\r\n", {ev("1"), ev("2")}},
        DecodeCase{"LfThenCrIsTwoTerminators", "data: x\n\r", {ev("x")}},
        DecodeCase{"NoSpaceAfterColon", "data:hi\n\n", {ev("hi")}},
        DecodeCase{"OnlyOneSpaceStripped", "data:  hi\n\n", {ev(" hi")}},
        DecodeCase{"MultipleDataLines", "data: a\ndata: b\n\n", {ev("a\nb")}},
        DecodeCase{"EmptyDataLine", "data:\n\n", {ev("")}},
        DecodeCase{"FieldWithoutColon", "data\ndata\n\n", {ev("\n")}},
        DecodeCase{"ColonInValue", "data: a:b: c\n\n", {ev("a:b: c")}},
        DecodeCase{"Comments", ": hello\ndata: x\n: more\n\n", {ev("x")}},
        DecodeCase{"CommentOnlyBlockDispatchesNothing", ": ping\n\n", {}},
        DecodeCase{"BlankLinesAlone", "\n\n\r\n\r", {}},
        DecodeCase{"EventField", "event: endpoint\ndata: /m\n\n", {ev("/m", "endpoint")}},
        DecodeCase{"IdField", "id: 7\ndata: x\n\n", {ev("x", "", "7")}},
        DecodeCase{"FieldsInAnyOrder", "data: x\nid: 9\nevent: e\n\n", {ev("x", "e", "9")}},
        DecodeCase{"EventWithoutDataDispatchesNothing", "event: e\n\ndata: x\n\n", {ev("x")}},
        DecodeCase{"EventTypeResetBetweenEvents",
                   "event: e\ndata: 1\n\ndata: 2\n\n",
                   {ev("1", "e"), ev("2")}},
        DecodeCase{"UnknownFieldIgnored", "retry: 10\nfoo: bar\ndata: x\n\n", {ev("x")}},
        DecodeCase{"UnterminatedEventNotDispatched", "data: a\n\ndata: b\n", {ev("a")}},
        DecodeCase{"JsonPayloads",
                   "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
                   "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n\n",
                   {ev(R"({"jsonrpc":"2.0","id":1,"result":{}})", "message"),
                    ev(R"({"jsonrpc":"2.0","method":"n"})", "message")}}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(Decoder, CrAtEndOfChunkThenLfInNextIsOneTerminator) {
  Decoder d(1024);
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  EXPECT_TRUE(d.feed("data: a\r", on));
  EXPECT_TRUE(d.feed("\ndata: b\r", on));
  EXPECT_TRUE(d.feed("\n\r", on));
  EXPECT_TRUE(d.feed("\n", on));
  EXPECT_EQ(out, Events{ev("a\nb")});
}

TEST(Decoder, OverflowOnOneLongLine) {
  Decoder d(16);
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  EXPECT_FALSE(d.feed("data: " + std::string(32, 'x') + "\n\n", on));
  EXPECT_TRUE(out.empty());
}

TEST(Decoder, OverflowAcrossDataLinesOfOneEvent) {
  // Each line is short; together the event is too big.
  Decoder d(32);
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  bool ok = true;
  for (int i = 0; i < 10 && ok; ++i) ok = d.feed("data: 0123456789\n", on);
  EXPECT_FALSE(ok);
  EXPECT_TRUE(out.empty());
}

TEST(Decoder, StaysFailedAfterOverflow) {
  Decoder d(8);
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  EXPECT_FALSE(d.feed("data: 0123456789\n\n", on));
  EXPECT_FALSE(d.feed("data: x\n\n", on));
  EXPECT_TRUE(out.empty());
}

TEST(Decoder, ManySmallEventsNeverOverflow) {
  // The limit is per event, not per stream.
  Decoder d(32);
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(d.feed("data: 0123456789\n\n", on)) << i;
  EXPECT_EQ(out.size(), 1000u);
}

TEST(Decoder, LineExactlyAtLimitIsAcceptedOneMoreByteIsNot) {
  Events out;
  auto on = [&](const Event& e) { out.push_back(e); };
  Decoder at_limit(10);
  EXPECT_TRUE(at_limit.feed("data:01234\n\n", on));
  EXPECT_EQ(out, Events{ev("01234")});
  Decoder over(10);
  EXPECT_FALSE(over.feed("data:012345\n\n", on));
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace mcp::sse
