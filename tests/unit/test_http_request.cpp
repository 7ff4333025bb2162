// protocol/http_request.hpp
#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/http_request.hpp"

namespace mcp::http {
namespace {

using namespace std::string_literals;
using Result = RequestParser::Result;

// What one parse came to: fed the pieces in order until the parser said complete or error.
struct Outcome {
  Result result = Result::need_more;
  std::size_t used = 0;  // of all pieces together
  Request request;
  ParseError error;
};

// Feeds input cut at the given offsets (ascending), as a socket might deliver it.
Outcome parse_split(std::string_view input, const Limits& limits,
                    const std::vector<std::size_t>& cuts) {
  RequestParser parser(limits);
  Outcome out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size() && out.result == Result::need_more; ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : input.size();
    const std::string_view piece = input.substr(from, to - from);
    const auto [result, used] = parser.feed(piece);
    EXPECT_LE(used, piece.size()) << "consumed more than it was given";
    out.result = result;
    out.used += used;
    from = to;
  }
  out.request = parser.request();
  out.error = parser.error();
  return out;
}

Outcome parse(std::string_view input, const Limits& limits = {}) {
  return parse_split(input, limits, {});
}

std::vector<std::size_t> every_byte(std::string_view input) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return cuts;
}

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<Header>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

// ---- requests that parse ----------------------------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

struct AcceptedCase {
  const char* name;
  std::string input;
  Limits limits;
  std::string method;
  std::string target;
  int minor_version;
  Fields headers;
  std::string body;
};

void PrintTo(const AcceptedCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpAccepted : public testing::TestWithParam<AcceptedCase> {};

void expect_request(const Outcome& got, const AcceptedCase& c, const std::string& how) {
  ASSERT_EQ(got.result, Result::complete)
      << how << ": " << got.error.status << " " << got.error.reason;
  EXPECT_EQ(got.used, c.input.size()) << how;
  EXPECT_EQ(got.request.method, c.method) << how;
  EXPECT_EQ(got.request.target, c.target) << how;
  EXPECT_EQ(got.request.minor_version, c.minor_version) << how;
  EXPECT_EQ(pairs(got.request.headers), c.headers) << how;
  EXPECT_EQ(got.request.body, c.body) << how;
}

TEST_P(HttpAccepted, Whole) {
  const auto& c = GetParam();
  expect_request(parse(c.input, c.limits), c, "whole");
}

TEST_P(HttpAccepted, OneByteAtATime) {
  const auto& c = GetParam();
  expect_request(parse_split(c.input, c.limits, every_byte(c.input)), c, "byte by byte");
}

TEST_P(HttpAccepted, SplitAtEveryByteBoundary) {
  const auto& c = GetParam();
  for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
    expect_request(parse_split(c.input, c.limits, {cut}), c, "cut at " + std::to_string(cut));
  }
}

const std::string mcp_body =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github__search"}})";

INSTANTIATE_TEST_SUITE_P(
    Table, HttpAccepted,
    testing::Values(
        AcceptedCase{"SimpleGet",
                     "GET /mcp HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
                     {},
                     "GET",
                     "/mcp",
                     1,
                     {{"Host", "localhost"}, {"Accept", "text/event-stream"}},
                     ""},
        AcceptedCase{"NoHeadersAtAll", "GET / HTTP/1.1\r\n\r\n", {}, "GET", "/", 1, {}, ""},
        AcceptedCase{"Http10", "GET / HTTP/1.0\r\n\r\n", {}, "GET", "/", 0, {}, ""},
        AcceptedCase{"PostWithContentLength",
                     "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(mcp_body.size()) + "\r\n\r\n" + mcp_body,
                     {},
                     "POST",
                     "/mcp",
                     1,
                     {{"Content-Type", "application/json"},
                      {"Content-Length", std::to_string(mcp_body.size())}},
                     mcp_body},
        AcceptedCase{"ContentLengthZero",
                     "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Content-Length", "0"}},
                     ""},
        // RFC 9110 section 8.6: the same value repeated may be taken as that value.
        AcceptedCase{"ContentLengthRepeatedInAList",
                     "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Content-Length", "3, 3"}},
                     "abc"},
        AcceptedCase{"ContentLengthRepeatedOnTwoLines",
                     "POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Content-Length", "3"}, {"content-length", "3"}},
                     "abc"},
        AcceptedCase{"ContentLengthLeadingZeros",
                     "POST / HTTP/1.1\r\nContent-Length: 0003\r\n\r\nabc",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Content-Length", "0003"}},
                     "abc"},
        AcceptedCase{"ContentLengthAtTheLimit",
                     "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789",
                     {.max_body_bytes = 10},
                     "POST",
                     "/",
                     1,
                     {{"Content-Length", "10"}},
                     "0123456789"},
        // RFC 9112 section 7.1: extensions are ignored, trailers read and dropped.
        AcceptedCase{"ChunkedWithExtensionsAndTrailers",
                     "POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "4;name=value\r\nWiki\r\n5 ; quoted=\"a;b\"\r\npedia\r\n"
                     "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
                     {},
                     "POST",
                     "/mcp",
                     1,
                     {{"Transfer-Encoding", "chunked"}},
                     "Wikipedia"},
        AcceptedCase{"ChunkedHexSizesAnyCase",
                     "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                     "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000\r\n\r\n",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Transfer-Encoding", "Chunked"}},
                     "0123456789abcdefghijk"},
        AcceptedCase{"ChunkedEmptyBody",
                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Transfer-Encoding", "chunked"}},
                     ""},
        // RFC 9110 section 5.6.1: empty list elements are ignored.
        AcceptedCase{"ChunkedWithEmptyListElements",
                     "POST / HTTP/1.1\r\nTransfer-Encoding: , chunked,\r\n\r\n1\r\nx\r\n0\r\n\r\n",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Transfer-Encoding", ", chunked,"}},
                     "x"},
        AcceptedCase{"ChunkedAtTheLimit",
                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n",
                     {.max_body_bytes = 10},
                     "POST",
                     "/",
                     1,
                     {{"Transfer-Encoding", "chunked"}},
                     "helloworld"},
        // RFC 9112 section 2.2: empty lines before the request line are ignored.
        AcceptedCase{
            "LeadingEmptyLines", "\r\n\n\r\nGET / HTTP/1.1\r\n\r\n", {}, "GET", "/", 1, {}, ""},
        // RFC 9112 section 2.2: a recipient may take a bare LF for a line end.
        AcceptedCase{"BareLfLineEndings",
                     "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n",
                     {},
                     "POST",
                     "/",
                     1,
                     {{"Host", "x"}, {"Transfer-Encoding", "chunked"}},
                     "abc"},
        AcceptedCase{"ValueWhitespaceTrimmedNameKept",
                     "GET / HTTP/1.1\r\nX-Odd_Name.1:  \t spaced  value \t\r\nEmpty:\r\n\r\n",
                     {},
                     "GET",
                     "/",
                     1,
                     {{"X-Odd_Name.1", "spaced  value"}, {"Empty", ""}},
                     ""},
        AcceptedCase{"AbsoluteFormTarget",
                     "GET http://localhost:8080/mcp?x=1 HTTP/1.1\r\n\r\n",
                     {},
                     "GET",
                     "http://localhost:8080/mcp?x=1",
                     1,
                     {},
                     ""},
        AcceptedCase{"RequestLineAtTheLimit",
                     "GET /012345678 HTTP/1.1\r\n\r\n",  // 23 bytes without CR LF
                     {.max_request_line_bytes = 23},
                     "GET",
                     "/012345678",
                     1,
                     {},
                     ""},
        AcceptedCase{"HeaderLineAtTheLimit",
                     "GET / HTTP/1.1\r\nX: 12345\r\n\r\n",  // "X: 12345" is 8 bytes
                     {.max_header_line_bytes = 8},
                     "GET",
                     "/",
                     1,
                     {{"X", "12345"}},
                     ""},
        AcceptedCase{"HeaderCountAtTheLimit",
                     "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                     {.max_header_count = 3},
                     "GET",
                     "/",
                     1,
                     {{"A", "1"}, {"B", "2"}, {"C", "3"}},
                     ""},
        AcceptedCase{"HeaderBytesAtTheLimit",
                     "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n",  // 2 x (4 + CR LF)
                     {.max_header_bytes = 12},
                     "GET",
                     "/",
                     1,
                     {{"A", "1"}, {"B", "2"}},
                     ""},
        AcceptedCase{"ObsTextInTargetAndValue",
                     "GET /caf\xc3\xa9 HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n",
                     {},
                     "GET",
                     "/caf\xc3\xa9",
                     1,
                     {{"X-Name", "caf\xc3\xa9"}},
                     ""}),
    [](const auto& row) { return std::string(row.param.name); });

// ---- requests that are refused ----------------------------------------------------------------

struct RefusedCase {
  const char* name;
  std::string input;
  Limits limits;
  int status;
};

void PrintTo(const RefusedCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpRefused : public testing::TestWithParam<RefusedCase> {};

void expect_refused(const Outcome& got, const RefusedCase& c, const std::string& how) {
  ASSERT_EQ(got.result, Result::error) << how;
  EXPECT_EQ(got.error.status, c.status) << how << ": " << got.error.reason;
  EXPECT_FALSE(got.error.reason.empty()) << how;
  EXPECT_LE(got.used, c.input.size()) << how;
}

TEST_P(HttpRefused, Whole) {
  const auto& c = GetParam();
  expect_refused(parse(c.input, c.limits), c, "whole");
}

TEST_P(HttpRefused, OneByteAtATime) {
  const auto& c = GetParam();
  expect_refused(parse_split(c.input, c.limits, every_byte(c.input)), c, "byte by byte");
}

TEST_P(HttpRefused, SplitAtEveryByteBoundary) {
  const auto& c = GetParam();
  for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
    expect_refused(parse_split(c.input, c.limits, {cut}), c, "cut at " + std::to_string(cut));
  }
}

TEST_P(HttpRefused, StaysRefused) {
  // After an error the framing of what follows is unknown; nothing more may parse.
  const auto& c = GetParam();
  RequestParser parser(c.limits);
  ASSERT_EQ(parser.feed(c.input).first, Result::error);
  const auto [result, used] = parser.feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(result, Result::error);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(parser.error().status, c.status);
}

const std::string get = "GET / HTTP/1.1\r\n";
const std::string post = "POST / HTTP/1.1\r\n";
const std::string chunked_head = post + "Transfer-Encoding: chunked\r\n\r\n";

INSTANTIATE_TEST_SUITE_P(
    Malformed400, HttpRefused,
    testing::Values(
        RefusedCase{"RequestLineWithoutVersion", "GET /\r\n\r\n", {}, 400},
        RefusedCase{"RequestLineWithFourParts", "GET / HTTP/1.1 x\r\n\r\n", {}, 400},
        RefusedCase{"RequestLineDoubleSpace", "GET  / HTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"RequestLineLeadingSpace", " GET / HTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"RequestLineTabSeparated", "GET\t/\tHTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"VersionLowercase", "GET / http/1.1\r\n\r\n", {}, 400},
        RefusedCase{"VersionTwoDigitMinor", "GET / HTTP/1.10\r\n\r\n", {}, 400},
        RefusedCase{"VersionWithoutMinor", "GET / HTTP/1\r\n\r\n", {}, 400},
        RefusedCase{"MethodNotAToken", "GE@T / HTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"MethodWithObsText", "G\xc3\x89T / HTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"TargetWithDel", "GET /a\x7f HTTP/1.1\r\n\r\n", {}, 400},
        RefusedCase{"HeaderWithoutColon", get + "Host localhost\r\n\r\n", {}, 400},
        RefusedCase{"HeaderEmptyName", get + ": value\r\n\r\n", {}, 400},
        // RFC 9112 section 5.1: whitespace between name and colon MUST get 400.
        RefusedCase{"SpaceBeforeColon", get + "Host : localhost\r\n\r\n", {}, 400},
        RefusedCase{"TabBeforeColon", get + "Host\t: localhost\r\n\r\n", {}, 400},
        // RFC 9112 section 5.2: obs-fold in a request gets 400 (or is unfolded; we refuse).
        RefusedCase{"ObsFoldSpace", get + "X-A: 1\r\n  continued\r\n\r\n", {}, 400},
        RefusedCase{"ObsFoldTab", get + "X-A: 1\r\n\tcontinued\r\n\r\n", {}, 400},
        // RFC 9112 section 2.2: whitespace between the start-line and the first field.
        RefusedCase{"WhitespaceBeforeFirstHeader", get + " Host: x\r\n\r\n", {}, 400},
        // RFC 9112 section 2.2: a bare CR is invalid; NUL in a field is dangerous (RFC 9110
        // section 5.5).
        RefusedCase{"BareCrInRequestLine", "GET / HTTP/1.1\rHost: x\r\n\r\n", {}, 400},
        RefusedCase{"BareCrInHeaderValue", get + "X: a\rb\r\n\r\n", {}, 400},
        RefusedCase{"CrCrLf", get + "X: a\r\r\n\r\n", {}, 400},
        RefusedCase{"NulInHeaderValue", get + "X: a\0b\r\n\r\n"s, {}, 400},
        RefusedCase{"NulInTarget", "GET /a\0b HTTP/1.1\r\n\r\n"s, {}, 400},
        RefusedCase{"NulInChunkSize", chunked_head + "5\0\r\nhello\r\n0\r\n\r\n"s, {}, 400}),
    [](const auto& row) { return std::string(row.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Framing400, HttpRefused,
    testing::Values(
        // RFC 9112 section 6.3: both at once is the request-smuggling shape.
        RefusedCase{"TransferEncodingAndContentLength",
                    post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                    {},
                    400},
        RefusedCase{"ContentLengthAndTransferEncoding",
                    post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                    {},
                    400},
        // Regression: this one used to get 501, the unknown coding being looked at first.
        RefusedCase{"UnknownCodingAndContentLength",
                    post + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
                    {},
                    400},
        // Regression: an empty Content-Length next to chunked used to count as no
        // Content-Length, so the request was read as chunked.
        RefusedCase{"ChunkedAndEmptyContentLength",
                    post + "Transfer-Encoding: chunked\r\nContent-Length:\r\n\r\n",
                    {},
                    400},
        RefusedCase{"ConflictingContentLengthLines",
                    post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                    {},
                    400},
        RefusedCase{
            "ConflictingContentLengthList", post + "Content-Length: 5, 6\r\n\r\nhello", {}, 400},
        RefusedCase{"ContentLengthSameValueSpelledTwoWays",
                    post + "Content-Length: 5\r\nContent-Length: 05\r\n\r\nhello",
                    {},
                    400},
        // Regression: these had no element the old loop saw, and were read as "no body".
        RefusedCase{"ContentLengthEmpty", post + "Content-Length:\r\n\r\n", {}, 400},
        RefusedCase{"ContentLengthOnlyComma", post + "Content-Length: ,\r\n\r\n", {}, 400},
        RefusedCase{
            "ContentLengthTrailingComma", post + "Content-Length: 5,\r\n\r\nhello", {}, 400},
        RefusedCase{"ContentLengthNotANumber", post + "Content-Length: abc\r\n\r\n", {}, 400},
        RefusedCase{"ContentLengthNegative", post + "Content-Length: -1\r\n\r\n", {}, 400},
        RefusedCase{"ContentLengthPlus", post + "Content-Length: +5\r\n\r\nhello", {}, 400},
        RefusedCase{"ContentLengthHex", post + "Content-Length: 0x5\r\n\r\nhello", {}, 400},
        RefusedCase{"ContentLengthTwoNumbers", post + "Content-Length: 5 5\r\n\r\nhello", {}, 400},
        // RFC 9112 section 6.3: chunked must be the final coding of a request, else its
        // length cannot be known: 400, and this is a MUST, ahead of 6.1's "SHOULD 501".
        RefusedCase{"TransferEncodingGzip", post + "Transfer-Encoding: gzip\r\n\r\n", {}, 400},
        RefusedCase{
            "TransferEncodingIdentity", post + "Transfer-Encoding: identity\r\n\r\n", {}, 400},
        RefusedCase{"TransferEncodingChunkedThenGzip",
                    post + "Transfer-Encoding: chunked, gzip\r\n\r\n",
                    {},
                    400},
        RefusedCase{"TransferEncodingEmpty", post + "Transfer-Encoding:\r\n\r\n", {}, 400},
        RefusedCase{"TransferEncodingChunkedWithParameter",
                    post + "Transfer-Encoding: chunked;q=1\r\n\r\n",
                    {},
                    400},
        // RFC 9112 section 6.1: chunked MUST NOT be applied twice.
        RefusedCase{"TransferEncodingChunkedTwice",
                    post + "Transfer-Encoding: chunked, chunked\r\n\r\n",
                    {},
                    400},
        RefusedCase{"TransferEncodingChunkedOnTwoLines",
                    post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                    {},
                    400},
        // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
        RefusedCase{"TransferEncodingInHttp10",
                    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    {},
                    400},
        RefusedCase{"ChunkSizeNotHex", chunked_head + "zz\r\n", {}, 400},
        RefusedCase{"ChunkSizeEmpty", chunked_head + "\r\n", {}, 400},
        RefusedCase{"ChunkSizeNegative", chunked_head + "-5\r\nhello\r\n", {}, 400},
        RefusedCase{"ChunkSizeLeadingSpace", chunked_head + " 5\r\nhello\r\n", {}, 400},
        RefusedCase{"ChunkSizeHexPrefix", chunked_head + "0x5\r\nhello\r\n", {}, 400},
        // Regression: text after the size that is not an extension used to be ignored.
        RefusedCase{"ChunkSizeFollowedByGarbage", chunked_head + "5 0\r\nhello\r\n", {}, 400},
        RefusedCase{"ChunkDataLongerThanSize", chunked_head + "3\r\nabcdef\r\n0\r\n\r\n", {}, 400},
        RefusedCase{"ChunkDataWithoutLineEnd",
                    chunked_head + "3\r\nabc" + std::string(40, 'x') + "\r\n",
                    {},
                    400},
        RefusedCase{"ChunkSizeLineTooLong", chunked_head + "5;" + std::string(2000, 'e'), {}, 400}),
    [](const auto& row) { return std::string(row.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Limits413, HttpRefused,
    testing::Values(
        // Only the head is fed: the body is refused before any of it arrives.
        RefusedCase{"ContentLengthOverTheLimit",
                    post + "Content-Length: 11\r\n\r\n",
                    {.max_body_bytes = 10},
                    413},
        RefusedCase{"ContentLengthOverTheDefaultLimit",
                    post + "Content-Length: " + std::to_string((8u << 20) + 1) + "\r\n\r\n",
                    {},
                    413},
        // Regression: a valid length of 16 digits or more used to get 400.
        RefusedCase{"ContentLengthTooLongToHold",
                    post + "Content-Length: 99999999999999999999999\r\n\r\n",
                    {},
                    413},
        RefusedCase{"ChunkedTotalOverTheLimit",
                    chunked_head + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                    {.max_body_bytes = 10},
                    413},
        RefusedCase{"OneChunkOverTheLimit", chunked_head + "b\r\n", {.max_body_bytes = 10}, 413},
        RefusedCase{"ChunkSizeTooLongToHold", chunked_head + "ffffffffffffffffffff\r\n", {}, 413}),
    [](const auto& row) { return std::string(row.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Limits414And431, HttpRefused,
    testing::Values(RefusedCase{"RequestLineOverTheLimit",
                                "GET /0123456789 HTTP/1.1\r\n\r\n",
                                {.max_request_line_bytes = 23},
                                414},
                    // Refused while the line is still arriving, not only once it ends.
                    RefusedCase{"RequestLineOverTheLimitWithoutEnd",
                                "GET /" + std::string(100, 'a'),
                                {.max_request_line_bytes = 23},
                                414},
                    RefusedCase{"RequestLineOverTheDefaultLimit",
                                "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n",
                                {},
                                414},
                    RefusedCase{"HeaderLineOverTheLimit",
                                get + "X: 123456\r\n\r\n",
                                {.max_header_line_bytes = 8},
                                431},
                    RefusedCase{"HeaderLineOverTheLimitWithoutEnd",
                                get + "X: " + std::string(100, 'v'),
                                {.max_header_line_bytes = 8},
                                431},
                    RefusedCase{"TooManyHeaders",
                                get + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
                                {.max_header_count = 3},
                                431},
                    RefusedCase{"HeaderBytesOverTheLimit",
                                get + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                                {.max_header_bytes = 12},
                                431},
                    RefusedCase{"TooManyTrailers",
                                chunked_head + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                                {.max_header_count = 3},
                                431},
                    RefusedCase{"TrailerLineOverTheLimit",
                                chunked_head + "0\r\nX: " + std::string(40, 't'),
                                {.max_header_line_bytes = 30},
                                431}),
    [](const auto& row) { return std::string(row.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Unsupported501And505, HttpRefused,
    testing::Values(
        // RFC 9112 section 6.1: correctly framed, with a coding we do not understand.
        RefusedCase{"TransferEncodingGzipChunked",
                    post + "Transfer-Encoding: gzip, chunked\r\n\r\n",
                    {},
                    501},
        RefusedCase{"TransferEncodingGzipThenChunkedOnTwoLines",
                    post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                    {},
                    501},
        RefusedCase{
            "TransferEncodingAnyCase", post + "Transfer-Encoding: GZIP, Chunked\r\n\r\n", {}, 501},
        RefusedCase{"Http20", "GET / HTTP/2.0\r\n\r\n", {}, 505},
        RefusedCase{"Http30", "GET / HTTP/3.0\r\n\r\n", {}, 505},
        RefusedCase{"Http09", "GET / HTTP/0.9\r\n\r\n", {}, 505},
        RefusedCase{"Http12", "GET / HTTP/1.2\r\n\r\n", {}, 505}),
    [](const auto& row) { return std::string(row.param.name); });

// ---- a connection's stream of requests --------------------------------------------------------

struct PipelineCase {
  const char* name;
  std::vector<std::string> requests;
  std::vector<std::string> bodies;
};

void PrintTo(const PipelineCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpPipeline : public testing::TestWithParam<PipelineCase> {};

// Reads the bodies out of one buffer as the connection does: feed, and after complete, reset and
// feed what was not used.
std::vector<std::string> read_all(const std::string& stream, std::vector<std::size_t>& used) {
  RequestParser parser({});
  std::vector<std::string> bodies;
  std::string_view rest = stream;
  while (!rest.empty()) {
    const auto [result, n] = parser.feed(rest);
    EXPECT_EQ(result, Result::complete) << parser.error().reason;
    if (result != Result::complete) break;
    used.push_back(n);
    bodies.push_back(parser.request().body);
    rest.remove_prefix(n);
    parser.reset();
    EXPECT_FALSE(parser.started());
  }
  return bodies;
}

TEST_P(HttpPipeline, EachRequestEndsWhereTheNextBegins) {
  const auto& c = GetParam();
  std::string stream;
  for (const auto& r : c.requests) stream += r;
  std::vector<std::size_t> used;
  EXPECT_EQ(read_all(stream, used), c.bodies);
  std::vector<std::size_t> sizes;
  for (const auto& r : c.requests) sizes.push_back(r.size());
  EXPECT_EQ(used, sizes) << "complete returns the bytes of its own request only";
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpPipeline,
    testing::Values(
        PipelineCase{"TwoGets", {get + "\r\n", get + "Host: x\r\n\r\n"}, {"", ""}},
        PipelineCase{"ContentLengthThenGet",
                     {post + "Content-Length: 5\r\n\r\nhello", get + "\r\n"},
                     {"hello", ""}},
        PipelineCase{"ChunkedThenContentLengthThenChunked",
                     {chunked_head + "3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
                      post + "Content-Length: 2\r\n\r\nde", chunked_head + "1\r\nf\r\n0\r\n\r\n"},
                     {"abc", "de", "f"}},
        // A body that looks like a request is still body.
        PipelineCase{"BodyThatLooksLikeARequest",
                     {post + "Content-Length: 18\r\n\r\nGET / HTTP/1.1\r\n\r\n", get + "\r\n"},
                     {"GET / HTTP/1.1\r\n\r\n", ""}}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(HttpRequestParser, CompleteLeavesTheNextRequestUnread) {
  RequestParser parser({});
  const std::string stream = post + "Content-Length: 2\r\n\r\nhi" + "GET /next HTTP/1.1\r\n\r\n";
  const auto [result, used] = parser.feed(stream);
  ASSERT_EQ(result, Result::complete);
  EXPECT_EQ(stream.substr(used), "GET /next HTTP/1.1\r\n\r\n");
  EXPECT_EQ(parser.feed(stream.substr(used)), std::make_pair(Result::complete, std::size_t{0}))
      << "without reset() the parser is still done with the first request";
  parser.reset();
  EXPECT_EQ(parser.feed(stream.substr(used)).first, Result::complete);
  EXPECT_EQ(parser.request().target, "/next");
  EXPECT_TRUE(parser.request().body.empty());
}

TEST(HttpRequestParser, HeadersDoneOnceTheHeadOfABodyArrived) {
  // The moment to answer "Expect: 100-continue": the head is in, the body is not.
  for (const std::string framing : {"Content-Length: 5", "Transfer-Encoding: chunked"}) {
    RequestParser parser({});
    const std::string head = post + "Expect: 100-continue\r\n" + framing + "\r\n";
    EXPECT_EQ(parser.feed(head).first, Result::need_more);
    EXPECT_FALSE(parser.headers_done()) << framing << ": the blank line has not come yet";
    EXPECT_EQ(parser.feed("\r\n"), std::make_pair(Result::need_more, std::size_t{2}));
    EXPECT_TRUE(parser.headers_done()) << framing;
    EXPECT_TRUE(parser.request().expects_continue()) << framing;
  }
}

TEST(HttpRequestParser, StartedWithTheFirstByte) {
  RequestParser parser({});
  EXPECT_FALSE(parser.started());
  parser.feed("");
  EXPECT_FALSE(parser.started());
  parser.feed("G");
  EXPECT_TRUE(parser.started());
  parser.reset();
  EXPECT_FALSE(parser.started());
}

// ---- Request's helpers ------------------------------------------------------------------------

Request with_target(std::string target) {
  Request r;
  r.target = std::move(target);
  return r;
}

struct PathCase {
  const char* name;
  std::string target;
  std::string path;
};

void PrintTo(const PathCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpRequestPath : public testing::TestWithParam<PathCase> {};

TEST_P(HttpRequestPath, Table) {
  EXPECT_EQ(with_target(GetParam().target).path(), GetParam().path);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpRequestPath,
    testing::Values(PathCase{"Plain", "/mcp", "/mcp"}, PathCase{"Root", "/", "/"},
                    PathCase{"WithQuery", "/messages?sessionId=abc", "/messages"},
                    PathCase{"EmptyQuery", "/mcp?", "/mcp"},
                    PathCase{"AbsoluteForm", "http://localhost:8080/mcp?x=1", "/mcp"},
                    PathCase{"AbsoluteFormNoPath", "http://localhost:8080", "/"},
                    PathCase{"AbsoluteFormHttps", "https://example.com/a/b", "/a/b"},
                    // Regression: the path started at the first '/' after the scheme, which
                    // here is inside the query.
                    PathCase{"AbsoluteFormQueryWithSlash", "http://host?next=/x", "/"},
                    PathCase{"SchemeInsideQuery", "/go?to=http://x/y", "/go"},
                    PathCase{"Asterisk", "*", "*"}),
    [](const auto& row) { return std::string(row.param.name); });

struct QueryCase {
  const char* name;
  std::string target;
  std::string key;
  std::string value;
};

void PrintTo(const QueryCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpRequestQuery : public testing::TestWithParam<QueryCase> {};

TEST_P(HttpRequestQuery, Table) {
  EXPECT_EQ(with_target(GetParam().target).query_param(GetParam().key), GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpRequestQuery,
    testing::Values(QueryCase{"Only", "/messages?sessionId=abc", "sessionId", "abc"},
                    QueryCase{"Second", "/m?a=1&sessionId=abc", "sessionId", "abc"},
                    QueryCase{"FirstOfTwo", "/m?s=1&s=2", "s", "1"},
                    QueryCase{"Absent", "/m?a=1", "s", ""}, QueryCase{"NoQuery", "/m", "s", ""},
                    QueryCase{"NoValue", "/m?s&a=1", "s", ""},
                    QueryCase{"EmptyValue", "/m?s=", "s", ""},
                    QueryCase{"PercentDecoded", "/m?s=a%20b%2Fc%3d", "s", "a b/c="},
                    QueryCase{"PlusIsSpace", "/m?q=a+b", "q", "a b"},
                    QueryCase{"EncodedPlusIsPlus", "/m?q=a%2Bb", "q", "a+b"},
                    QueryCase{"KeyPercentDecoded", "/m?session%49d=x", "sessionId", "x"},
                    QueryCase{"BadEscapeKept", "/m?s=%zz%4", "s", "%zz%4"},
                    QueryCase{"EscapeAtTheEnd", "/m?s=%41", "s", "A"},
                    QueryCase{"ValueWithEquals", "/m?s=a=b", "s", "a=b"},
                    QueryCase{"AbsoluteForm", "http://h/m?s=1", "s", "1"},
                    QueryCase{"PrefixIsNotTheKey", "/m?sessionIdX=1", "sessionId", ""}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(HttpRequest, HeaderNamesCompareCaseInsensitively) {
  Request r;
  r.headers = {{"Content-Type", "application/json"},
               {"mcp-session-id", "abc"},
               {"X-Dup", "first"},
               {"x-dup", "second"}};
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/json");
  EXPECT_EQ(r.header_value("Mcp-Session-Id"), "abc");
  EXPECT_EQ(r.header_value("X-DUP"), "first") << "the first of that name";
  EXPECT_EQ(r.header("Content-Typ"), nullptr);
  EXPECT_EQ(r.header_value("Accept"), "");
  EXPECT_TRUE(r.has_header("MCP-SESSION-ID"));
  EXPECT_FALSE(r.has_header("Mcp-Session"));
}

struct ConnectionCase {
  const char* name;
  int minor_version;
  Fields headers;
  bool keep_alive;
};

void PrintTo(const ConnectionCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpKeepAlive : public testing::TestWithParam<ConnectionCase> {};

TEST_P(HttpKeepAlive, Table) {
  Request r;
  r.minor_version = GetParam().minor_version;
  for (const auto& [name, value] : GetParam().headers) r.headers.push_back({name, value});
  EXPECT_EQ(r.keep_alive(), GetParam().keep_alive);
}

// RFC 9112 section 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
INSTANTIATE_TEST_SUITE_P(
    Table, HttpKeepAlive,
    testing::Values(
        ConnectionCase{"Http11Default", 1, {}, true}, ConnectionCase{"Http10Default", 0, {}, false},
        ConnectionCase{"Http11Close", 1, {{"Connection", "close"}}, false},
        ConnectionCase{"Http11CloseAnyCase", 1, {{"connection", "Close"}}, false},
        ConnectionCase{"Http10KeepAlive", 0, {{"Connection", "keep-alive"}}, true},
        ConnectionCase{"Http10KeepAliveAnyCase", 0, {{"Connection", "Keep-Alive"}}, true},
        ConnectionCase{"CloseInAList", 1, {{"Connection", "Upgrade, close"}}, false},
        ConnectionCase{"KeepAliveInAList", 0, {{"Connection", " TE , keep-alive "}}, true},
        ConnectionCase{"CloseWinsOverKeepAlive",
                       0,
                       {{"Connection", "keep-alive"}, {"Connection", "close"}},
                       false},
        ConnectionCase{
            "CloseOnASecondLine", 1, {{"Connection", "TE"}, {"Connection", "close"}}, false},
        ConnectionCase{"NotATokenMatch", 1, {{"Connection", "closed"}}, true},
        ConnectionCase{"Http10OtherOption", 0, {{"Connection", "TE"}}, false}),
    [](const auto& row) { return std::string(row.param.name); });

struct ExpectCase {
  const char* name;
  int minor_version;
  Fields headers;
  bool expects_continue;
};

void PrintTo(const ExpectCase& c, std::ostream* os) {
  *os << c.name;
}

class HttpExpectContinue : public testing::TestWithParam<ExpectCase> {};

TEST_P(HttpExpectContinue, Table) {
  Request r;
  r.minor_version = GetParam().minor_version;
  for (const auto& [name, value] : GetParam().headers) r.headers.push_back({name, value});
  EXPECT_EQ(r.expects_continue(), GetParam().expects_continue);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpExpectContinue,
    testing::Values(ExpectCase{"Absent", 1, {}, false},
                    ExpectCase{"Present", 1, {{"Expect", "100-continue"}}, true},
                    ExpectCase{"AnyCase", 1, {{"expect", "100-Continue"}}, true},
                    // RFC 9110 section 10.1.1: ignored in an HTTP/1.0 request.
                    ExpectCase{"Http10Ignored", 0, {{"Expect", "100-continue"}}, false},
                    ExpectCase{"OtherExpectation", 1, {{"Expect", "200-ok"}}, false}),
    [](const auto& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace mcp::http
