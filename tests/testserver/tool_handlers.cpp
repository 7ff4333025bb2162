#include "tool_handlers.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace testserver {
namespace {

constexpr long long kMaxSleepMs = 24LL * 60 * 60 * 1000;
constexpr long long kMaxLargeBytes = 256LL * 1024 * 1024;
constexpr long long kProgressIntervalMs = 50;
constexpr long long kMaxGarbageLines = 10000;

// What a broken backend might print on stdout, one line each: not JSON, not UTF-8, truncated,
// not an object, the wrong protocol version, answers and progress for ids the gateway never
// sent (numbers far above any id it issues), an unknown notification, a request for the
// client, control bytes, blanks.
constexpr const char* kGarbageLines[] = {
    "this is not json",
    "\xff\xfe\x80 not utf-8 \xc3\x28",
    R"({"jsonrpc":"2.0","id":)",
    "[1,2,3]",
    "42",
    R"({"jsonrpc":"2.0","id":9007199254740991,"result":{"content":[]}})",
    R"({"jsonrpc":"2.0","id":"garbage-id","result":{}})",
    R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"garbage"}})",
    R"({"jsonrpc":"1.0","id":1,"result":{}})",
    R"({"jsonrpc":"2.0","method":"notifications/garbage","params":{"x":1}})",
    R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":9007199254740990,"progress":1}})",
    R"({"jsonrpc":"2.0","id":"garbage-roots","method":"roots/list"})",
    "\x01\x02\x1b[31mcontrol bytes\x1b[0m\x7f",
    "   \t  ",
    "{}",
    R"({"jsonrpc":"2.0"})",
};

ToolResult text_result(std::string text) {
  return ToolResult{std::move(text)};
}

// Bad arguments are tool execution errors, not protocol errors (MCP 2025-11-25, SEP-1303),
// so that a model could read the message and retry.
ToolResult error_result(std::string text) {
  return ToolResult{std::move(text), true};
}

std::string format_number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

void send_progress(const CallContext& context, long long step, long long steps, long long ms) {
  const long long slept = ms * step / steps;
  context.output.notify("notifications/progress", [&](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("progressToken");
    put_raw(writer, context.progress_token);
    writer.Key("progress");
    writer.Int64(step);
    writer.Key("total");
    writer.Int64(steps);
    writer.Key("message");
    put_string(writer, "slept " + std::to_string(slept) + " of " + std::to_string(ms) + " ms");
    writer.EndObject();
  });
}

}  // namespace

void write_tool_result(JsonWriter& writer, const ToolResult& result) {
  writer.StartObject();
  writer.Key("content");
  writer.StartArray();
  writer.StartObject();
  writer.Key("type");
  writer.String("text");
  writer.Key("text");
  put_string(writer, result.text);
  writer.EndObject();
  writer.EndArray();
  if (result.structured_text) {
    writer.Key("structuredContent");
    writer.StartObject();
    writer.Key("text");
    put_string(writer, result.text);
    writer.EndObject();
  }
  if (result.is_error) {
    writer.Key("isError");
    writer.Bool(true);
  }
  writer.EndObject();
}

ToolReply tool_echo(const rapidjson::Value& args, const CallContext&) {
  auto text = get_string(args, "text");
  if (!text) return error_result("echo: argument 'text' must be a string");
  ToolResult result = text_result(std::move(*text));
  result.structured_text = true;
  return result;
}

ToolReply tool_add(const rapidjson::Value& args, const CallContext&) {
  const rapidjson::Value* a = find_member(args, "a");
  const rapidjson::Value* b = find_member(args, "b");
  if (a == nullptr || b == nullptr || !a->IsNumber() || !b->IsNumber()) {
    return error_result("add: arguments 'a' and 'b' must be numbers");
  }
  // Integer arithmetic keeps large integers exact; doubles would round past 2^53.
  long long sum = 0;
  if (a->IsInt64() && b->IsInt64() && !__builtin_add_overflow(a->GetInt64(), b->GetInt64(), &sum)) {
    return text_result(std::to_string(sum));
  }
  return text_result(format_number(a->GetDouble() + b->GetDouble()));
}

ToolReply tool_sleep(const rapidjson::Value& args, const CallContext& context) {
  auto ms = get_integer(args, "ms");
  if (!ms || *ms < 0 || *ms > kMaxSleepMs) {
    return error_result("sleep: argument 'ms' must be an integer in [0, " +
                        std::to_string(kMaxSleepMs) + "]");
  }
  context.tasks.start(context.id, [context, ms = *ms](const TaskRunner::Ticket& ticket) {
    const bool report = !context.progress_token.empty();
    const long long steps = std::max(1LL, (ms + kProgressIntervalMs - 1) / kProgressIntervalMs);
    const auto start = TaskRunner::Clock::now();
    if (report) send_progress(context, 0, steps, ms);
    for (long long step = 1; step <= steps; ++step) {
      auto deadline = start + std::chrono::milliseconds(ms * step / steps);
      if (!context.tasks.sleep_until(ticket, deadline)) return;
      if (report) send_progress(context, step, steps, ms);
    }
    if (context.tasks.is_cancelled(ticket)) return;
    ToolResult result = text_result("slept " + std::to_string(ms) + " ms");
    context.output.result(context.id,
                          [&](JsonWriter& writer) { write_tool_result(writer, result); });
  });
  return std::nullopt;
}

ToolReply tool_crash(const rapidjson::Value& args, const CallContext& context) {
  auto code = find_member(args, "code") ? get_integer(args, "code") : 1;
  auto delay_ms = find_member(args, "delayMs") ? get_integer(args, "delayMs") : 0;
  if (!code || *code < 0 || *code > 255) {
    return error_result("crash: argument 'code' must be an integer in [0, 255]");
  }
  if (!delay_ms || *delay_ms < 0 || *delay_ms > kMaxSleepMs) {
    return error_result("crash: argument 'delayMs' must be an integer in [0, " +
                        std::to_string(kMaxSleepMs) + "]");
  }
  const int status = static_cast<int>(*code);
  auto die = [&output = context.output, status] {
    output.log("mcp-test-server: crash tool called, exiting with status " + std::to_string(status));
    output.exit_now(status);
  };
  if (*delay_ms == 0) die();
  const auto deadline = TaskRunner::Clock::now() + std::chrono::milliseconds(*delay_ms);
  context.tasks.start(context.id, [context, deadline, die](const TaskRunner::Ticket& ticket) {
    if (context.tasks.sleep_until(ticket, deadline)) die();
  });
  return std::nullopt;
}

ToolReply tool_large(const rapidjson::Value& args, const CallContext&) {
  auto bytes = get_integer(args, "bytes");
  if (!bytes || *bytes < 0 || *bytes > kMaxLargeBytes) {
    return error_result("large: argument 'bytes' must be an integer in [0, " +
                        std::to_string(kMaxLargeBytes) + "]");
  }
  return text_result(std::string(static_cast<std::size_t>(*bytes), 'x'));
}

ToolReply tool_log_stderr(const rapidjson::Value& args, const CallContext& context) {
  auto text = get_string(args, "text");
  if (!text) return error_result("log_stderr: argument 'text' must be a string");
  context.output.log(*text);
  return text_result("logged");
}

ToolReply tool_fail(const rapidjson::Value& args, const CallContext&) {
  return error_result(get_string(args, "message").value_or("failure requested"));
}

ToolReply tool_whoami(const rapidjson::Value&, const CallContext&) {
  return text_result(std::to_string(getpid()));
}

ToolReply tool_alloc(const rapidjson::Value& args, const CallContext&) {
  auto mb = get_integer(args, "mb");
  if (!mb || *mb < 1) return error_result("alloc: argument 'mb' must be a positive integer");
  // Kept for the life of the process, and written to so that the pages count as resident.
  static std::vector<std::unique_ptr<char[]>> hoard;
  const std::size_t bytes = static_cast<std::size_t>(*mb) << 20;
  hoard.emplace_back(new char[bytes]);
  std::memset(hoard.back().get(), 0x5a, bytes);
  return text_result("allocated " + std::to_string(*mb) + " MB");
}

ToolReply tool_hang(const rapidjson::Value&, const CallContext&) {
  // Blocks the thread that reads stdin: requests, pings and EOF go unnoticed from now on.
  for (;;) pause();
}

ToolReply tool_env(const rapidjson::Value& args, const CallContext&) {
  auto name = get_string(args, "name");
  if (!name) return error_result("env: argument 'name' must be a string");
  const char* value = std::getenv(name->c_str());
  return text_result(value == nullptr ? "" : to_valid_utf8(value));
}

ToolReply tool_cwd(const rapidjson::Value&, const CallContext&) {
  std::string path(PATH_MAX, '\0');
  if (getcwd(path.data(), path.size()) == nullptr) {
    return error_result(std::string("cwd: getcwd failed: ") + std::strerror(errno));
  }
  path.resize(std::strlen(path.c_str()));
  return text_result(to_valid_utf8(path));
}

ToolReply tool_spawn_child(const rapidjson::Value&, const CallContext&) {
  const pid_t pid = fork();
  if (pid < 0)
    return error_result(std::string("spawn_child: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // The parent is multithreaded, so only async-signal-safe calls from here on. The child stays
    // in our process group on purpose, but drops our pipes so that it cannot keep the gateway's
    // stdio open after the server itself has died.
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    for (;;) pause();
  }
  return text_result(std::to_string(pid));
}

ToolReply tool_garbage(const rapidjson::Value& args, const CallContext& context) {
  auto lines = find_member(args, "lines") ? get_integer(args, "lines") : 16;
  if (!lines || *lines < 1 || *lines > kMaxGarbageLines) {
    return error_result("garbage: argument 'lines' must be an integer in [1, " +
                        std::to_string(kMaxGarbageLines) + "]");
  }
  constexpr std::size_t kinds = sizeof kGarbageLines / sizeof kGarbageLines[0];
  std::vector<std::string> out;
  for (long long i = 0; i < *lines; ++i) out.emplace_back(kGarbageLines[i % kinds]);
  context.output.raw_lines(out);
  return text_result("wrote " + std::to_string(*lines) + " garbage lines");
}

ToolReply tool_flood(const rapidjson::Value& args, const CallContext& context) {
  auto bytes = get_integer(args, "bytes");
  if (!bytes || *bytes < 1 || *bytes > kMaxLargeBytes) {
    return error_result("flood: argument 'bytes' must be an integer in [1, " +
                        std::to_string(kMaxLargeBytes) + "]");
  }
  context.output.filler_line(static_cast<std::size_t>(*bytes), 'x');
  return text_result("flooded " + std::to_string(*bytes) + " bytes");
}

}  // namespace testserver
