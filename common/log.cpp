#include "common/log.hpp"

#include "common/journal_writer.hpp"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace mcp::log {

namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::info)};
std::mutex g_write_mutex;
std::string g_program = "mcproxy";
std::atomic<Sink> g_sink{Sink::stderr_text};

// The tag of a stderr line.
const char* level_label(Level l) {
  switch (l) {
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO";
    case Level::notice:
      return "NOTICE";
    case Level::warning:
      return "WARN";
    case Level::error:
      return "ERROR";
    case Level::critical:
      return "CRIT";
  }
  return "?";
}

}  // namespace

void set_sink(Sink s) {
  g_sink = s;
}
Sink sink() {
  return g_sink.load();
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  // "DEVICE:INODE" in decimal (systemd.exec(5), $JOURNAL_STREAM).
  const std::string_view text(stream);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  auto whole = [](std::string_view digits, unsigned long long& out) {
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size();
  };
  unsigned long long dev = 0, ino = 0;
  if (!whole(text.substr(0, colon), dev) || !whole(text.substr(colon + 1), ino)) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

void set_min_level(Level level) {
  g_min_level = static_cast<int>(level);
}
Level min_level() {
  return static_cast<Level>(g_min_level.load());
}
bool enabled(Level level) {
  return static_cast<int>(level) <= g_min_level.load();
}
void set_program(std::string_view name) {
  g_program.assign(name);
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::notice:
      return "notice";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
    case Level::critical:
      return "critical";
  }
  return "info";
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "notice") return Level::notice;
  if (text == "warning" || text == "warn") return Level::warning;
  if (text == "error") return Level::error;
  if (text == "critical" || text == "crit") return Level::critical;
  return std::nullopt;
}

bool write_journal(Level level, const Context& ctx, std::string_view message) {
  const std::string priority = std::to_string(static_cast<int>(level));
  std::vector<JournalField> fields = {
      {"MESSAGE", message}, {"PRIORITY", priority}, {"SYSLOG_IDENTIFIER", g_program}};
  if (!ctx.server.empty()) fields.emplace_back("MCP_SERVER", ctx.server);
  if (!ctx.session.empty()) fields.emplace_back("MCP_SESSION", ctx.session);
  return write_journal_entry(fields);
}

void write(Level level, const Context& ctx, std::string_view message) {
  if (!enabled(level)) return;
  if (g_sink.load() == Sink::journal && write_journal(level, ctx, message)) return;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm local{};
  localtime_r(&tv.tv_sec, &local);
  char stamp[32];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03ld", static_cast<long>(tv.tv_usec / 1000));

  std::string line;
  line.reserve(message.size() + 80);
  line += stamp;
  line += ' ';
  line += g_program;
  line += '[';
  line += std::to_string(getpid());
  line += "] ";
  line += level_label(level);
  line += ' ';
  if (!ctx.server.empty()) {
    line += '[';
    line += ctx.server;
    line += "] ";
  }
  if (!ctx.session.empty()) {
    line += "(session ";
    line += ctx.session.substr(0, 8);
    line += ") ";
  }
  line += message;
  line += '\n';
  std::lock_guard lock(g_write_mutex);
  // One write(2) per line: lines from the supervisor and its workers share stderr and must
  // not interleave mid-line.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t w = ::write(STDERR_FILENO, p, left);
    if (w <= 0) break;
    p += w;
    left -= static_cast<std::size_t>(w);
  }
}

}  // namespace mcp::log
