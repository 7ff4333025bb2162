// bench/raw_client's pure parts: HttpResponseParser, resolve_url, the answer checks, options.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "http_connection.hpp"
#include "http_response.hpp"
#include "mcp_text.hpp"
#include "options.hpp"

namespace raw_client {
namespace {

// ---------------------------------------------------------------------------------------------
// HttpResponseParser

struct ResponseCase {
  const char* name;
  std::string input;
  bool at_close;  // the connection ends after the input (finish() is called)
  HttpResponseParser::Status status;
  int http_status;
  std::string body;
  bool keep_alive;
  std::string left;  // what feed() leaves in the buffer
};

std::string chunked_head(const char* content_type) {
  return std::string("HTTP/1.1 200 OK\r\nContent-Type: ") + content_type +
         "\r\nTransfer-Encoding: chunked\r\n\r\n";
}

const ResponseCase response_cases[] = {
    {"ContentLength", "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}", false,
     HttpResponseParser::Status::complete, 200, "{\"a\":1}", true, ""},
    {"Accepted", "HTTP/1.1 202 Accepted\r\nContent-Length: 8\r\n\r\nAccepted", false,
     HttpResponseParser::Status::complete, 202, "Accepted", true, ""},
    {"ZeroLength", "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n", false,
     HttpResponseParser::Status::complete, 202, "", true, ""},
    {"NoContent", "HTTP/1.1 204 No Content\r\n\r\n", false, HttpResponseParser::Status::complete,
     204, "", true, ""},
    {"NextResponseStays", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1", false,
     HttpResponseParser::Status::complete, 200, "ok", true, "HTTP/1.1"},
    {"ConnectionClose", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
     false, HttpResponseParser::Status::complete, 200, "ok", false, ""},
    {"Http10", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false,
     HttpResponseParser::Status::complete, 200, "ok", false, ""},
    {"Http10KeepAlive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
     false, HttpResponseParser::Status::complete, 200, "ok", true, ""},
    {"Chunked",
     chunked_head("application/json") + "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-T: 1\r\n\r\n", false,
     HttpResponseParser::Status::complete, 200, "abcdefg", true, ""},
    {"ChunkedUpperHex", chunked_head("text/plain") + "A\r\n0123456789\r\n0\r\n\r\n", false,
     HttpResponseParser::Status::complete, 200, "0123456789", true, ""},
    {"InterimThenFinal",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false,
     HttpResponseParser::Status::complete, 200, "x", true, ""},
    {"OpenEventStream", chunked_head("text/event-stream") + "6\r\ndata: \r\n", false,
     HttpResponseParser::Status::need_more, 200, "data: ", true, ""},
    {"BodyToClose", "HTTP/1.1 200 OK\r\n\r\nall of it", true, HttpResponseParser::Status::complete,
     200, "all of it", false, ""},
    {"ShortBodyAtClose", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true,
     HttpResponseParser::Status::bad, 200, "ab", true, ""},
    {"NoHeadAtClose", "HTTP/1.1 200 OK\r\n", true, HttpResponseParser::Status::bad, 0, "", true,
     "HTTP/1.1 200 OK\r\n"},
    {"BadStatusLine", "HTTX/1.1 200 OK\r\n\r\n", false, HttpResponseParser::Status::bad, 0, "",
     true, ""},
    {"BadHeaderLine", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false, HttpResponseParser::Status::bad,
     200, "", true, ""},
    {"BadContentLength", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false,
     HttpResponseParser::Status::bad, 200, "", true, ""},
    {"BadChunkSize", chunked_head("text/plain") + "zz\r\n", false, HttpResponseParser::Status::bad,
     200, "", true, "zz\r\n"},
    {"ChunkWithoutCrlf", chunked_head("text/plain") + "1\r\naXX", false,
     HttpResponseParser::Status::bad, 200, "a", true, "XX"},
};

// Feeds `input` in pieces of `step` bytes (0: whole), as reads from a socket would bring it.
HttpResponseParser::Status parse(HttpResponseParser& p, const ResponseCase& c, std::size_t step,
                                 std::string& buffer) {
  auto status = HttpResponseParser::Status::need_more;
  std::size_t at = 0;
  while (at < c.input.size() && status == HttpResponseParser::Status::need_more) {
    const std::size_t n = step == 0 ? c.input.size() : step;
    buffer.append(c.input, at, n);
    at += n;
    status = p.feed(buffer);
  }
  if (c.at_close && status == HttpResponseParser::Status::need_more) status = p.finish();
  return status;
}

class Response : public testing::TestWithParam<ResponseCase> {};

TEST_P(Response, FedWholeAndByteByByte) {
  const ResponseCase& c = GetParam();
  for (const std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    SCOPED_TRACE(step == 0 ? "whole" : "byte by byte");
    HttpResponseParser p;
    std::string buffer;
    EXPECT_EQ(parse(p, c, step, buffer), c.status) << p.error();
    EXPECT_EQ(p.status(), c.http_status);
    EXPECT_EQ(p.body(), c.body);
    if (c.status != HttpResponseParser::Status::bad) {
      EXPECT_EQ(p.keep_alive(), c.keep_alive);
      if (step == 0) {
        EXPECT_EQ(buffer, c.left);
      }
    } else {
      EXPECT_FALSE(p.error().empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, Response, testing::ValuesIn(response_cases),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(Response, HeadersAndEventStream) {
  HttpResponseParser p;
  std::string in =
      "HTTP/1.1 200 OK\r\nMcp-Session-Id:  abc \r\nContent-Type: Text/Event-Stream\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(p.feed(in), HttpResponseParser::Status::need_more);
  ASSERT_TRUE(p.has_head());
  ASSERT_NE(p.header("mcp-session-id"), nullptr);
  EXPECT_EQ(*p.header("mcp-session-id"), "abc");
  EXPECT_TRUE(p.event_stream());
  EXPECT_EQ(p.header("content-length"), nullptr);
}

TEST(Response, ResetReadsTheNextResponse) {
  HttpResponseParser p;
  std::string in =
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 202 Accepted\r\nContent-Length: "
      "0\r\n\r\n";
  ASSERT_EQ(p.feed(in), HttpResponseParser::Status::complete);
  EXPECT_EQ(p.body(), "a");
  p.reset();
  ASSERT_EQ(p.feed(in), HttpResponseParser::Status::complete);
  EXPECT_EQ(p.status(), 202);
  EXPECT_EQ(p.body(), "");
  EXPECT_TRUE(in.empty());
}

// ---------------------------------------------------------------------------------------------
// URLs

struct UrlCase {
  const char* ref;
  std::optional<std::string> expected;  // host|port|path
};

std::optional<std::string> flat(const std::optional<Url>& u) {
  if (!u) return std::nullopt;
  return u->host + "|" + u->port + "|" + u->path;
}

TEST(Url, Parse) {
  EXPECT_EQ(flat(parse_url("http://127.0.0.1:8080/sse")), "127.0.0.1|8080|/sse");
  EXPECT_EQ(flat(parse_url("http://localhost")), "localhost|80|/");
  EXPECT_EQ(flat(parse_url("http://[::1]:9/mcp?x=1")), "::1|9|/mcp?x=1");
  EXPECT_EQ(flat(parse_url("http://h:1?x")), "h|1|/?x");
  EXPECT_EQ(parse_url("https://h/mcp"), std::nullopt);
  EXPECT_EQ(parse_url("http:///mcp"), std::nullopt);
  EXPECT_EQ(parse_url("http://h:/mcp"), std::nullopt);
  EXPECT_EQ(parse_url("http://[::1]:9/")->authority(), "[::1]:9");
}

TEST(Url, ResolveEndpoint) {
  const Url base = *parse_url("http://127.0.0.1:3000/a/sse?k=v");
  const UrlCase cases[] = {
      {"/messages?sessionId=1", "127.0.0.1|3000|/messages?sessionId=1"},
      {"messages?sessionId=1", "127.0.0.1|3000|/a/messages?sessionId=1"},
      {" /message?sessionId=2 \r", "127.0.0.1|3000|/message?sessionId=2"},
      {"http://localhost:4000/m?s=3", "localhost|4000|/m?s=3"},
      {"//other:5/m", "other|5|/m"},
      {"/m#frag", "127.0.0.1|3000|/m"},
      {"https://localhost:4000/m", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(flat(resolve_url(base, c.ref)), c.expected) << c.ref;
}

// ---------------------------------------------------------------------------------------------
// Answers

TEST(Answers, ResponseToId) {
  EXPECT_TRUE(is_response_to(R"({"jsonrpc":"2.0","id":12,"result":{}})", 12));
  EXPECT_TRUE(is_response_to(R"({"jsonrpc":"2.0","result":{},"id" : 12})", 12));
  EXPECT_FALSE(is_response_to(R"({"jsonrpc":"2.0","id":123,"result":{}})", 12));
  EXPECT_FALSE(is_response_to(R"({"jsonrpc":"2.0","id":1.5,"result":{}})", 1));
  EXPECT_FALSE(is_response_to(R"({"jsonrpc":"2.0","id":12,"method":"ping"})", 12));
  EXPECT_FALSE(is_response_to(R"({"jsonrpc":"2.0","method":"notifications/x"})", 12));
}

TEST(Answers, EchoVerdicts) {
  const std::string ok = R"({"id":2,"result":{"content":[{"type":"text","text":"s0-1"}]}})";
  EXPECT_EQ(check_echo(ok, "s0-1").verdict, EchoVerdict::right);
  EXPECT_EQ(check_echo(ok, "s1-1").verdict, EchoVerdict::wrong_answer);
  EXPECT_EQ(check_echo(ok, "s0-").verdict, EchoVerdict::wrong_answer);
  EXPECT_EQ(check_echo(R"({"id":2,"error":{"code":-32602,"message":"x"}})", "s0-1").verdict,
            EchoVerdict::failed);
  EXPECT_EQ(check_echo(R"({"id":2,"result":{"content":[{"text":"s0-1"}],"isError":true}})", "s0-1")
                .verdict,
            EchoVerdict::failed);
}

TEST(Answers, JsonEscape) {
  EXPECT_EQ(json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\u000a\\u0001");
}

// ---------------------------------------------------------------------------------------------
// Options

Options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "mcp-raw-latency");
  return parse_options(static_cast<int>(args.size()), const_cast<char**>(args.data()));
}

TEST(Options, LatencyDefaults) {
  const Options o = parse({"http", "--url", "http://h:1/mcp"});
  EXPECT_FALSE(o.throughput());
  EXPECT_EQ(o.calls, 2000);
  EXPECT_EQ(o.warmup, 200);
  EXPECT_EQ(o.tool_for(0), "t0__echo");
  EXPECT_EQ(parse({"stdio", "--", "srv"}).tool_for(3), "echo");
}

TEST(Options, ThroughputListsAndPlaceholder) {
  const Options o = parse({"sse", "--url", "http://h:1/sse,http://h:2/sse", "--tool", "t{i}__echo",
                           "--tools-mod", "10", "--sessions", "16", "--duration", "0.5"});
  EXPECT_TRUE(o.throughput());
  EXPECT_EQ(o.warmup, 1);
  EXPECT_EQ(o.sessions, 16);
  EXPECT_EQ(o.url_for(3), "http://h:2/sse");
  EXPECT_EQ(o.tool_for(13), "t3__echo");
  const Options s =
      parse({"stdio", "--sessions", "2", "--duration", "1", "--", "srv", "--name", "n{i}"});
  EXPECT_EQ(s.for_session(s.command[2], 1), "n1");
  const Options l = parse({"http", "--url", "http://h:1/mcp", "--tool", "a,b,c"});
  EXPECT_EQ(l.tool_for(4), "b");
}

TEST(Options, Rejected) {
  const std::vector<std::vector<const char*>> bad = {
      {},
      {"tcp"},
      {"http"},
      {"http", "--url", "https://h/mcp"},
      {"sse", "--url", "http://h:1/sse", "--calls", "5", "--duration", "1"},
      {"sse", "--url", "http://h:1/sse", "--sessions", "4"},
      {"http", "--url", "http://h:1/mcp", "--duration", "0"},
      {"http", "--url", "http://h:1/mcp", "--calls", "0"},
      {"stdio"},
      {"stdio", "--url", "http://h:1/mcp", "--", "srv"},
      {"http", "--url", "http://h:1/mcp", "--", "srv"},
      {"http", "--url"},
      {"http", "--bogus", "1"},
  };
  for (const auto& args : bad) EXPECT_THROW(parse(args), UsageError) << args.size();
}

}  // namespace
}  // namespace raw_client
