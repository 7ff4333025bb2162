// The pure parts of remote backends: worker/remote_url.hpp (URLs, the legacy SSE endpoint's
// reference resolution), worker/env_expansion.hpp (${VAR} in headers) and
// worker/remote_message.hpp (messages in and out of the HTTP transports).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "worker/env_expansion.hpp"
#include "worker/remote_message.hpp"
#include "worker/remote_url.hpp"

namespace mcp::worker {
namespace {

// ---------------------------------------------------------------------------------------------
// parse_http_url

struct UrlCase {
  const char* input;
  const char* origin;  // nullptr: must be rejected
  const char* target;
};

class ParseUrl : public testing::TestWithParam<UrlCase> {};

TEST_P(ParseUrl, OriginAndTarget) {
  const auto& c = GetParam();
  std::string error;
  const auto url = parse_http_url(c.input, error);
  if (c.origin == nullptr) {
    EXPECT_FALSE(url) << c.input;
    EXPECT_FALSE(error.empty());
    return;
  }
  ASSERT_TRUE(url) << c.input << ": " << error;
  EXPECT_EQ(url->origin(), c.origin);
  EXPECT_EQ(url->target(), c.target);
}

INSTANTIATE_TEST_SUITE_P(
    RemoteUrl, ParseUrl,
    testing::Values(
        UrlCase{"http://127.0.0.1:8931/mcp", "http://127.0.0.1:8931", "/mcp"},
        UrlCase{"HTTPS://Example.COM/sse?x=1#frag", "https://example.com:443", "/sse?x=1"},
        UrlCase{"http://h", "http://h:80", "/"}, UrlCase{"http://h?q", "http://h:80", "/?q"},
        UrlCase{"http://[::1]:3000/mcp", "http://[::1]:3000", "/mcp"},
        UrlCase{"ftp://h/", nullptr, nullptr}, UrlCase{"h:80/mcp", nullptr, nullptr},
        UrlCase{"http://user:pw@h/", nullptr, nullptr}, UrlCase{"http://h:0/", nullptr, nullptr},
        UrlCase{"http://h:65536/", nullptr, nullptr}, UrlCase{"http://h:8x/", nullptr, nullptr},
        UrlCase{"http:///x", nullptr, nullptr}, UrlCase{"http://[::1/x", nullptr, nullptr},
        UrlCase{"http://[::1]x/", nullptr, nullptr}));

TEST(RemoteUrl, RedactedHidesTheQuery) {
  std::string error;
  const auto url = parse_http_url("https://h/mcp?apiKey=secret", error);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->redacted().find("secret"), std::string::npos);
  EXPECT_EQ(url->redacted().rfind("https://h:443/mcp?", 0), 0u);
}

// ---------------------------------------------------------------------------------------------
// resolve_url (RFC 3986, 5.2), against the SSE URL the endpoint event came on

struct ResolveCase {
  const char* ref;
  const char* expected;  // nullptr: must be rejected
};

class Resolve : public testing::TestWithParam<ResolveCase> {};

TEST_P(Resolve, AgainstBase) {
  std::string error;
  const auto base = parse_http_url("http://h:3001/a/b/sse?k=v", error);
  ASSERT_TRUE(base);
  const auto& c = GetParam();
  const auto url = resolve_url(*base, c.ref, error);
  if (c.expected == nullptr) {
    EXPECT_FALSE(url) << c.ref;
    return;
  }
  ASSERT_TRUE(url) << c.ref << ": " << error;
  EXPECT_EQ(url->to_string(), c.expected) << c.ref;
}

INSTANTIATE_TEST_SUITE_P(
    RemoteUrl, Resolve,
    testing::Values(
        ResolveCase{"/message?sessionId=abc", "http://h:3001/message?sessionId=abc"},
        ResolveCase{"message?sessionId=abc", "http://h:3001/a/b/message?sessionId=abc"},
        ResolveCase{"../m", "http://h:3001/a/m"}, ResolveCase{"../../../m", "http://h:3001/m"},
        ResolveCase{"./m/./n/../o", "http://h:3001/a/b/m/o"},
        ResolveCase{"/a/./b/../c", "http://h:3001/a/c"}, ResolveCase{"..", "http://h:3001/a/"},
        ResolveCase{".", "http://h:3001/a/b/"}, ResolveCase{"?s=1", "http://h:3001/a/b/sse?s=1"},
        ResolveCase{"", "http://h:3001/a/b/sse?k=v"},
        ResolveCase{"#f", "http://h:3001/a/b/sse?k=v"},
        ResolveCase{"//other:9/x", "http://other:9/x"},
        ResolveCase{"https://o/x", "https://o:443/x"}, ResolveCase{"ftp://o/x", nullptr}));

TEST(RemoteUrl, SameOrigin) {
  std::string error;
  const auto a = parse_http_url("http://h:80/sse", error);
  const auto b = parse_http_url("http://H/message?x", error);
  const auto c = parse_http_url("https://h/message", error);
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->same_origin(*b));
  EXPECT_FALSE(a->same_origin(*c));
}

// ---------------------------------------------------------------------------------------------
// expand_env_refs

struct ExpandCase {
  const char* input;
  const char* expected;  // nullptr: must be rejected
};

class Expand : public testing::TestWithParam<ExpandCase> {};

TEST_P(Expand, FromLookup) {
  const std::map<std::string, std::string> env{{"TOKEN", "t0k"}, {"EMPTY", ""}, {"A_1", "x"}};
  const EnvLookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto& c = GetParam();
  std::string error;
  const auto out = expand_env_refs(c.input, lookup, error);
  if (c.expected == nullptr) {
    EXPECT_FALSE(out) << c.input;
    EXPECT_FALSE(error.empty());
    return;
  }
  ASSERT_TRUE(out) << c.input << ": " << error;
  EXPECT_EQ(*out, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    EnvExpansion, Expand,
    testing::Values(ExpandCase{"Bearer ${TOKEN}", "Bearer t0k"},
                    ExpandCase{"${TOKEN}${A_1}", "t0kx"}, ExpandCase{"no refs", "no refs"},
                    ExpandCase{"$TOKEN", "$TOKEN"}, ExpandCase{"cost $5", "cost $5"},
                    ExpandCase{"${EMPTY}", ""}, ExpandCase{"a${TOKEN}b$", "at0kb$"},
                    ExpandCase{"${UNSET}", nullptr}, ExpandCase{"x ${TOKEN", nullptr},
                    ExpandCase{"${}", nullptr}, ExpandCase{"${1A}", nullptr},
                    ExpandCase{"${A-B}", nullptr}));

TEST(EnvExpansion, ErrorNamesTheVariableNotAValue) {
  std::string error;
  const EnvLookup lookup = [](const std::string&) { return std::optional<std::string>(); };
  EXPECT_FALSE(expand_env_refs("Bearer ${PLAYWRIGHT_TOKEN}", lookup, error));
  EXPECT_NE(error.find("${PLAYWRIGHT_TOKEN}"), std::string::npos) << error;
  EXPECT_NE(error.find("not set"), std::string::npos) << error;
}

// ---------------------------------------------------------------------------------------------
// remote_message

TEST(RemoteMessage, SplitCompactsPrettyJsonAndNamesResponses) {
  std::string error;
  const auto m =
      split_incoming("{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {}\n}", error);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].text.find('\n'), std::string::npos);
  EXPECT_EQ(m[0].response_id, "1");
  EXPECT_TRUE(error.empty());
}

TEST(RemoteMessage, SplitBatches) {
  std::string error;
  const auto m = split_incoming(
      R"([{"jsonrpc":"2.0","method":"x"},{"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"m"}}])",
      error);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].response_id, "");
  EXPECT_EQ(m[1].response_id, "\"a\"");
}

TEST(RemoteMessage, SplitRejectsNonJson) {
  std::string error;
  EXPECT_TRUE(split_incoming("Accepted", error).empty());
  EXPECT_FALSE(error.empty());
}

TEST(RemoteMessage, ClassifyOutgoing) {
  using Origin = OutgoingMessage::Origin;
  auto m = classify_outgoing(R"({"jsonrpc":"2.0","id":7,"method":"tools/call"})");
  EXPECT_EQ(m.origin, Origin::supervisor_call);
  EXPECT_EQ(m.id_json, "7");
  EXPECT_EQ(m.method, "tools/call");
  m = classify_outgoing(R"({"jsonrpc":"2.0","id":"mcproxy:ping:1","method":"ping"})");
  EXPECT_EQ(m.origin, Origin::worker);
  m = classify_outgoing(R"({"jsonrpc":"2.0","id":"x","method":"ping"})");
  EXPECT_EQ(m.origin, Origin::other);
  m = classify_outgoing(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(m.origin, Origin::other);
  EXPECT_EQ(m.id_json, "");
  m = classify_outgoing(R"({"jsonrpc":"2.0","id":3,"result":{}})");
  EXPECT_EQ(m.origin, Origin::other);
  EXPECT_EQ(m.id_json, "");
  m = classify_outgoing(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12}})");
  EXPECT_EQ(m.cancels_id_json, "12");
  EXPECT_EQ(classify_outgoing("not json").origin, Origin::other);
}

TEST(RemoteMessage, SessionUnknown) {
  EXPECT_TRUE(session_unknown(404, ""));
  EXPECT_TRUE(session_unknown(400, R"({"error":{"message":"Bad Request: No valid Session ID"}})"));
  EXPECT_FALSE(session_unknown(400, "invalid params"));
  EXPECT_FALSE(session_unknown(500, "session"));
  EXPECT_TRUE(upstream_unavailable(502));
  EXPECT_FALSE(upstream_unavailable(500));
}

}  // namespace
}  // namespace mcp::worker
