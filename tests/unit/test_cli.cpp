// supervisor/cli.hpp
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "build_config.hpp"
#include "supervisor/cli.hpp"

namespace mcp::supervisor {
namespace {

using testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// parse_listen

struct ListenCase {
  std::string text;
  bool ok;
  std::string host;
  int port;
};

class ParseListen : public testing::TestWithParam<ListenCase> {};

TEST_P(ParseListen, Table) {
  const auto& c = GetParam();
  const auto got = parse_listen(c.text);
  ASSERT_EQ(got.has_value(), c.ok) << '"' << c.text << '"';
  if (got) {
    EXPECT_EQ(got->host, c.host) << c.text;
    EXPECT_EQ(got->port, c.port) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseListen,
    testing::Values(
        // Accepted
        ListenCase{"127.0.0.1:12009", true, "127.0.0.1", 12009},
        ListenCase{"0.0.0.0:80", true, "0.0.0.0", 80},
        ListenCase{"localhost:8080", true, "localhost", 8080},
        ListenCase{"[::1]:80", true, "::1", 80}, ListenCase{"[::]:12009", true, "::", 12009},
        ListenCase{"[fe80::1%eth0]:443", true, "fe80::1%eth0", 443},
        ListenCase{"host:0", true, "host", 0},  // 0: any free port
        ListenCase{"host:65535", true, "host", 65535}, ListenCase{"host:00080", true, "host", 80},
        // Rejected
        ListenCase{"", false, "", 0}, ListenCase{"127.0.0.1", false, "", 0},
        ListenCase{"localhost", false, "", 0}, ListenCase{":8080", false, "", 0},
        ListenCase{"host:", false, "", 0}, ListenCase{"host:65536", false, "", 0},
        ListenCase{"host:99999", false, "", 0}, ListenCase{"host:123456", false, "", 0},
        ListenCase{"host:-1", false, "", 0}, ListenCase{"host:+80", false, "", 0},
        ListenCase{"host:80a", false, "", 0}, ListenCase{"host: 80", false, "", 0},
        ListenCase{"host:8 0", false, "", 0}, ListenCase{"[::1]", false, "", 0},
        ListenCase{"[::1]:", false, "", 0}, ListenCase{"[::1]:99999", false, "", 0}));

// ---------------------------------------------------------------------------------------------
// parse_command_line

TEST(CommandLine, NoArgumentsRunsWithDefaults) {
  const Command c = parse_command_line({});
  ASSERT_TRUE(std::holds_alternative<RunCommand>(c));
  const auto& run = std::get<RunCommand>(c);
  EXPECT_EQ(run.config_path, "/etc/mcproxy/mcp-servers.json");
  EXPECT_EQ(run.listen, "");
  EXPECT_FALSE(run.log_to_stderr);
  EXPECT_FALSE(run.log_to_journal);
  EXPECT_EQ(run.log_level, log::Level::info);
}

TEST(CommandLine, JournalAndLogAreIndependent) {
  const Command a = parse_command_line({"--journal"});
  ASSERT_TRUE(std::holds_alternative<RunCommand>(a));
  EXPECT_TRUE(std::get<RunCommand>(a).log_to_journal);
  EXPECT_FALSE(std::get<RunCommand>(a).log_to_stderr);
  const Command b = parse_command_line({"--log", "--journal"});
  ASSERT_TRUE(std::holds_alternative<RunCommand>(b));
  EXPECT_TRUE(std::get<RunCommand>(b).log_to_journal);
  EXPECT_TRUE(std::get<RunCommand>(b).log_to_stderr);
}

struct RunCase {
  const char* name;
  std::vector<std::string> args;
  std::string config_path;
  std::string listen;
  bool log_to_stderr;
  log::Level level;
};

class CommandLineRun : public testing::TestWithParam<RunCase> {};

TEST_P(CommandLineRun, Table) {
  const auto& c = GetParam();
  const Command cmd = parse_command_line(c.args);
  ASSERT_TRUE(std::holds_alternative<RunCommand>(cmd))
      << (std::holds_alternative<UsageError>(cmd) ? std::get<UsageError>(cmd).message : "");
  const auto& run = std::get<RunCommand>(cmd);
  EXPECT_EQ(run.config_path, c.config_path);
  EXPECT_EQ(run.listen, c.listen);
  EXPECT_EQ(run.log_to_stderr, c.log_to_stderr);
  EXPECT_EQ(run.log_level, c.level);
}

const std::string kDefaultConfig = "/etc/mcproxy/mcp-servers.json";

INSTANTIATE_TEST_SUITE_P(
    Table, CommandLineRun,
    testing::Values(
        RunCase{"Config", {"--config", "/tmp/a.json"}, "/tmp/a.json", "", false, log::Level::info},
        RunCase{"ConfigShort", {"-c", "a.json"}, "a.json", "", false, log::Level::info},
        RunCase{"Listen",
                {"--listen", "0.0.0.0:9"},
                kDefaultConfig,
                "0.0.0.0:9",
                false,
                log::Level::info},
        RunCase{"ListenShortIpv6",
                {"-l", "[::1]:80"},
                kDefaultConfig,
                "[::1]:80",
                false,
                log::Level::info},
        RunCase{"Log", {"--log"}, kDefaultConfig, "", true, log::Level::info},
        RunCase{"LogLevelDebug",
                {"--log-level", "debug"},
                kDefaultConfig,
                "",
                false,
                log::Level::debug},
        RunCase{"LogLevelWarn",
                {"--log-level", "warn"},
                kDefaultConfig,
                "",
                false,
                log::Level::warning},
        RunCase{"LogLevelError",
                {"--log-level", "error"},
                kDefaultConfig,
                "",
                false,
                log::Level::error},
        RunCase{"Everything",
                {"--log", "--config", "c.json", "--listen", "h:1", "--log-level", "notice"},
                "c.json",
                "h:1",
                true,
                log::Level::notice},
        RunCase{"LastOneWins", {"-c", "a", "-c", "b"}, "b", "", false, log::Level::info},
        RunCase{"ValueThatLooksLikeAnOption",
                {"--config", "--log"},
                "--log",
                "",
                false,
                log::Level::info}),
    [](const auto& pi) { return std::string(pi.param.name); });

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
  std::string message_part;
};

class CommandLineUsageError : public testing::TestWithParam<UsageCase> {};

TEST_P(CommandLineUsageError, Table) {
  const auto& c = GetParam();
  const Command cmd = parse_command_line(c.args);
  ASSERT_TRUE(std::holds_alternative<UsageError>(cmd));
  EXPECT_THAT(std::get<UsageError>(cmd).message, HasSubstr(c.message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CommandLineUsageError,
    testing::Values(
        UsageCase{"ConfigWithoutValue", {"--config"}, "--config needs a PATH"},
        UsageCase{"ListenWithoutValue", {"--listen"}, "--listen needs HOST:PORT"},
        UsageCase{"ListenBadPort", {"--listen", "h:99999"}, "--listen needs HOST:PORT"},
        UsageCase{"ListenNoPort", {"-l", "localhost"}, "--listen needs HOST:PORT"},
        UsageCase{"LogLevelWithoutValue", {"--log-level"}, "--log-level needs one of"},
        UsageCase{"LogLevelUnknown", {"--log-level", "verbose"}, "--log-level needs one of"},
        UsageCase{"LogLevelCase", {"--log-level", "DEBUG"}, "--log-level needs one of"},
        UsageCase{"UnknownOption", {"--frobnicate"}, "unknown argument '--frobnicate'"},
        UsageCase{"PositionalArgument", {"servers.json"}, "unknown argument 'servers.json'"},
        UsageCase{"UnknownAfterGoodOnes", {"--log", "-x"}, "unknown argument '-x'"},
        UsageCase{
            "CheckConfigWithoutPath", {"check-config"}, "check-config takes exactly one PATH"},
        UsageCase{"CheckConfigTwoPaths", {"check-config", "a", "b"}, "exactly one PATH"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(CommandLine, CheckConfig) {
  const Command cmd = parse_command_line({"check-config", "/x/servers.json"});
  ASSERT_TRUE(std::holds_alternative<CheckConfigCommand>(cmd));
  EXPECT_EQ(std::get<CheckConfigCommand>(cmd).config_path, "/x/servers.json");
}

TEST(CommandLine, CheckConfigOnlyAsFirstArgument) {
  const Command cmd = parse_command_line({"--log", "check-config", "x"});
  EXPECT_TRUE(std::holds_alternative<UsageError>(cmd));
}

class CommandLineHelp : public testing::TestWithParam<std::vector<std::string>> {};

TEST_P(CommandLineHelp, PrintsUsage) {
  const Command cmd = parse_command_line(GetParam());
  ASSERT_TRUE(std::holds_alternative<PrintCommand>(cmd));
  EXPECT_THAT(std::get<PrintCommand>(cmd).text, HasSubstr("Usage:"));
  EXPECT_THAT(std::get<PrintCommand>(cmd).text, HasSubstr("--listen HOST:PORT"));
}

INSTANTIATE_TEST_SUITE_P(Table, CommandLineHelp,
                         testing::Values(std::vector<std::string>{"--help"},
                                         std::vector<std::string>{"-h"},
                                         std::vector<std::string>{"--log", "--help"},
                                         // Help wins over a later error.
                                         std::vector<std::string>{"--help", "--bogus"}));

TEST(CommandLine, Version) {
  for (const char* flag : {"--version", "-V"}) {
    const Command cmd = parse_command_line({flag});
    ASSERT_TRUE(std::holds_alternative<PrintCommand>(cmd)) << flag;
    EXPECT_EQ(std::get<PrintCommand>(cmd).text, std::string("mcproxy ") + MCPROXY_VERSION + "\n");
  }
}

// Known bug, reported: the port is split off at the last ':' and whatever precedes it becomes
// the host, so an IPv6 address without brackets (and other junk) is accepted as a host.
// "::1" (IPv6 loopback, port forgotten) parses as host ":" port 1.
TEST(ParseListenHost, HostWithUnbracketedColonOrStrayBracketIsRejected) {
  for (const char* text : {"::1", "fe80::1", "[]:80", "[::1]x:80", "[[::1]]:80"}) {
    const auto got = parse_listen(text);
    EXPECT_FALSE(got.has_value()) << text << " -> host \"" << got->host << "\" port " << got->port;
  }
}

TEST(CommandLine, DefaultListenIsParseable) {
  const auto a = parse_listen(default_listen);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 12009);
}

}  // namespace
}  // namespace mcp::supervisor
