// protocol/line_framer.hpp
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/line_framer.hpp"

namespace mcp {
namespace {

// What a framer handed out, in order. Oversize reports are recorded as "<oversize N>".
struct Output {
  std::vector<std::string> events;
};

void feed(LineFramer& framer, std::string_view data, Output& out) {
  framer.feed(
      data, [&](std::string_view line) { out.events.emplace_back(line); },
      [&](std::size_t bytes) { out.events.push_back("<oversize " + std::to_string(bytes) + ">"); });
}

std::vector<std::string> feed_whole(std::size_t max, std::string_view data) {
  LineFramer framer(max);
  Output out;
  feed(framer, data, out);
  return out.events;
}

// Feeds data split into chunks at the given boundaries.
std::vector<std::string> feed_split(std::size_t max, std::string_view data,
                                    const std::vector<std::size_t>& cuts) {
  LineFramer framer(max);
  Output out;
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    feed(framer, data.substr(pos, cut - pos), out);
    pos = cut;
  }
  feed(framer, data.substr(pos), out);
  return out.events;
}

struct FramerCase {
  const char* name;
  std::size_t max;
  std::string input;
  std::vector<std::string> expected;
};

class LineFramerTable : public testing::TestWithParam<FramerCase> {};

TEST_P(LineFramerTable, WholeInput) {
  const auto& c = GetParam();
  EXPECT_EQ(feed_whole(c.max, c.input), c.expected);
}

TEST_P(LineFramerTable, SplitAtEveryByteBoundary) {
  const auto& c = GetParam();
  for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
    EXPECT_EQ(feed_split(c.max, c.input, {cut}), c.expected) << "cut at " << cut;
  }
}

TEST_P(LineFramerTable, SplitAtEveryPairOfBoundaries) {
  const auto& c = GetParam();
  for (std::size_t a = 0; a <= c.input.size(); ++a) {
    for (std::size_t b = a; b <= c.input.size(); ++b) {
      EXPECT_EQ(feed_split(c.max, c.input, {a, b}), c.expected) << "cuts at " << a << "," << b;
    }
  }
}

TEST_P(LineFramerTable, OneByteAtATime) {
  const auto& c = GetParam();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < c.input.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(feed_split(c.max, c.input, cuts), c.expected);
}

using V = std::vector<std::string>;

INSTANTIATE_TEST_SUITE_P(
    Table, LineFramerTable,
    testing::Values(
        FramerCase{"Empty", 100, "", V{}}, FramerCase{"OneLine", 100, "hello\n", V{"hello"}},
        FramerCase{"NoTrailingNewlineIsHeldBack", 100, "a\nbc", V{"a"}},
        FramerCase{"TwoLines", 100, "{\"a\":1}\n{\"b\":2}\n", V{"{\"a\":1}", "{\"b\":2}"}},
        FramerCase{"Crlf", 100, "one\r\ntwo\r\n", V{"one", "two"}},
        FramerCase{"MixedEndings", 100, "one\ntwo\r\nthree\n", V{"one", "two", "three"}},
        FramerCase{"EmptyLinesSkipped", 100, "\n\na\n\n\nb\n\n", V{"a", "b"}},
        FramerCase{"LoneCrSkipped", 100, "\r\na\n\r\n", V{"a"}},
        FramerCase{"InnerCrKept", 100, "a\rb\n", V{"a\rb"}},
        FramerCase{"OnlyOneTrailingCrStripped", 100, "a\r\r\n", V{"a\r"}},
        FramerCase{"ExactlyAtLimit", 5, "12345\n", V{"12345"}},
        FramerCase{"OneOverLimit", 5, "123456\n", V{"<oversize 6>"}},
        FramerCase{"OversizeThenRecovers", 5, "123456789\nok\n", V{"<oversize 9>", "ok"}},
        FramerCase{"OversizeBetweenGoodLines", 4, "abcd\nxxxxxxxxxxxx\nefgh\n",
                   V{"abcd", "<oversize 12>", "efgh"}},
        FramerCase{"TwoOversizeLinesReportedSeparately", 3, "aaaa\nbbbbbb\nc\n",
                   V{"<oversize 4>", "<oversize 6>", "c"}},
        FramerCase{"OversizeWithoutNewlineNotYetReported", 3, "ok\naaaaaaa", V{"ok"}},
        FramerCase{"LimitCountsBytesNotNewline", 3, "abc\nabc\n", V{"abc", "abc"}},
        FramerCase{"BinaryBytes", 100, std::string("a\0b\xff\n", 5),
                   V{std::string("a\0b\xff", 4)}}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(LineFramer, HugeLineReportedOnceWithTotalByteCount) {
  LineFramer framer(1024);
  Output out;
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 100; ++i) feed(framer, chunk, out);
  EXPECT_TRUE(out.events.empty()) << "reported before the line ended";
  feed(framer, "tail\nnext\n", out);
  EXPECT_EQ(out.events, (V{"<oversize " + std::to_string(100 * 4096 + 4) + ">", "next"}));
}

TEST(LineFramer, BufferDoesNotGrowWhileDiscarding) {
  LineFramer framer(1024);
  Output out;
  feed(framer, std::string(512, 'a'), out);
  EXPECT_EQ(framer.buffered_bytes(), 512u);
  for (int i = 0; i < 50; ++i) feed(framer, std::string(1000, 'b'), out);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  feed(framer, "\n", out);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  EXPECT_EQ(out.events, V{"<oversize " + std::to_string(512 + 50 * 1000) + ">"});
}

TEST(LineFramer, PartialLineIsBufferedAndReleased) {
  LineFramer framer(100);
  Output out;
  feed(framer, "abc", out);
  EXPECT_EQ(framer.buffered_bytes(), 3u);
  EXPECT_TRUE(out.events.empty());
  feed(framer, "def\n", out);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  EXPECT_EQ(out.events, V{"abcdef"});
}

TEST(LineFramer, ExactlyAtLimitAcrossChunks) {
  LineFramer framer(6);
  Output out;
  feed(framer, "abc", out);
  feed(framer, "def", out);  // exactly 6 buffered: still fine
  feed(framer, "\n", out);
  feed(framer, "abc", out);
  feed(framer, "defg", out);  // 7: dropped
  feed(framer, "\nz\n", out);
  EXPECT_EQ(out.events, (V{"abcdef", "<oversize 7>", "z"}));
}

}  // namespace
}  // namespace mcp

namespace mcp {
namespace {

struct EdgeIdCase {
  const char* name;
  std::string line;
  std::string id;
};

class JsonRpcIdAtEdges : public testing::TestWithParam<EdgeIdCase> {};

// A line over the limit is dropped, and its id is recovered from the edges the framer kept.
TEST_P(JsonRpcIdAtEdges, FindsTheIdOfADroppedLine) {
  LineFramer framer(64);
  std::string found = "(not dropped)";
  const std::string input = GetParam().line + "\n";
  // Fed in small pieces, so head and tail are assembled across chunks.
  for (std::size_t pos = 0; pos < input.size(); pos += 7) {
    framer.feed(
        std::string_view(input).substr(pos, 7), [](std::string_view) {},
        [&](std::size_t) {
          found = jsonrpc_id_at_edges(framer.dropped_head(), framer.dropped_tail());
        });
  }
  EXPECT_EQ(found, GetParam().id);
}

const std::string pad(1000, 'x');

INSTANTIATE_TEST_SUITE_P(
    Table, JsonRpcIdAtEdges,
    testing::Values(
        EdgeIdCase{"IdFirst", R"({"jsonrpc":"2.0","id":42,"result":{"t":")" + pad + R"("}})", "42"},
        EdgeIdCase{"StringIdFirst",
                   R"({ "jsonrpc" : "2.0" , "id" : "a-1", "result":")" + pad + "\"}", "\"a-1\""},
        EdgeIdCase{"IdLast", R"({"result":{"t":")" + pad + R"("},"jsonrpc":"2.0","id":7})", "7"},
        EdgeIdCase{"NestedIdOnlyIsNotTaken", R"({"result":{"t":")" + pad + R"(","id":9}})", ""},
        EdgeIdCase{"NotJson", pad, ""},
        EdgeIdCase{"EscapedStringIdRefused", R"({"jsonrpc":"2.0","id":"a\"b","x":")" + pad + "\"}",
                   ""}),
    [](const auto& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace mcp
