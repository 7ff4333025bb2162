// Fuzz target: the config loader (common/config), from text as load_config_file reads it, and
// the reload diff of a config against itself (common/config_diff). Checked besides "no crash,
// no sanitizer report": an error names the file; an accepted config holds only what validation
// promises (the rest of the gateway relies on it without checking again); loading is
// deterministic, so a reload of an unchanged file changes nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "common/config.hpp"
#include "common/config_diff.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace mcp::fuzz {
namespace {

const std::string config_path = "/etc/mcproxy/mcp-servers.json";

bool starts_with_path(const std::string& message) {
  return message.starts_with(config_path + ":");
}

void check_server(const ServerConfig& s, std::string_view input) {
  check(is_valid_server_name(s.name), "an accepted server name is invalid", input);
  check(s.command.empty() != s.url.empty(), "a server without exactly one of command and url",
        input);
  check((s.transport == BackendTransport::stdio) == !s.command.empty(),
        "a transport that does not match command/url", input);
  check(s.url.empty() || s.url.starts_with("http://") || s.url.starts_with("https://"),
        "an accepted url is not http(s)", input);
  check(s.timeout_ms >= 1 && s.init_timeout_ms >= 1 && s.ping_timeout_ms >= 1,
        "an accepted timeout is 0", input);
  check(!s.prefix || s.prefix->empty() || is_valid_exposed_name(*s.prefix, 64),
        "an accepted prefix is invalid", input);
}

void check_gateway(const GatewaySettings& g, std::string_view input) {
  const RestartSettings& r = g.restart;
  check(r.initial_ms >= 1 && r.max_ms >= r.initial_ms && r.stable_ms >= 1 &&
            r.max_fast_failures >= 1 && r.failed_retry_ms >= 1,
        "accepted restart settings are out of range", input);
  check(g.max_sessions >= 1 && g.max_message_bytes >= 4096, "accepted limits are out of range",
        input);
  check(g.naming.max_length >= min_name_length_limit && g.naming.max_length <= 128 &&
            is_valid_exposed_name(g.naming.separator, 8),
        "accepted naming rules are out of range", input);
  for (const auto& t : g.bearer_tokens) {
    check(t.size() >= 16, "an accepted bearer token is short", input);
  }
}

}  // namespace
}  // namespace mcp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcp;
  using fuzz::check;
  const std::string_view input = fuzz::as_text(data, size);
  const ConfigResult first = parse_config(input, fuzz::config_path);
  const ConfigResult second = parse_config(input, fuzz::config_path);
  if (const auto* e = std::get_if<ConfigError>(&first)) {
    check(fuzz::starts_with_path(e->message), "an error does not name the file", input);
    const auto* again = std::get_if<ConfigError>(&second);
    check(again != nullptr && again->message == e->message, "loading is not deterministic", input);
    return 0;
  }
  const Config& c = std::get<Config>(first);
  const auto* again = std::get_if<Config>(&second);
  check(again != nullptr && again->servers == c.servers && again->gateway == c.gateway &&
            again->warnings == c.warnings,
        "loading is not deterministic", input);
  check(c.path == fuzz::config_path, "the config lost its path", input);
  for (const auto& w : c.warnings) {
    check(fuzz::starts_with_path(w), "a warning does not name the file", input);
  }
  std::set<std::string> names;
  for (const auto& s : c.servers) {
    fuzz::check_server(s, input);
    check(names.insert(s.name).second, "a server name accepted twice", input);
    check(c.find(s.name) == &s, "find() does not find a server", input);
  }
  check(std::is_sorted(c.servers.begin(), c.servers.end(),
                       [](const auto& a, const auto& b) { return a.name < b.name; }),
        "servers are not sorted by name", input);
  fuzz::check_gateway(c.gateway, input);

  const ConfigDiff d = diff_configs(c, *again);
  check(d.empty() && d.unchanged.size() == c.servers.size() && d.summary() == "no changes",
        "a reload of the same text changes something", input);
  return 0;
}
