#include "common/config_diff.hpp"

namespace mcp {

bool needs_restart(const ServerConfig& a, const ServerConfig& b) {
  return a.transport != b.transport || a.command != b.command || a.args != b.args ||
         a.env != b.env || a.cwd != b.cwd || a.url != b.url || a.headers != b.headers ||
         a.disabled != b.disabled || a.init_timeout_ms != b.init_timeout_ms ||
         a.memory_limit_mb != b.memory_limit_mb || a.ping_interval_ms != b.ping_interval_ms ||
         a.ping_timeout_ms != b.ping_timeout_ms || a.era != b.era ||
         a.era_probe_timeout_ms != b.era_probe_timeout_ms;
}

ConfigDiff diff_configs(const Config& before, const Config& after) {
  ConfigDiff d;
  for (const auto& s : after.servers) {
    const ServerConfig* old = before.find(s.name);
    if (old == nullptr) {
      d.added.push_back(s.name);
    } else if (needs_restart(*old, s)) {
      d.restarted.push_back(s.name);
    } else if (!(*old == s)) {
      d.retuned.push_back(s.name);
    } else {
      d.unchanged.push_back(s.name);
    }
  }
  for (const auto& s : before.servers) {
    if (after.find(s.name) == nullptr) d.removed.push_back(s.name);
  }
  const GatewaySettings& a = before.gateway;
  const GatewaySettings& b = after.gateway;
  d.listen_changed = a.listen != b.listen;
  auto changed = [&](bool differs, const char* key) {
    if (differs) d.gateway_keys.emplace_back(key);
  };
  changed(a.naming.separator != b.naming.separator, "separator");
  changed(a.naming.max_length != b.naming.max_length, "toolNameMaxLength");
  changed(a.restart != b.restart, "restart");
  changed(a.max_sessions != b.max_sessions, "maxSessions");
  changed(a.allowed_origins != b.allowed_origins, "allowedOrigins");
  changed(a.bearer_tokens != b.bearer_tokens, "auth.bearerTokens");
  changed(a.max_message_bytes != b.max_message_bytes, "maxMessageBytes");
  changed(a.max_connections != b.max_connections, "maxConnections");
  changed(a.max_streams != b.max_streams, "maxStreams");
  changed(a.session_idle_timeout_ms != b.session_idle_timeout_ms, "sessionIdleTimeoutMs");
  changed(a.input_wait_ms != b.input_wait_ms, "inputWaitMs");
  // A field added to GatewaySettings but not above still counts as a change.
  GatewaySettings rest_a = a, rest_b = b;
  rest_a.listen = rest_b.listen;
  changed(d.gateway_keys.empty() && !(rest_a == rest_b), "other settings");
  d.gateway_changed = !d.gateway_keys.empty();
  return d;
}

std::string ConfigDiff::summary() const {
  std::string out;
  auto part = [&](const char* label, const std::vector<std::string>& names) {
    if (names.empty()) return;
    if (!out.empty()) out += "; ";
    out += label;
    out += ": ";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  };
  part("added", added);
  part("removed", removed);
  part("restarted", restarted);
  part("retuned", retuned);
  part("gateway settings", gateway_keys);
  if (listen_changed) out += std::string(out.empty() ? "" : "; ") + "listen address";
  if (out.empty()) out = "no changes";
  return out;
}

}  // namespace mcp
