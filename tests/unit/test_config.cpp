// common/config.hpp
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "common/config.hpp"

namespace mcp {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

const std::string kPath = "/etc/mcproxy/servers.json";

// Parses text and returns the config, failing the test on an error.
Config parse_ok(const std::string& text, const std::string& path = kPath) {
  auto r = parse_config(text, path);
  if (auto* e = std::get_if<ConfigError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->message << "\nfor: " << text;
    return {};
  }
  return std::get<Config>(std::move(r));
}

// Parses text and returns the error message, failing the test when it parses.
std::string parse_err(const std::string& text, const std::string& path = kPath) {
  auto r = parse_config(text, path);
  if (auto* e = std::get_if<ConfigError>(&r)) return e->message;
  ADD_FAILURE() << "expected an error for: " << text;
  return {};
}

// A config with one server "s" whose body is given.
std::string one_server(const std::string& body) {
  return R"({"mcpServers": {"s": )" + body + "}}";
}

// ---------------------------------------------------------------------------------------------
// Errors: one row per bad input

struct ErrorCase {
  const char* name;
  std::string text;
  std::string expected;  // a substring of the message
};

class ConfigErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, Table) {
  const auto& c = GetParam();
  const std::string message = parse_err(c.text);
  EXPECT_THAT(message, HasSubstr(c.expected));
  EXPECT_EQ(message.rfind(kPath, 0), 0u) << "every message starts with the file: " << message;
}

const std::string kS = kPath + ":1: server 's': ";

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigErrors,
    testing::Values(
        // Syntax
        ErrorCase{"SyntaxEmpty", "", kPath + ":1:1: invalid JSON"},
        ErrorCase{"SyntaxMissingName", R"({"mcpServers": {,}})", kPath + ":1:17: invalid JSON"},
        ErrorCase{"SyntaxOnThirdLine",
                  "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",}\n}}",
                  kPath + ":3:26: invalid JSON"},
        ErrorCase{"SyntaxTrailingGarbage", "{\"mcpServers\": {}}\nx", kPath + ":2:1: invalid JSON"},
        ErrorCase{"SyntaxComment", "{\n// no comments in JSON\n}", kPath + ":2:1: invalid JSON"},
        // RapidJSON accepted these; far deeper nesting overflowed the stack (tests/fuzz/README.md).
        ErrorCase{"SyntaxNestedTooDeep",
                  one_server(R"({"command": "x", "args": )" + std::string(1000, '[') +
                             std::string(1000, ']') + "}"),
                  "invalid JSON: Nesting too deep"},
        ErrorCase{"SyntaxNumberOverflowsDouble",
                  one_server(R"({"command": "x", "timeoutMs": 9e308})"),
                  kPath + ":1:52: invalid JSON: Number too big"},
        ErrorCase{"SyntaxNulAfterObject", std::string("{\"mcpServers\": {}}\0x", 20),
                  kPath + ":1:19: invalid JSON: NUL byte"},
        // Shape
        ErrorCase{"TopLevelArray", "[]", kPath + ":1:1: the top level must be a JSON object"},
        ErrorCase{"TopLevelString", "\"x\"", "the top level must be a JSON object"},
        ErrorCase{"MissingMcpServers", "{}", kPath + ": missing \"mcpServers\""},
        ErrorCase{"MissingMcpServersOtherKeys", R"({"servers": {}})", "missing \"mcpServers\""},
        ErrorCase{"McpServersArray", R"({"mcpServers": []})",
                  kPath + ":1: \"mcpServers\" must be an object"},
        ErrorCase{"McpServersNull", "{\n\"mcpServers\": null}",
                  kPath + ":2: \"mcpServers\" must be an object"},
        ErrorCase{"ServerNotObject", one_server("5"), kS + "must be an object"},
        ErrorCase{"ServerArray", one_server("[]"), kS + "must be an object"},
        // Server names
        ErrorCase{"NameWithDot", R"({"mcpServers": {"a.b": {"command": "x"}}})",
                  kPath + ":1: server 'a.b': invalid name: must match ^[A-Za-z0-9_-]{1,32}$"},
        ErrorCase{"NameWithSpace", R"({"mcpServers": {"my server": {"command": "x"}}})",
                  "server 'my server': invalid name"},
        ErrorCase{"NameEmpty", R"({"mcpServers": {"": {"command": "x"}}})",
                  "server '': invalid name"},
        ErrorCase{"NameTooLong",
                  R"({"mcpServers": {")" + std::string(33, 'n') + R"(": {"command": "x"}}})",
                  "server '" + std::string(33, 'n') + "': invalid name"},
        ErrorCase{"NameNonAscii", R"({"mcpServers": {"caf\u00e9": {"command": "x"}}})",
                  "invalid name"},
        // Duplicate keys: JSON allows them syntactically; a server defined twice is an error.
        ErrorCase{"DuplicateServer",
                  R"({"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}})",
                  "server 'a': defined twice"},
        // command
        ErrorCase{"CommandNumber", one_server(R"({"command": 5})"),
                  kS + "field 'command': must be a non-empty string"},
        ErrorCase{"CommandEmpty", one_server(R"({"command": ""})"),
                  kS + "field 'command': must be a non-empty string"},
        ErrorCase{"CommandArray", one_server(R"({"command": ["node"]})"),
                  "field 'command': must be a non-empty string"},
        ErrorCase{"CommandMissing", one_server(R"({"args": ["x"]})"),
                  kS + "field 'command': is required (or \"url\" for a remote server)"},
        ErrorCase{"EmptyServer", one_server("{}"), "field 'command': is required"},
        // args
        ErrorCase{"ArgsString", one_server(R"({"command": "x", "args": "-v"})"),
                  kS + "field 'args': must be an array of strings"},
        ErrorCase{"ArgsNumberItem", one_server(R"({"command": "x", "args": ["-p", 80]})"),
                  kS + "field 'args': must be an array of strings"},
        ErrorCase{"ArgsNullItem", one_server(R"({"command": "x", "args": [null]})"),
                  "field 'args': must be an array of strings"},
        // env
        ErrorCase{"EnvArray", one_server(R"({"command": "x", "env": ["A=1"]})"),
                  kS + "field 'env': must be an object of strings"},
        ErrorCase{"EnvNumberValue", one_server(R"({"command": "x", "env": {"PORT": 80}})"),
                  kS + "field 'env.PORT': must be a string"},
        ErrorCase{"EnvNullValue", one_server(R"({"command": "x", "env": {"A": "1", "B": null}})"),
                  "field 'env.B': must be a string"},
        // cwd
        ErrorCase{"CwdNumber", one_server(R"({"command": "x", "cwd": 1})"),
                  kS + "field 'cwd': must be a string"},
        ErrorCase{"CwdNull", one_server(R"({"command": "x", "cwd": null})"),
                  "field 'cwd': must be a string"},
        // disabled
        ErrorCase{"DisabledString", one_server(R"({"command": "x", "disabled": "true"})"),
                  kS + "field 'disabled': must be true or false"},
        ErrorCase{"DisabledNumber", one_server(R"({"command": "x", "disabled": 1})"),
                  "field 'disabled': must be true or false"},
        // prefix
        ErrorCase{"PrefixNumber", one_server(R"({"command": "x", "prefix": 1})"),
                  kS + "field 'prefix': must be a string"},
        ErrorCase{"PrefixNull", one_server(R"({"command": "x", "prefix": null})"),
                  "field 'prefix': must be a string"},
        ErrorCase{"PrefixIllegalChars", one_server(R"({"command": "x", "prefix": "a.b"})"),
                  kS + "field 'prefix': may contain only letters, digits, '_' and '-'"},
        ErrorCase{"PrefixTooLong",
                  one_server(R"({"command": "x", "prefix": ")" + std::string(65, 'p') + "\"}"),
                  "field 'prefix': may contain only"},
        // tools
        ErrorCase{"ToolsArray", one_server(R"({"command": "x", "tools": ["a"]})"),
                  kS + "field 'tools': must be an object with \"allow\" and/or \"deny\""},
        ErrorCase{"ToolsAllowString", one_server(R"({"command": "x", "tools": {"allow": "a"}})"),
                  kS + "field 'tools.allow': must be an array of strings"},
        ErrorCase{"ToolsDenyNumbers", one_server(R"({"command": "x", "tools": {"deny": [1]}})"),
                  kS + "field 'tools.deny': must be an array of strings"},
        // numbers
        ErrorCase{"TimeoutZero", one_server(R"({"command": "x", "timeoutMs": 0})"),
                  kS + "field 'timeoutMs': must be an integer >= 1"},
        ErrorCase{"TimeoutNegative", one_server(R"({"command": "x", "timeoutMs": -5})"),
                  "field 'timeoutMs': must be an integer >= 1"},
        ErrorCase{"TimeoutFloat", one_server(R"({"command": "x", "timeoutMs": 1.5})"),
                  "field 'timeoutMs': must be an integer >= 1"},
        ErrorCase{"TimeoutString", one_server(R"({"command": "x", "timeoutMs": "1000"})"),
                  "field 'timeoutMs': must be an integer >= 1"},
        ErrorCase{"TimeoutOver32Bits", one_server(R"({"command": "x", "timeoutMs": 4294967296})"),
                  "field 'timeoutMs': must be an integer >= 1"},
        ErrorCase{"InitTimeoutZero", one_server(R"({"command": "x", "initTimeoutMs": 0})"),
                  kS + "field 'initTimeoutMs': must be an integer >= 1"},
        ErrorCase{"MemoryLimitNegative", one_server(R"({"command": "x", "memoryLimitMB": -1})"),
                  kS + "field 'memoryLimitMB': must be an integer >= 0"},
        // url
        ErrorCase{"UrlAndCommand",
                  one_server(R"({"command": "x", "url": "http://localhost:1/mcp"})"),
                  kS + "field 'url': a server has either \"command\" or \"url\", not both"},
        ErrorCase{"UrlFtp", one_server(R"({"url": "ftp://example.com/"})"),
                  kS + "field 'url': must be an http:// or https:// URL"},
        ErrorCase{"UrlWithoutScheme", one_server(R"({"url": "example.com/mcp"})"),
                  "field 'url': must be an http:// or https:// URL"},
        ErrorCase{"UrlNumber", one_server(R"({"url": 5})"),
                  "field 'url': must be an http:// or https:// URL"},
        ErrorCase{"UrlWsScheme", one_server(R"({"url": "ws://example.com/"})"),
                  "field 'url': must be an http:// or https:// URL"},
        // transport
        ErrorCase{"TransportUnknown", one_server(R"({"url": "http://h/", "transport": "ws"})"),
                  kS + "field 'transport': must be one of \"stdio\", \"sse\", \"streamable-http\""},
        ErrorCase{"TransportNumber", one_server(R"({"url": "http://h/", "transport": 1})"),
                  "field 'transport': must be one of"},
        ErrorCase{"TypeUnknown", one_server(R"({"command": "x", "type": "websocket"})"),
                  kS + "field 'type': must be one of"},
        ErrorCase{"TransportCaseMatters", one_server(R"({"url": "http://h/", "transport": "SSE"})"),
                  "field 'transport': must be one of"},
        ErrorCase{"StdioWithUrl", one_server(R"({"url": "http://h/", "transport": "stdio"})"),
                  kS + "field 'transport': \"stdio\" needs \"command\", not \"url\""},
        ErrorCase{"SseWithCommand", one_server(R"({"command": "x", "transport": "sse"})"),
                  kS + "field 'url': is required for transport \"sse\" or \"streamable-http\""},
        ErrorCase{"HttpWithCommand", one_server(R"({"command": "x", "type": "streamable-http"})"),
                  "field 'url': is required for transport"},
        // headers
        ErrorCase{"HeadersArray", one_server(R"({"url": "http://h/", "headers": []})"),
                  kS + "field 'headers': must be an object of strings"},
        ErrorCase{"HeadersNumberValue",
                  one_server(R"({"url": "http://h/", "headers": {"X-Retry": 1}})"),
                  kS + "field 'headers.X-Retry': must be a string"},
        // mcproxy section
        ErrorCase{"GatewayNotObject", R"({"mcpServers": {}, "mcproxy": []})",
                  kPath + ":1: \"mcproxy\" must be an object"},
        ErrorCase{"ListenNumber", R"({"mcpServers": {}, "mcproxy": {"listen": 8080}})",
                  kPath + ":1: mcproxy.listen must be a string \"HOST:PORT\""},
        ErrorCase{"ListenNoPort", R"({"mcpServers": {}, "mcproxy": {"listen": "localhost"}})",
                  "mcproxy.listen must be a string \"HOST:PORT\", e.g. \"127.0.0.1:12009\""},
        ErrorCase{"ListenPortTooBig", R"({"mcpServers": {}, "mcproxy": {"listen": "h:70000"}})",
                  "mcproxy.listen must be a string \"HOST:PORT\""},
        ErrorCase{"ListenBareIpv6", R"({"mcpServers": {}, "mcproxy": {"listen": "::1:80"}})",
                  "mcproxy.listen must be a string \"HOST:PORT\""},
        ErrorCase{"SeparatorEmpty", R"({"mcpServers": {}, "mcproxy": {"separator": ""}})",
                  "mcproxy.separator must be 1-8 characters of letters, digits, '_' or '-'"},
        ErrorCase{"SeparatorDot", R"({"mcpServers": {}, "mcproxy": {"separator": "."}})",
                  "mcproxy.separator must be 1-8 characters"},
        ErrorCase{"SeparatorTooLong",
                  R"({"mcpServers": {}, "mcproxy": {"separator": "123456789"}})",
                  "mcproxy.separator must be 1-8 characters"},
        ErrorCase{"SeparatorNumber", R"({"mcpServers": {}, "mcproxy": {"separator": 1}})",
                  "mcproxy.separator must be"},
        ErrorCase{"MaxLengthTooSmall",
                  R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": 15}})",
                  "mcproxy.toolNameMaxLength must be an integer from 16 to 128"},
        ErrorCase{"MaxLengthTooBig", R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": 129}})",
                  "mcproxy.toolNameMaxLength must be an integer from 16 to 128"},
        ErrorCase{"MaxLengthNegative",
                  R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": -64}})",
                  "mcproxy.toolNameMaxLength must be"},
        ErrorCase{"MaxLengthFloat", R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": 64.0}})",
                  "mcproxy.toolNameMaxLength must be"},
        ErrorCase{"MaxLengthString",
                  R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": "64"}})",
                  "mcproxy.toolNameMaxLength must be"},
        ErrorCase{"PingIntervalNegative", one_server(R"({"command": "x", "pingIntervalMs": -1})"),
                  kS + "field 'pingIntervalMs': must be an integer >= 0"},
        ErrorCase{"PingTimeoutZero", one_server(R"({"command": "x", "pingTimeoutMs": 0})"),
                  kS + "field 'pingTimeoutMs': must be an integer >= 1"},
        ErrorCase{"RestartNotObject", R"({"mcpServers": {}, "mcproxy": {"restart": 5}})",
                  kPath + ":1: mcproxy.restart must be an object"},
        ErrorCase{"RestartZero", R"({"mcpServers": {}, "mcproxy": {"restart": {"initialMs": 0}}})",
                  "mcproxy.restart.initialMs must be an integer >= 1"},
        ErrorCase{"RestartString",
                  R"({"mcpServers": {}, "mcproxy": {"restart": {"maxFastFailures": "3"}}})",
                  "mcproxy.restart.maxFastFailures must be an integer >= 1"},
        ErrorCase{"RestartMaxBelowInitial",
                  R"({"mcpServers": {}, "mcproxy": {"restart": {"initialMs": 500, "maxMs": 100}}})",
                  "mcproxy.restart.maxMs must be >= initialMs"},
        ErrorCase{"RestartMaxBelowDefaultInitial",
                  R"({"mcpServers": {}, "mcproxy": {"restart": {"maxMs": 100}}})",
                  "mcproxy.restart.maxMs must be >= initialMs"},
        ErrorCase{"MaxMessageBytesTooSmall",
                  R"({"mcpServers": {}, "mcproxy": {"maxMessageBytes": 4095}})",
                  "mcproxy.maxMessageBytes must be an integer >= 4096"},
        ErrorCase{"MaxConnectionsZero", R"({"mcpServers": {}, "mcproxy": {"maxConnections": 0}})",
                  "mcproxy.maxConnections must be an integer from 1 to 1000000"},
        ErrorCase{"MaxConnectionsNegative",
                  R"({"mcpServers": {}, "mcproxy": {"maxConnections": -5}})",
                  "mcproxy.maxConnections must be an integer from 1 to 1000000"},
        ErrorCase{"MaxStreamsString", R"({"mcpServers": {}, "mcproxy": {"maxStreams": "64"}})",
                  "mcproxy.maxStreams must be an integer from 1 to 1000000"},
        ErrorCase{"MaxStreamsHuge", R"({"mcpServers": {}, "mcproxy": {"maxStreams": 1000001}})",
                  "mcproxy.maxStreams must be an integer from 1 to 1000000"},
        ErrorCase{"SessionIdleTimeoutTooShort",
                  R"({"mcpServers": {}, "mcproxy": {"sessionIdleTimeoutMs": 9999}})",
                  "mcproxy.sessionIdleTimeoutMs must be an integer from 10000 (10 s) to "
                  "604800000 (7 days)"},
        ErrorCase{"SessionIdleTimeoutFraction",
                  R"({"mcpServers": {}, "mcproxy": {"sessionIdleTimeoutMs": 60000.5}})",
                  "mcproxy.sessionIdleTimeoutMs must be an integer from 10000 (10 s) to "
                  "604800000 (7 days)"},
        ErrorCase{"InputWaitTooLong", R"({"mcpServers": {}, "mcproxy": {"inputWaitMs": 86400001}})",
                  "mcproxy.inputWaitMs must be an integer from 1000 (1 s) to 86400000 (1 day)"},
        ErrorCase{"InputWaitNegative", R"({"mcpServers": {}, "mcproxy": {"inputWaitMs": -1}})",
                  "mcproxy.inputWaitMs must be an integer from 1000 (1 s) to 86400000 (1 day)"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(ConfigErrorLines, NameTheLineOfTheServer) {
  const std::string text =
      "{\n"
      "  \"mcpServers\": {\n"
      "    \"good\": {\"command\": \"x\"},\n"
      "    \"bad\": {\n"
      "      \"command\": \"x\",\n"
      "      \"timeoutMs\": 0\n"
      "    }\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(parse_err(text),
            kPath + ":4: server 'bad': field 'timeoutMs': must be an integer >= 1");
}

TEST(ConfigErrorLines, KeyFollowedBySpacesBeforeColon) {
  const std::string text = "{\"mcpServers\":\n{\n\"s\"  \n  : {\"command\": 1}}}";
  EXPECT_THAT(parse_err(text), HasSubstr(kPath + ":3: server 's'"));
}

TEST(ConfigErrorLines, ServerNameAlsoUsedAsAValueIsFoundAsAKey) {
  // "b" appears first as a string value, then as the server's key.
  const std::string text =
      "{\"mcpServers\": {\n"
      "  \"a\": {\"command\": \"x\", \"args\": [\"b\"]},\n"
      "  \"b\": {\"command\": 1}\n"
      "}}";
  EXPECT_THAT(parse_err(text), HasSubstr(kPath + ":3: server 'b'"));
}

// Known bug, reported: the line of a server is the first "NAME": anywhere in the text, so a key
// with the same spelling inside an earlier server (here env "b") takes the line.
TEST(ConfigErrorLines, ServerNameAlsoUsedAsAnEarlierKey) {
  const std::string text =
      "{\"mcpServers\": {\n"
      "  \"a\": {\"command\": \"x\",\n"
      "         \"env\": {\"b\": \"1\"}},\n"
      "  \"b\": {\"command\": 1}\n"
      "}}";
  EXPECT_THAT(parse_err(text), HasSubstr(kPath + ":4: server 'b'"));
}

// JSON text may repeat a key; RapidJSON keeps every copy. A repeated server name is an error
// (DuplicateServer above), so repeated keys elsewhere should not pass silently either.
// Known bug, reported: a second "mcpServers" object is ignored without a word, so its servers
// silently do not run.
TEST(ConfigDuplicateKeys, SecondMcpServersIsNotSilentlyIgnored) {
  auto r = parse_config(
      R"({"mcpServers": {"a": {"command": "x"}}, "mcpServers": {"b": {"command": "y"}}})", kPath);
  if (auto* e = std::get_if<ConfigError>(&r)) {
    EXPECT_THAT(e->message, HasSubstr("mcpServers"));
  } else {
    const Config& c = std::get<Config>(r);
    EXPECT_TRUE(c.find("b") != nullptr ||
                std::any_of(c.warnings.begin(), c.warnings.end(),
                            [](const std::string& w) { return w.find("mcpServers") != w.npos; }))
        << "server 'b' vanished without an error or a warning";
  }
}

// Known bug, reported: a repeated field inside a server is merged inconsistently and silently:
// "args" twice concatenates, "env" twice keeps the first value of a repeated variable,
// "command" twice keeps the last.
TEST(ConfigDuplicateKeys, RepeatedServerFieldIsReported) {
  auto r = parse_config(one_server(R"({"command": "x", "args": ["-a"], "args": ["-b"]})"), kPath);
  if (auto* e = std::get_if<ConfigError>(&r)) {
    EXPECT_THAT(e->message, HasSubstr("args"));
  } else {
    const Config& c = std::get<Config>(r);
    EXPECT_TRUE(std::any_of(c.warnings.begin(), c.warnings.end(),
                            [](const std::string& w) { return w.find("args") != w.npos; }))
        << "args became " << testing::PrintToString(c.servers.at(0).args) << " silently";
  }
}

TEST(ConfigErrorMessages, SyntaxErrorCarriesRapidJsonReason) {
  EXPECT_THAT(parse_err(R"({"mcpServers": {"a": {"command": "x"})"),
              HasSubstr("invalid JSON: Missing a comma or '}' after an object member."));
}

TEST(ConfigErrorMessages, FirstBadServerInDocumentOrderWins) {
  // Servers are validated in document order, not in name order.
  const std::string message =
      parse_err(R"({"mcpServers": {"z": {"command": 1}, "a": {"command": 2}}})");
  EXPECT_THAT(message, HasSubstr("server 'z'"));
}

// ---------------------------------------------------------------------------------------------
// Accepted configs

TEST(Config, MinimalServerGetsDefaults) {
  const Config c = parse_ok(one_server(R"({"command": "npx"})"));
  EXPECT_EQ(c.path, kPath);
  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.name, "s");
  EXPECT_EQ(s.command, "npx");
  EXPECT_EQ(s.transport, BackendTransport::stdio);
  EXPECT_TRUE(s.args.empty());
  EXPECT_TRUE(s.env.empty());
  EXPECT_EQ(s.cwd, "");
  EXPECT_FALSE(s.disabled);
  EXPECT_FALSE(s.prefix.has_value());
  EXPECT_EQ(s.effective_prefix(), "s");
  EXPECT_EQ(s.timeout_ms, 60000u);
  EXPECT_EQ(s.init_timeout_ms, 30000u);
  EXPECT_EQ(s.memory_limit_mb, 0u);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.gateway, GatewaySettings{});
}

TEST(Config, EmptyServerListIsValid) {
  const Config c = parse_ok(R"({"mcpServers": {}})");
  EXPECT_TRUE(c.servers.empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, ClaudeDesktopExampleParses) {
  const Config c = parse_ok(R"({
    "mcpServers": {
      "filesystem": {
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"]
      },
      "github": {
        "command": "docker",
        "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}
      }
    }
  })");
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_THAT(c.servers[0].args,
              ElementsAre("-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"));
  EXPECT_EQ(c.servers[1].env.at("GITHUB_PERSONAL_ACCESS_TOKEN"), "ghp_x");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, AllOwnFieldsAreRead) {
  const Config c = parse_ok(one_server(R"({
    "command": "/usr/bin/srv", "args": ["a", ""], "env": {"A": "1", "B": ""},
    "cwd": "/srv", "disabled": true, "prefix": "p-1",
    "tools": {"allow": ["x", "y"], "deny": ["y"]},
    "timeoutMs": 5, "initTimeoutMs": 4294967295, "memoryLimitMB": 0})"));
  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.command, "/usr/bin/srv");
  EXPECT_THAT(s.args, ElementsAre("a", ""));
  EXPECT_EQ(s.env, (std::map<std::string, std::string>{{"A", "1"}, {"B", ""}}));
  EXPECT_EQ(s.cwd, "/srv");
  EXPECT_TRUE(s.disabled);
  EXPECT_EQ(s.prefix, "p-1");
  EXPECT_EQ(s.effective_prefix(), "p-1");
  EXPECT_THAT(s.tools.allow, ElementsAre("x", "y"));
  EXPECT_THAT(s.tools.deny, ElementsAre("y"));
  EXPECT_EQ(s.timeout_ms, 5u);
  EXPECT_EQ(s.init_timeout_ms, 4294967295u);
  EXPECT_EQ(s.memory_limit_mb, 0u);
  EXPECT_TRUE(c.warnings.empty()) << c.warnings[0];
}

TEST(Config, EmptyPrefixMeansUnprefixed) {
  const Config c = parse_ok(one_server(R"({"command": "x", "prefix": ""})"));
  ASSERT_EQ(c.servers.size(), 1u);
  ASSERT_TRUE(c.servers[0].prefix.has_value());
  EXPECT_EQ(c.servers[0].effective_prefix(), "");
}

TEST(Config, ServersAreSortedByNameAndFound) {
  const Config c = parse_ok(R"({"mcpServers": {"zeta": {"command": "z"}, "Alpha": {"command": "a"},
                                   "beta": {"command": "b"}, "_x": {"command": "u"}}})");
  std::vector<std::string> names;
  for (const auto& s : c.servers) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre("Alpha", "_x", "beta", "zeta"));  // byte order
  ASSERT_NE(c.find("beta"), nullptr);
  EXPECT_EQ(c.find("beta")->command, "b");
  EXPECT_EQ(c.find("gamma"), nullptr);
  EXPECT_EQ(c.find("Beta"), nullptr);
}

TEST(Config, NameOfExactly32CharactersIsValid) {
  const std::string name(32, 'n');
  const Config c = parse_ok(R"({"mcpServers": {")" + name + R"(": {"command": "x"}}})");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].name, name);
}

// Transports

struct TransportCase {
  const char* name;
  std::string body;
  BackendTransport transport;
};

class ConfigTransport : public testing::TestWithParam<TransportCase> {};

TEST_P(ConfigTransport, Table) {
  const Config c = parse_ok(one_server(GetParam().body));
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].transport, GetParam().transport);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigTransport,
    testing::Values(
        TransportCase{"CommandDefaultsToStdio", R"({"command": "x"})", BackendTransport::stdio},
        TransportCase{"ExplicitStdio", R"({"command": "x", "transport": "stdio"})",
                      BackendTransport::stdio},
        TransportCase{"TypeStdio", R"({"command": "x", "type": "stdio"})", BackendTransport::stdio},
        TransportCase{"UrlAloneIsAuto", R"({"url": "https://example.com/mcp"})",
                      BackendTransport::http_auto},
        TransportCase{"Sse", R"({"url": "http://h/sse", "transport": "sse"})",
                      BackendTransport::sse},
        TransportCase{"TypeSse", R"({"type": "sse", "url": "http://h/sse"})",
                      BackendTransport::sse},
        TransportCase{"StreamableHttp",
                      R"({"url": "http://h/mcp", "transport": "streamable-http"})",
                      BackendTransport::streamable_http},
        TransportCase{"StreamableHttpCamel", R"({"url": "http://h/mcp", "type": "streamableHttp"})",
                      BackendTransport::streamable_http},
        TransportCase{"Http", R"({"url": "http://h/mcp", "type": "http"})",
                      BackendTransport::streamable_http}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(Config, RemoteServerKeepsUrlAndHeaders) {
  const Config c = parse_ok(one_server(
      R"({"url": "https://api.example.com/mcp", "headers": {"Authorization": "Bearer t"}})"));
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].url, "https://api.example.com/mcp");
  EXPECT_EQ(c.servers[0].headers.at("Authorization"), "Bearer t");
  EXPECT_EQ(c.servers[0].command, "");
}

// Paths

struct PathCase {
  const char* name;
  std::string config_path;
  std::string command;
  std::string expected;
};

class ConfigCommandPath : public testing::TestWithParam<PathCase> {};

TEST_P(ConfigCommandPath, Resolution) {
  const auto& c = GetParam();
  const Config cfg = parse_ok(one_server(R"({"command": ")" + c.command + "\"}"), c.config_path);
  ASSERT_EQ(cfg.servers.size(), 1u);
  EXPECT_EQ(cfg.servers[0].command, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigCommandPath,
    testing::Values(PathCase{"BareNameLeftForPathLookup", kPath, "npx", "npx"},
                    PathCase{"AbsoluteUnchanged", kPath, "/usr/bin/node", "/usr/bin/node"},
                    PathCase{"RelativeWithSlash", kPath, "bin/server", "/etc/mcproxy/bin/server"},
                    PathCase{"DotSlash", kPath, "./server.sh", "/etc/mcproxy/./server.sh"},
                    PathCase{"DotDot", kPath, "../tools/x", "/etc/mcproxy/../tools/x"},
                    PathCase{"ConfigInCurrentDir", "servers.json", "bin/x", "./bin/x"},
                    PathCase{"ConfigRelativeDir", "conf/servers.json", "bin/x", "conf/bin/x"},
                    PathCase{"ConfigAtRoot", "/servers.json", "bin/x", "/bin/x"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(Config, RelativeCwdIsResolvedAgainstTheConfigDirectory) {
  const Config c = parse_ok(R"({"mcpServers": {"a": {"command": "x", "cwd": "data"},
                                              "b": {"command": "x", "cwd": "/abs"},
                                              "c": {"command": "x", "cwd": ""}}})");
  ASSERT_EQ(c.servers.size(), 3u);
  EXPECT_EQ(c.servers[0].cwd, "/etc/mcproxy/data");
  EXPECT_EQ(c.servers[1].cwd, "/abs");
  EXPECT_EQ(c.servers[2].cwd, "");
}

// Gateway settings

TEST(Config, GatewaySettingsAreRead) {
  const Config c = parse_ok(R"({"mcpServers": {}, "mcproxy": {
      "listen": "0.0.0.0:9000", "separator": "-", "toolNameMaxLength": 60,
      "maxMessageBytes": 4096, "maxConnections": 100, "maxStreams": 7,
      "sessionIdleTimeoutMs": 10000, "inputWaitMs": 86400000}})");
  EXPECT_EQ(c.gateway.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.gateway.naming.separator, "-");
  EXPECT_EQ(c.gateway.naming.max_length, 60u);
  EXPECT_EQ(c.gateway.max_message_bytes, 4096u);
  EXPECT_EQ(c.gateway.max_connections, 100u);
  EXPECT_EQ(c.gateway.max_streams, 7u);
  EXPECT_EQ(c.gateway.session_idle_timeout_ms, 10000u);
  EXPECT_EQ(c.gateway.input_wait_ms, 86400000u);
}

TEST(Config, FrontCapsAndWaitsDefaultWhenAbsent) {
  const Config c = parse_ok(R"({"mcpServers": {}})");
  EXPECT_EQ(c.gateway.max_connections, 4096u);
  EXPECT_EQ(c.gateway.max_streams, 512u);
  EXPECT_EQ(c.gateway.session_idle_timeout_ms, 3600000u) << "an hour";
  EXPECT_EQ(c.gateway.input_wait_ms, 300000u) << "five minutes";
}

TEST(Config, PingAndRestartSettingsAreRead) {
  const Config c = parse_ok(R"({"mcpServers": {"s": {"command": "x", "pingIntervalMs": 0,
                                                     "pingTimeoutMs": 1}},
      "mcproxy": {"restart": {"initialMs": 100, "maxMs": 100, "stableMs": 5,
                              "maxFastFailures": 2, "failedRetryMs": 7}}})");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].ping_interval_ms, 0u) << "0 turns pings off";
  EXPECT_EQ(c.servers[0].ping_timeout_ms, 1u);
  EXPECT_EQ(c.gateway.restart.initial_ms, 100u);
  EXPECT_EQ(c.gateway.restart.max_ms, 100u);
  EXPECT_EQ(c.gateway.restart.stable_ms, 5u);
  EXPECT_EQ(c.gateway.restart.max_fast_failures, 2u);
  EXPECT_EQ(c.gateway.restart.failed_retry_ms, 7u);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Config, RestartDefaultsMatchTheBackoffDescription) {
  const Config c = parse_ok(R"({"mcpServers": {}})");
  EXPECT_EQ(c.gateway.restart.initial_ms, 250u);
  EXPECT_EQ(c.gateway.restart.max_ms, 60000u);
  EXPECT_EQ(c.gateway.restart.max_fast_failures, 8u);
}

class ConfigMaxLengthAccepted : public testing::TestWithParam<int> {};

TEST_P(ConfigMaxLengthAccepted, InRange) {
  const Config c = parse_ok(R"({"mcpServers": {}, "mcproxy": {"toolNameMaxLength": )" +
                            std::to_string(GetParam()) + "}}");
  EXPECT_EQ(c.gateway.naming.max_length, static_cast<std::size_t>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigMaxLengthAccepted, testing::Values(16, 17, 64, 127, 128));

class ConfigSeparatorAccepted : public testing::TestWithParam<std::string> {};

TEST_P(ConfigSeparatorAccepted, Valid) {
  const Config c =
      parse_ok(R"({"mcpServers": {}, "mcproxy": {"separator": ")" + GetParam() + "\"}}");
  EXPECT_EQ(c.gateway.naming.separator, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigSeparatorAccepted,
                         testing::Values("_", "__", "-", "x", "12345678", "_-_"));

// Warnings

TEST(ConfigWarnings, UnknownServerFieldNamesServerAndField) {
  const Config c = parse_ok(
      "{\"mcpServers\": {\n  \"s\": {\"command\": \"x\", \"autoApprove\": [], \"foo\": 1}}}");
  EXPECT_THAT(c.warnings,
              ElementsAre(kPath + ":2: server 's': unknown field \"autoApprove\" ignored",
                          kPath + ":2: server 's': unknown field \"foo\" ignored"));
  ASSERT_EQ(c.servers.size(), 1u);
}

TEST(ConfigWarnings, UnknownToolsFilterField) {
  const Config c = parse_ok(one_server(R"({"command": "x", "tools": {"allow": [], "block": []}})"));
  EXPECT_THAT(c.warnings, ElementsAre(kS + "unknown field \"tools.block\" ignored"));
}

TEST(ConfigWarnings, UnknownTopLevelAndGatewayFields) {
  const Config c = parse_ok(
      "{\"mcpServers\": {},\n\"globalShortcut\": \"x\",\n\"mcproxy\": {\"colour\": true}}");
  EXPECT_THAT(c.warnings,
              ElementsAre(kPath + ":2: unknown top-level field \"globalShortcut\" ignored",
                          kPath + ":3: unknown field \"mcproxy.colour\" ignored"));
}

TEST(ConfigWarnings, UnknownRestartField) {
  const Config c =
      parse_ok(R"({"mcpServers": {}, "mcproxy": {"restart": {"initialMs": 1, "jitter": true}}})");
  EXPECT_THAT(c.warnings,
              ElementsAre(kPath + ":1: unknown field \"mcproxy.restart.jitter\" ignored"));
  EXPECT_EQ(c.gateway.restart.initial_ms, 1u);
}

TEST(ConfigWarnings, WarningsDoNotStopOtherServers) {
  const Config c = parse_ok(R"({"mcpServers": {"a": {"command": "x", "zzz": 1},
                                              "b": {"command": "y"}}})");
  EXPECT_EQ(c.servers.size(), 2u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_THAT(c.warnings[0], HasSubstr("server 'a'"));
  EXPECT_THAT(c.warnings[0], HasSubstr("\"zzz\""));
}

// ---------------------------------------------------------------------------------------------
// ToolFilter

struct FilterCase {
  const char* name;
  ToolFilter filter;
  std::string tool;
  bool allowed;
};

class ToolFilterAllows : public testing::TestWithParam<FilterCase> {};

TEST_P(ToolFilterAllows, Table) {
  EXPECT_EQ(GetParam().filter.allows(GetParam().tool), GetParam().allowed);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ToolFilterAllows,
    testing::Values(FilterCase{"EmptyAllowsAll", {}, "anything", true},
                    FilterCase{"AllowListed", {{"a", "b"}, {}}, "b", true},
                    FilterCase{"AllowNotListed", {{"a", "b"}, {}}, "c", false},
                    FilterCase{"DenyListed", {{}, {"x"}}, "x", false},
                    FilterCase{"DenyNotListed", {{}, {"x"}}, "y", true},
                    FilterCase{"DenyBeatsAllow", {{"x"}, {"x"}}, "x", false},
                    FilterCase{"ExactMatchOnly", {{"read"}, {}}, "read_file", false},
                    FilterCase{"CaseSensitive", {{}, {"Write"}}, "write", true}),
    [](const auto& pi) { return std::string(pi.param.name); });

// ---------------------------------------------------------------------------------------------
// is_valid_server_name and load_config_file

TEST(ServerName, Rules) {
  EXPECT_TRUE(is_valid_server_name("a"));
  EXPECT_TRUE(is_valid_server_name("my-server_2"));
  EXPECT_TRUE(is_valid_server_name(std::string(32, 'x')));
  EXPECT_FALSE(is_valid_server_name(std::string(33, 'x')));
  EXPECT_FALSE(is_valid_server_name(""));
  EXPECT_FALSE(is_valid_server_name("a/b"));
  EXPECT_FALSE(is_valid_server_name("a:b"));
}

TEST(LoadConfigFile, MissingFile) {
  auto r = load_config_file("/nonexistent/dir/servers.json");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(r));
  EXPECT_THAT(std::get<ConfigError>(r).message,
              HasSubstr("/nonexistent/dir/servers.json: cannot open: "));
}

TEST(LoadConfigFile, ReadsAndResolvesAgainstTheFilesDirectory) {
  char dir_template[] = "/tmp/mcproxy-unit-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/servers.json";
  {
    std::ofstream out(path);
    out << R"({"mcpServers": {"s": {"command": "bin/run"}}})";
  }
  auto r = load_config_file(path);
  std::remove(path.c_str());
  rmdir(dir.c_str());
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigError>(r).message;
  const Config& c = std::get<Config>(r);
  EXPECT_EQ(c.path, path);
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].command, dir + "/bin/run");
}

}  // namespace
}  // namespace mcp
