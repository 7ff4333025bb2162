#include "common/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "common/listen_address.hpp"
#include "protocol/json.hpp"

namespace mcp {

namespace {

using json::Value;

// A validation failure inside one server entry; turned into a ConfigError with file and line.
struct FieldError {
  std::string field;
  std::string reason;
};

// RapidJSON keeps no source positions, so messages find their lines by scanning the text once:
// the line of every top-level key, and of every key directly inside "mcpServers" (the server
// names). Strings are skipped with their escapes, so a key of the same spelling deeper down
// (an env variable called like a server) cannot be mistaken for it.
struct KeyLines {
  std::map<std::string, std::size_t> top;      // top-level key -> line of its first occurrence
  std::map<std::string, std::size_t> servers;  // key inside mcpServers -> line
};

KeyLines scan_key_lines(std::string_view text) {
  KeyLines out;
  std::size_t line = 1;
  int depth = 0;
  std::string top_key;  // the top-level key whose value we are in
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      const std::size_t key_line = line;
      std::string str;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        if (text[i] == '\n') ++line;
        str += text[i];
      }
      std::size_t j = i + 1;
      while (j < text.size() &&
             (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
        ++j;
      if (j >= text.size() || text[j] != ':') continue;  // a value, not a key
      if (depth == 1) {
        top_key = str;
        out.top.emplace(str, key_line);
      } else if (depth == 2 && top_key == "mcpServers") {
        out.servers.emplace(str, key_line);
      }
    }
  }
  return out;
}

std::size_t line_of(const std::map<std::string, std::size_t>& lines, std::string_view key) {
  auto it = lines.find(std::string(key));
  return it == lines.end() ? 0 : it->second;
}

// JSON allows a key twice and RapidJSON keeps both; each reader below would then take the first,
// the last, or both. A config is clearer rejected: the repeated key is named.
std::optional<std::string> repeated_key(const Value& obj) {
  std::set<std::string_view> seen;
  for (const auto& m : obj.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (!seen.insert(key).second) return std::string(key);
  }
  return std::nullopt;
}

std::optional<FieldError> read_string_list(const Value& v, const char* field,
                                           std::vector<std::string>& out) {
  if (!v.IsArray()) return FieldError{field, "must be an array of strings"};
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return FieldError{field, "must be an array of strings"};
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return std::nullopt;
}

std::optional<FieldError> read_string_map(const Value& v, const char* field,
                                          std::map<std::string, std::string>& out) {
  if (!v.IsObject()) return FieldError{field, "must be an object of strings"};
  for (const auto& m : v.GetObject()) {
    if (!m.value.IsString()) {
      return FieldError{std::string(field) + "." + m.name.GetString(), "must be a string"};
    }
    out.emplace(m.name.GetString(), std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return std::nullopt;
}

std::optional<FieldError> read_u32(const Value& v, const char* field, std::uint32_t min,
                                   std::uint32_t& out) {
  if (!v.IsUint() || v.GetUint() < min) {
    return FieldError{field, "must be an integer >= " + std::to_string(min)};
  }
  out = v.GetUint();
  return std::nullopt;
}

std::string resolve_path(const std::string& config_path, const std::string& p) {
  if (p.empty() || p.front() == '/') return p;
  const auto slash = config_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : config_path.substr(0, slash);
  return dir + "/" + p;
}

std::optional<FieldError> read_tool_filter(const Value& v, ToolFilter& out,
                                           std::vector<std::string>& unknown) {
  if (!v.IsObject()) return FieldError{"tools", "must be an object with \"allow\" and/or \"deny\""};
  for (const auto& m : v.GetObject()) {
    const std::string_view key = m.name.GetString();
    if (key == "allow") {
      if (auto e = read_string_list(m.value, "tools.allow", out.allow)) return e;
    } else if (key == "deny") {
      if (auto e = read_string_list(m.value, "tools.deny", out.deny)) return e;
    } else {
      unknown.push_back("tools." + std::string(key));
    }
  }
  return std::nullopt;
}

std::optional<FieldError> read_transport(const Value& v, const char* field, ServerConfig& s) {
  const std::string_view t = v.IsString() ? std::string_view(v.GetString()) : std::string_view{};
  if (t == "stdio") {
    s.transport = BackendTransport::stdio;
  } else if (t == "sse") {
    s.transport = BackendTransport::sse;
  } else if (t == "streamable-http" || t == "streamableHttp" || t == "http") {
    s.transport = BackendTransport::streamable_http;
  } else {
    return FieldError{field, "must be one of \"stdio\", \"sse\", \"streamable-http\""};
  }
  return std::nullopt;
}

// Reads one server entry. Fields the entry does not know are collected, not rejected: configs
// pasted from other tools carry extras, and refusing them would break a working set-up.
std::optional<FieldError> read_server(const Value& v, const std::string& config_path,
                                      ServerConfig& s, std::vector<std::string>& unknown) {
  if (!v.IsObject()) return FieldError{"", "must be an object"};
  if (auto dup = repeated_key(v)) return FieldError{*dup, "is given twice"};
  bool transport_given = false;
  for (const auto& m : v.GetObject()) {
    const std::string_view key = m.name.GetString();
    const Value& val = m.value;
    std::optional<FieldError> e;
    if (key == "command") {
      if (!val.IsString() || val.GetStringLength() == 0) {
        e = FieldError{"command", "must be a non-empty string"};
      } else {
        s.command = val.GetString();
        if (s.command.find('/') != std::string::npos)
          s.command = resolve_path(config_path, s.command);
      }
    } else if (key == "args") {
      e = read_string_list(val, "args", s.args);
    } else if (key == "env") {
      e = read_string_map(val, "env", s.env);
    } else if (key == "cwd") {
      if (!val.IsString()) {
        e = FieldError{"cwd", "must be a string"};
      } else {
        s.cwd = resolve_path(config_path, val.GetString());
      }
    } else if (key == "url") {
      if (!val.IsString() || (std::string_view(val.GetString()).rfind("http://", 0) != 0 &&
                              std::string_view(val.GetString()).rfind("https://", 0) != 0)) {
        e = FieldError{"url", "must be an http:// or https:// URL"};
      } else {
        s.url = val.GetString();
      }
    } else if (key == "transport" || key == "type") {
      e = read_transport(val, key == "type" ? "type" : "transport", s);
      transport_given = true;
    } else if (key == "headers") {
      e = read_string_map(val, "headers", s.headers);
    } else if (key == "disabled") {
      if (!val.IsBool()) {
        e = FieldError{"disabled", "must be true or false"};
      } else {
        s.disabled = val.GetBool();
      }
    } else if (key == "prefix") {
      if (!val.IsString()) {
        e = FieldError{"prefix", "must be a string (\"\" exposes names unprefixed)"};
      } else {
        s.prefix = val.GetString();
      }
    } else if (key == "tools") {
      e = read_tool_filter(val, s.tools, unknown);
    } else if (key == "timeoutMs") {
      e = read_u32(val, "timeoutMs", 1, s.timeout_ms);
    } else if (key == "initTimeoutMs") {
      e = read_u32(val, "initTimeoutMs", 1, s.init_timeout_ms);
    } else if (key == "memoryLimitMB") {
      e = read_u32(val, "memoryLimitMB", 0, s.memory_limit_mb);
    } else if (key == "pingIntervalMs") {
      e = read_u32(val, "pingIntervalMs", 0, s.ping_interval_ms);
    } else if (key == "pingTimeoutMs") {
      e = read_u32(val, "pingTimeoutMs", 1, s.ping_timeout_ms);
    } else if (key == "era") {
      if (!val.IsString() || (std::string_view(val.GetString()) != "auto" &&
                              std::string_view(val.GetString()) != "modern" &&
                              std::string_view(val.GetString()) != "legacy")) {
        e = FieldError{"era", "must be \"auto\", \"modern\" or \"legacy\""};
      } else {
        s.era = val.GetString();
      }
    } else if (key == "eraProbeTimeoutMs") {
      e = read_u32(val, "eraProbeTimeoutMs", 1, s.era_probe_timeout_ms);
    } else {
      unknown.emplace_back(key);
    }
    if (e) return e;
  }
  if (!s.url.empty() && !s.command.empty()) {
    return FieldError{"url", "a server has either \"command\" or \"url\", not both"};
  }
  if (s.url.empty() && s.command.empty()) {
    return FieldError{"command", "is required (or \"url\" for a remote server)"};
  }
  if (!s.url.empty()) {
    if (!transport_given || s.transport == BackendTransport::stdio) {
      if (transport_given)
        return FieldError{"transport", "\"stdio\" needs \"command\", not \"url\""};
      s.transport = BackendTransport::http_auto;
    }
  } else if (s.transport != BackendTransport::stdio) {
    return FieldError{"url", "is required for transport \"sse\" or \"streamable-http\""};
  }
  if (s.prefix && !s.prefix->empty() && !is_valid_exposed_name(*s.prefix, 64)) {
    return FieldError{"prefix", "may contain only letters, digits, '_' and '-'"};
  }
  return std::nullopt;
}

std::optional<std::string> read_restart(const Value& v, RestartSettings& r,
                                        std::vector<std::string>& unknown) {
  if (!v.IsObject()) return "mcproxy.restart must be an object";
  for (const auto& m : v.GetObject()) {
    const std::string_view key = m.name.GetString();
    std::uint32_t* target = key == "initialMs"         ? &r.initial_ms
                            : key == "maxMs"           ? &r.max_ms
                            : key == "stableMs"        ? &r.stable_ms
                            : key == "maxFastFailures" ? &r.max_fast_failures
                            : key == "failedRetryMs"   ? &r.failed_retry_ms
                                                       : nullptr;
    if (target == nullptr) {
      unknown.push_back("mcproxy.restart." + std::string(key));
      continue;
    }
    if (!m.value.IsUint() || m.value.GetUint() < 1) {
      return "mcproxy.restart." + std::string(key) + " must be an integer >= 1";
    }
    *target = m.value.GetUint();
  }
  if (r.max_ms < r.initial_ms) return "mcproxy.restart.maxMs must be >= initialMs";
  return std::nullopt;
}

std::optional<std::string> read_gateway(const Value& v, GatewaySettings& g,
                                        std::vector<std::string>& unknown) {
  if (!v.IsObject()) return "\"mcproxy\" must be an object";
  if (auto dup = repeated_key(v)) return "mcproxy." + *dup + " is given twice";
  for (const auto& m : v.GetObject()) {
    const std::string_view key = m.name.GetString();
    if (key == "listen") {
      if (!m.value.IsString() || !parse_listen(m.value.GetString())) {
        return "mcproxy.listen must be a string \"HOST:PORT\", e.g. \"127.0.0.1:12009\"";
      }
      g.listen = m.value.GetString();
    } else if (key == "separator") {
      if (!m.value.IsString() || !is_valid_exposed_name(m.value.GetString(), 8)) {
        return "mcproxy.separator must be 1-8 characters of letters, digits, '_' or '-'";
      }
      g.naming.separator = m.value.GetString();
    } else if (key == "toolNameMaxLength") {
      if (!m.value.IsUint() || m.value.GetUint() < min_name_length_limit ||
          m.value.GetUint() > 128) {
        return "mcproxy.toolNameMaxLength must be an integer from " +
               std::to_string(min_name_length_limit) + " to 128";
      }
      g.naming.max_length = m.value.GetUint();
    } else if (key == "maxSessions") {
      if (!m.value.IsUint() || m.value.GetUint() < 1)
        return "mcproxy.maxSessions must be an integer >= 1";
      g.max_sessions = m.value.GetUint();
    } else if (key == "maxConnections" || key == "maxStreams") {
      if (!m.value.IsUint() || m.value.GetUint() < 1 || m.value.GetUint() > 1000000)
        return "mcproxy." + std::string(key) + " must be an integer from 1 to 1000000";
      (key == "maxConnections" ? g.max_connections : g.max_streams) = m.value.GetUint();
    } else if (key == "sessionIdleTimeoutMs") {
      if (!m.value.IsUint() || m.value.GetUint() < 10000 || m.value.GetUint() > 604800000)
        return "mcproxy.sessionIdleTimeoutMs must be an integer from 10000 (10 s) to 604800000 "
               "(7 days)";
      g.session_idle_timeout_ms = m.value.GetUint();
    } else if (key == "inputWaitMs") {
      if (!m.value.IsUint() || m.value.GetUint() < 1000 || m.value.GetUint() > 86400000)
        return "mcproxy.inputWaitMs must be an integer from 1000 (1 s) to 86400000 (1 day)";
      g.input_wait_ms = m.value.GetUint();
    } else if (key == "allowedOrigins") {
      if (read_string_list(m.value, "allowedOrigins", g.allowed_origins)) {
        return "mcproxy.allowedOrigins must be an array of strings";
      }
    } else if (key == "auth") {
      if (!m.value.IsObject()) return "mcproxy.auth must be an object";
      for (const auto& a : m.value.GetObject()) {
        if (std::string_view(a.name.GetString()) != "bearerTokens") {
          unknown.push_back("mcproxy.auth." + std::string(a.name.GetString()));
          continue;
        }
        if (read_string_list(a.value, "bearerTokens", g.bearer_tokens)) {
          return "mcproxy.auth.bearerTokens must be an array of strings";
        }
        for (const auto& t : g.bearer_tokens) {
          if (t.size() < 16)
            return "mcproxy.auth.bearerTokens: each token needs at least 16 characters";
        }
      }
    } else if (key == "restart") {
      if (auto e = read_restart(m.value, g.restart, unknown)) return e;
    } else if (key == "maxMessageBytes") {
      if (!m.value.IsUint() || m.value.GetUint() < 4096) {
        return "mcproxy.maxMessageBytes must be an integer >= 4096";
      }
      g.max_message_bytes = m.value.GetUint();
    } else {
      unknown.push_back("mcproxy." + std::string(key));
    }
  }
  return std::nullopt;
}

}  // namespace

bool ToolFilter::allows(std::string_view tool) const {
  if (std::find(deny.begin(), deny.end(), tool) != deny.end()) return false;
  return allow.empty() || std::find(allow.begin(), allow.end(), tool) != allow.end();
}

const ServerConfig* Config::find(std::string_view name) const {
  for (const auto& s : servers) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool is_valid_server_name(std::string_view name) {
  return is_valid_exposed_name(name, 32);
}

ConfigResult parse_config(std::string_view text, const std::string& path) {
  json::Document doc;
  if (auto err = json::parse(text, doc)) {
    const auto lc = json::line_column(text, err->offset);
    return ConfigError{path + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.column) +
                       ": invalid JSON: " + err->message};
  }
  if (!doc.IsObject()) return ConfigError{path + ":1:1: the top level must be a JSON object"};

  Config config;
  config.path = path;
  const KeyLines lines = scan_key_lines(text);
  auto at = [&](std::size_t line) { return path + ":" + (line ? std::to_string(line) + ":" : ""); };
  if (auto dup = repeated_key(doc)) {
    return ConfigError{at(line_of(lines.top, *dup)) + " top-level field \"" + *dup +
                       "\" is given twice"};
  }
  const Value* servers = json::member(doc, "mcpServers");
  if (servers == nullptr) {
    return ConfigError{path +
                       ": missing \"mcpServers\" (expected {\"mcpServers\": {NAME: {...}}})"};
  }
  if (!servers->IsObject()) {
    return ConfigError{at(line_of(lines.top, "mcpServers")) +
                       " \"mcpServers\" must be an object mapping names to servers"};
  }
  // Through a const view: clang finds comparing RapidJSON's mutable member iterators ambiguous
  // under C++20's rewritten comparisons (-Wambiguous-reversed-operator).
  for (const auto& m : std::as_const(doc).GetObject()) {
    const std::string_view key = m.name.GetString();
    if (key == "mcpServers") continue;
    if (key == "mcproxy") {
      std::vector<std::string> unknown;
      if (auto e = read_gateway(m.value, config.gateway, unknown)) {
        return ConfigError{at(line_of(lines.top, "mcproxy")) + " " + *e};
      }
      for (const auto& u : unknown) {
        config.warnings.push_back(at(line_of(lines.top, "mcproxy")) + " unknown field \"" + u +
                                  "\" ignored");
      }
      continue;
    }
    config.warnings.push_back(at(line_of(lines.top, key)) + " unknown top-level field \"" +
                              std::string(key) + "\" ignored");
  }

  std::set<std::string> seen;
  for (const auto& m : servers->GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    const std::size_t line = line_of(lines.servers, name);
    const std::string where =
        path + ":" + (line ? std::to_string(line) + ":" : std::string()) + " server '" + name + "'";
    if (!is_valid_server_name(name)) {
      return ConfigError{where + ": invalid name: must match ^[A-Za-z0-9_-]{1,32}$"};
    }
    if (!seen.insert(name).second) return ConfigError{where + ": defined twice"};
    ServerConfig s;
    s.name = name;
    std::vector<std::string> unknown;
    if (auto e = read_server(m.value, path, s, unknown)) {
      return ConfigError{where + (e->field.empty() ? "" : ": field '" + e->field + "'") + ": " +
                         e->reason};
    }
    for (const auto& u : unknown) {
      config.warnings.push_back(where + ": unknown field \"" + u + "\" ignored");
    }
    config.servers.push_back(std::move(s));
  }
  std::sort(config.servers.begin(), config.servers.end(),
            [](const ServerConfig& a, const ServerConfig& b) { return a.name < b.name; });
  return config;
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path + ": cannot open: " + std::string(std::strerror(errno))};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return ConfigError{path + ": read error"};
  return parse_config(ss.str(), path);
}

}  // namespace mcp
