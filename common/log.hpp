// Logging for both programs. One line per event, either to stderr in human-readable form or
// to the systemd journal with structured fields (PRIORITY=, MCP_SERVER=, MCP_SESSION=), so
// that `journalctl -u mcp-gateway MCP_SERVER=fs` shows one backend's story.
// Thread-safe: HTTP threads and the event loop both log.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp::log {

enum class Level { debug = 7, info = 6, notice = 5, warning = 4, error = 3, critical = 2 };

struct Context {
  Context() = default;
  Context(std::string_view server_name, std::string_view session_id = {})
      : server(server_name), session(session_id) {}
  std::string_view server;   // MCP server name, if the line concerns one
  std::string_view session;  // client session id, if the line concerns one
};

enum class Sink { stderr_text, journal };
void set_sink(Sink sink);
Sink sink();
// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM to its
// device:inode), i.e. when a service unit did not redirect it.
bool stderr_is_journal();

void set_min_level(Level level);
Level min_level();
bool enabled(Level level);
// The program name in each line: "mcproxy" or "mcproxy-worker".
void set_program(std::string_view name);
std::optional<Level> parse_level(std::string_view text);
// The name parse_level reads: "debug", "info", ...
const char* level_name(Level level);

void write(Level level, const Context& ctx, std::string_view message);

inline void debug(std::string_view m, const Context& c = {}) {
  write(Level::debug, c, m);
}
inline void info(std::string_view m, const Context& c = {}) {
  write(Level::info, c, m);
}
inline void notice(std::string_view m, const Context& c = {}) {
  write(Level::notice, c, m);
}
inline void warning(std::string_view m, const Context& c = {}) {
  write(Level::warning, c, m);
}
inline void error(std::string_view m, const Context& c = {}) {
  write(Level::error, c, m);
}
inline void critical(std::string_view m, const Context& c = {}) {
  write(Level::critical, c, m);
}

}  // namespace mcp::log
