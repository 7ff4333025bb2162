#include "options.hpp"

#include <cstdlib>
#include <string_view>

#include "http_connection.hpp"

namespace raw_client {

const char* const usage =
    "usage: mcp-raw-latency stdio [--calls N] [--warmup W] [--tool NAME] -- CMD ARGS...\n"
    "       mcp-raw-latency http --url http://HOST:PORT/mcp [--tool NAME] [--calls N] "
    "[--warmup W]\n"
    "       mcp-raw-latency sse --url http://HOST:PORT/sse [--tool NAME] [--calls N] "
    "[--warmup W]\n"
    "  throughput instead of --calls: --sessions N --duration S [--warmup W (default 1)]\n"
    "  --url and --tool take comma-separated lists, used round-robin by the sessions; {i} in\n"
    "  them (and in stdio's CMD ARGS) is the session index, mod M with --tools-mod M.\n";

namespace {

long integer_arg(const char* name, const char* value, long min, long max) {
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < min || v > max) {
    throw UsageError(std::string(name) + " must be an integer from " + std::to_string(min) +
                     " to " + std::to_string(max) + ", got " + value);
  }
  return v;
}

double seconds_arg(const char* name, const char* value) {
  char* end = nullptr;
  const double v = std::strtod(value, &end);
  if (*value == '\0' || *end != '\0' || !(v > 0) || v > 86'400) {
    throw UsageError(std::string(name) + " must be a number of seconds > 0, got " + value);
  }
  return v;
}

std::vector<std::string> split_commas(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (const std::string_view item = list.substr(0, comma); !item.empty()) out.emplace_back(item);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return out;
}

}  // namespace

std::string Options::for_session(const std::string& text, int index) const {
  const std::string value = std::to_string(tools_mod > 0 ? index % tools_mod : index);
  std::string out = text;
  for (std::size_t at = out.find("{i}"); at != std::string::npos; at = out.find("{i}", at)) {
    out.replace(at, 3, value);
    at += value.size();
  }
  return out;
}

std::string Options::url_for(int index) const {
  return for_session(urls[static_cast<std::size_t>(index) % urls.size()], index);
}

std::string Options::tool_for(int index) const {
  return for_session(tools[static_cast<std::size_t>(index) % tools.size()], index);
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) throw UsageError("missing mode");
  Options o;
  o.mode = argv[1];
  if (o.mode == "stdio") {
    o.transport = Transport::stdio;
  } else if (o.mode == "http") {
    o.transport = Transport::http;
  } else if (o.mode == "sse") {
    o.transport = Transport::sse;
  } else {
    throw UsageError("unknown mode " + o.mode);
  }
  bool calls_given = false;
  bool warmup_given = false;
  bool sessions_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") {
      o.command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (i + 1 >= argc) throw UsageError("missing value after " + std::string(a));
    const char* v = argv[++i];
    if (a == "--calls") {
      o.calls = static_cast<int>(integer_arg("--calls", v, 1, 100'000'000));
      calls_given = true;
    } else if (a == "--warmup") {
      o.warmup = static_cast<int>(integer_arg("--warmup", v, 0, 100'000'000));
      warmup_given = true;
    } else if (a == "--sessions") {
      o.sessions = static_cast<int>(integer_arg("--sessions", v, 1, 10'000));
      sessions_given = true;
    } else if (a == "--duration") {
      o.duration_s = seconds_arg("--duration", v);
    } else if (a == "--tools-mod") {
      o.tools_mod = static_cast<int>(integer_arg("--tools-mod", v, 1, 1'000'000));
    } else if (a == "--url") {
      o.urls = split_commas(v);
    } else if (a == "--tool") {
      o.tools = split_commas(v);
    } else {
      throw UsageError("unknown option " + std::string(a));
    }
  }
  if (o.throughput() && calls_given) throw UsageError("--calls and --duration exclude each other");
  if (sessions_given && !o.throughput()) throw UsageError("--sessions needs --duration");
  if (o.throughput() && !warmup_given) o.warmup = 1;
  if (o.tools.empty()) o.tools = {o.transport == Transport::stdio ? "echo" : "t0__echo"};
  if (o.transport == Transport::stdio) {
    if (o.command.empty()) throw UsageError("stdio needs -- CMD ARGS...");
    if (!o.urls.empty()) throw UsageError("stdio takes no --url");
  } else {
    if (o.urls.empty()) throw UsageError(o.mode + " needs --url");
    if (!o.command.empty()) throw UsageError(o.mode + " takes no command");
    for (int i = 0; i < static_cast<int>(o.urls.size()); ++i) {
      if (!parse_url(o.url_for(i))) {
        throw UsageError("--url must be http://HOST[:PORT]/PATH, got " + o.urls[i]);
      }
    }
  }
  return o;
}

}  // namespace raw_client
