// common/config_diff.hpp: what a reload does to each server and to the gateway's own settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "common/config.hpp"
#include "common/config_diff.hpp"

namespace mcp {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;

ServerConfig server(const std::string& name) {
  ServerConfig s;
  s.name = name;
  s.command = "/usr/bin/" + name;
  return s;
}

Config config_of(std::vector<ServerConfig> servers) {
  Config c;
  c.servers = std::move(servers);
  return c;
}

TEST(ConfigDiff, IdenticalConfigsChangeNothing) {
  const Config a = config_of({server("a"), server("b")});
  const ConfigDiff d = diff_configs(a, a);
  EXPECT_TRUE(d.empty());
  EXPECT_THAT(d.unchanged, ElementsAre("a", "b"));
  EXPECT_EQ(d.summary(), "no changes");
}

TEST(ConfigDiff, AddedAndRemovedServers) {
  const ConfigDiff d =
      diff_configs(config_of({server("a"), server("b")}), config_of({server("b"), server("c")}));
  EXPECT_THAT(d.added, ElementsAre("c"));
  EXPECT_THAT(d.removed, ElementsAre("a"));
  EXPECT_THAT(d.unchanged, ElementsAre("b"));
  EXPECT_EQ(d.summary(), "added: c; removed: a");
}

// Each field that shapes the process needs a new one; each that only shapes the catalog or
// the call does not.
struct FieldCase {
  const char* field;
  std::function<void(ServerConfig&)> edit;
  bool restart;
};

class ServerFieldDiff : public testing::TestWithParam<FieldCase> {};

TEST_P(ServerFieldDiff, RestartsOnlyForProcessShapingFields) {
  ServerConfig edited = server("s");
  GetParam().edit(edited);
  const ConfigDiff d = diff_configs(config_of({server("s")}), config_of({edited}));
  EXPECT_EQ(needs_restart(server("s"), edited), GetParam().restart);
  if (GetParam().restart) {
    EXPECT_THAT(d.restarted, ElementsAre("s"));
    EXPECT_THAT(d.retuned, IsEmpty());
  } else {
    EXPECT_THAT(d.retuned, ElementsAre("s"));
    EXPECT_THAT(d.restarted, IsEmpty());
  }
  EXPECT_THAT(d.unchanged, IsEmpty());
  EXPECT_FALSE(d.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ServerFieldDiff,
    testing::Values(
        FieldCase{"command", [](ServerConfig& s) { s.command = "/usr/bin/other"; }, true},
        FieldCase{"args", [](ServerConfig& s) { s.args = {"--flag"}; }, true},
        FieldCase{"env", [](ServerConfig& s) { s.env["K"] = "v"; }, true},
        FieldCase{"cwd", [](ServerConfig& s) { s.cwd = "/srv"; }, true},
        FieldCase{"transport",
                  [](ServerConfig& s) {
                    s.transport = BackendTransport::sse;
                    s.url = "http://127.0.0.1:1/sse";
                  },
                  true},
        FieldCase{"url", [](ServerConfig& s) { s.url = "http://x/"; }, true},
        FieldCase{"headers", [](ServerConfig& s) { s.headers["A"] = "b"; }, true},
        FieldCase{"disabled", [](ServerConfig& s) { s.disabled = true; }, true},
        FieldCase{"initTimeoutMs", [](ServerConfig& s) { s.init_timeout_ms = 5; }, true},
        FieldCase{"memoryLimitMB", [](ServerConfig& s) { s.memory_limit_mb = 100; }, true},
        FieldCase{"pingIntervalMs", [](ServerConfig& s) { s.ping_interval_ms = 0; }, true},
        FieldCase{"pingTimeoutMs", [](ServerConfig& s) { s.ping_timeout_ms = 1; }, true},
        FieldCase{"era", [](ServerConfig& s) { s.era = "legacy"; }, true},
        FieldCase{"eraProbeTimeoutMs", [](ServerConfig& s) { s.era_probe_timeout_ms = 9; }, true},
        FieldCase{"prefix", [](ServerConfig& s) { s.prefix = "p"; }, false},
        FieldCase{"emptyPrefix", [](ServerConfig& s) { s.prefix = ""; }, false},
        FieldCase{"toolsAllow", [](ServerConfig& s) { s.tools.allow = {"x"}; }, false},
        FieldCase{"toolsDeny", [](ServerConfig& s) { s.tools.deny = {"x"}; }, false},
        FieldCase{"timeoutMs", [](ServerConfig& s) { s.timeout_ms = 5; }, false}),
    [](const auto& pi) { return std::string(pi.param.field); });

TEST(ConfigDiff, ServerOrderDoesNotMatter) {
  const ConfigDiff d =
      diff_configs(config_of({server("a"), server("b")}), config_of({server("b"), server("a")}));
  EXPECT_TRUE(d.empty());
}

// The gateway's own keys are named as written in the file, so the reload log line says which.
struct GatewayCase {
  const char* key;
  std::function<void(GatewaySettings&)> edit;
};

class GatewayKeyDiff : public testing::TestWithParam<GatewayCase> {};

TEST_P(GatewayKeyDiff, NamesTheKeyThatChanged) {
  Config before = config_of({server("a")});
  Config after = before;
  GetParam().edit(after.gateway);
  const ConfigDiff d = diff_configs(before, after);
  EXPECT_TRUE(d.gateway_changed);
  EXPECT_FALSE(d.listen_changed);
  EXPECT_THAT(d.gateway_keys, ElementsAre(GetParam().key));
  EXPECT_THAT(d.unchanged, ElementsAre("a")) << "a gateway key leaves the servers alone";
  EXPECT_EQ(d.summary(), std::string("gateway settings: ") + GetParam().key);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, GatewayKeyDiff,
    testing::Values(
        GatewayCase{"separator", [](GatewaySettings& g) { g.naming.separator = "-"; }},
        GatewayCase{"toolNameMaxLength", [](GatewaySettings& g) { g.naming.max_length = 40; }},
        GatewayCase{"restart", [](GatewaySettings& g) { g.restart.max_fast_failures = 2; }},
        GatewayCase{"maxSessions", [](GatewaySettings& g) { g.max_sessions = 3; }},
        GatewayCase{"allowedOrigins",
                    [](GatewaySettings& g) { g.allowed_origins = {"https://a.example"}; }},
        GatewayCase{"auth.bearerTokens",
                    [](GatewaySettings& g) { g.bearer_tokens = {"0123456789abcdef"}; }},
        GatewayCase{"maxMessageBytes", [](GatewaySettings& g) { g.max_message_bytes = 4096; }},
        GatewayCase{"maxConnections", [](GatewaySettings& g) { g.max_connections = 10; }},
        GatewayCase{"maxStreams", [](GatewaySettings& g) { g.max_streams = 10; }},
        GatewayCase{"sessionIdleTimeoutMs",
                    [](GatewaySettings& g) { g.session_idle_timeout_ms = 60000; }},
        GatewayCase{"inputWaitMs", [](GatewaySettings& g) { g.input_wait_ms = 1000; }}),
    [](const auto& pi) {
      std::string name = pi.param.key;
      name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
      return name;
    });

TEST(ConfigDiff, SeveralGatewayKeysAreListedTogether) {
  Config before = config_of({});
  Config after = before;
  after.gateway.max_sessions = 2;
  after.gateway.bearer_tokens = {"0123456789abcdef"};
  const ConfigDiff d = diff_configs(before, after);
  EXPECT_EQ(d.summary(), "gateway settings: maxSessions, auth.bearerTokens");
}

TEST(ConfigDiff, ListenIsReportedApartFromTheKeysThatApplyAtOnce) {
  Config before = config_of({});
  Config after = before;
  after.gateway.listen = "0.0.0.0:1";
  const ConfigDiff d = diff_configs(before, after);
  EXPECT_TRUE(d.listen_changed);
  EXPECT_FALSE(d.gateway_changed);
  EXPECT_THAT(d.gateway_keys, IsEmpty());
  EXPECT_FALSE(d.empty());
  EXPECT_EQ(d.summary(), "listen address");
}

TEST(ConfigDiff, ServersAndGatewayKeysInOneSummary) {
  Config before = config_of({server("a")});
  Config after = config_of({server("a"), server("b")});
  after.servers[0].timeout_ms = 1;
  after.gateway.max_streams = 8;
  EXPECT_EQ(diff_configs(before, after).summary(),
            "added: b; retuned: a; gateway settings: maxStreams");
}

}  // namespace
}  // namespace mcp
