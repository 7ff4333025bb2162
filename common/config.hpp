// The configuration model and its loader: Claude Desktop's mcp-servers.json format
// ({"mcpServers": {NAME: {...}}}) accepted as is, plus optional fields of our own.
// Loading never logs; it returns the config with its warnings, or one precise error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/tool_names.hpp"

namespace mcp {

struct ToolFilter {
  std::vector<std::string> allow;  // empty: everything allowed
  std::vector<std::string> deny;
  bool allows(std::string_view tool) const;
  bool operator==(const ToolFilter&) const = default;
};

enum class BackendTransport { stdio, sse, streamable_http, http_auto };

struct ServerConfig {
  std::string name;
  BackendTransport transport = BackendTransport::stdio;
  // stdio
  std::string command;  // resolved against the config's directory when relative with a '/'
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string cwd;
  // remote
  std::string url;
  std::map<std::string, std::string> headers;
  // ours
  bool disabled = false;
  std::optional<std::string> prefix;  // absent: the server's name
  ToolFilter tools;
  std::uint32_t timeout_ms = 60000;        // per call
  std::uint32_t init_timeout_ms = 30000;   // backend start until ready
  std::uint32_t memory_limit_mb = 0;       // 0: none
  std::uint32_t ping_interval_ms = 30000;  // liveness pings to the backend; 0: none
  std::uint32_t ping_timeout_ms = 10000;
  // Which MCP era the backend speaks: "auto" probes (server/discover, else initialize);
  // "modern" or "legacy" skip the probe, for a server that mishandles it.
  std::string era = "auto";
  std::uint32_t era_probe_timeout_ms = 3000;

  std::string effective_prefix() const { return prefix ? *prefix : name; }
  bool operator==(const ServerConfig&) const = default;
};

struct RestartSettings {
  std::uint32_t initial_ms = 250;       // first delay after a crash, doubled each time
  std::uint32_t max_ms = 60000;         // cap of the doubling
  std::uint32_t stable_ms = 60000;      // up this long: the failure count starts over
  std::uint32_t max_fast_failures = 8;  // then "failed", retried every failed_retry_ms
  std::uint32_t failed_retry_ms = 300000;
  bool operator==(const RestartSettings&) const = default;
};

struct GatewaySettings {
  std::string listen;  // empty: the command line or the default decides
  NamingRules naming;
  RestartSettings restart;
  std::uint32_t max_sessions = 1000;
  std::vector<std::string> allowed_origins;  // besides localhost's, for browser-based clients
  std::vector<std::string> bearer_tokens;    // empty: no authentication (the default)
  std::uint32_t max_message_bytes = 16u << 20;
  std::uint32_t max_connections = 4096;  // open TCP connections, streams included
  std::uint32_t max_streams = 512;       // open SSE streams (legacy, GET, POST answered as SSE)
  // A Streamable HTTP session with no stream and no call in flight, unheard from this long, ends.
  std::uint32_t session_idle_timeout_ms = 3600000;
  // How long a call parked for its client's input (2026-07-28 multi round-trip) waits for the
  // client's retry before it is cancelled.
  std::uint32_t input_wait_ms = 300000;
  bool operator==(const GatewaySettings&) const = default;
};

struct Config {
  std::string path;
  std::vector<ServerConfig> servers;  // sorted by name
  GatewaySettings gateway;
  std::vector<std::string> warnings;  // unknown fields and the like; each names file and place

  const ServerConfig* find(std::string_view name) const;
};

struct ConfigError {
  std::string message;  // "<file>:<line>:<column>: <reason>" or "<file>: server 'x': ..."
};

using ConfigResult = std::variant<Config, ConfigError>;

// Parses and validates text as if read from path (used in messages and to resolve relative
// commands).
ConfigResult parse_config(std::string_view text, const std::string& path);
ConfigResult load_config_file(const std::string& path);

bool is_valid_server_name(std::string_view name);

}  // namespace mcp
