#include "supervisor/cli.hpp"

#include "build_config.hpp"

namespace mcp::supervisor {

namespace {

const char* usage_text =
    "Usage:\n"
    "  mcproxy --config PATH [--listen HOST:PORT] [--log] [--log-level LEVEL]\n"
    "  mcproxy check-config PATH\n"
    "  mcproxy --version | --help\n"
    "\n"
    "One endpoint for many MCP servers: each server in the config runs in its own worker\n"
    "process; clients connect over legacy SSE (GET /sse) or Streamable HTTP (/mcp).\n"
    "\n"
    "Options:\n"
    "  --config PATH        mcp-servers.json ({\"mcpServers\": {...}}, Claude Desktop's format)\n"
    "                       default: /etc/mcproxy/mcp-servers.json\n"
    "  --listen HOST:PORT   where to serve; default: the config's mcproxy.listen, else "
    "127.0.0.1:12009\n"
    "  --log                human-readable log lines on stderr\n"
    "  --journal            structured entries in the systemd journal (the default when\n"
    "                       stderr is the journal, i.e. under systemd)\n"
    "  --log-level LEVEL    debug, info, notice, warning, error (default: info)\n"
    "\n"
    "Endpoints: GET /sse + POST /messages, POST/GET/DELETE /mcp, GET /health, GET /status\n";

}  // namespace

Command parse_command_line(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "check-config") {
    if (args.size() != 2) return UsageError{"check-config takes exactly one PATH"};
    return CheckConfigCommand{args[1]};
  }
  RunCommand run;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--help" || a == "-h") return PrintCommand{usage_text};
    if (a == "--version" || a == "-V")
      return PrintCommand{std::string("mcproxy ") + MCPROXY_VERSION + "\n"};
    if (a == "--log") {
      run.log_to_stderr = true;
    } else if (a == "--journal") {
      run.log_to_journal = true;
    } else if (a == "--config" || a == "-c") {
      auto v = value();
      if (!v) return UsageError{"--config needs a PATH"};
      run.config_path = *v;
    } else if (a == "--listen" || a == "-l") {
      auto v = value();
      if (!v || !parse_listen(*v))
        return UsageError{"--listen needs HOST:PORT, e.g. 127.0.0.1:12009"};
      run.listen = *v;
    } else if (a == "--log-level") {
      auto v = value();
      auto level = v ? log::parse_level(*v) : std::nullopt;
      if (!level) return UsageError{"--log-level needs one of debug, info, notice, warning, error"};
      run.log_level = *level;
    } else {
      return UsageError{"unknown argument '" + a + "' (see mcproxy --help)"};
    }
  }
  return run;
}

}  // namespace mcp::supervisor
