#include "options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace testserver {
namespace {

constexpr const char* kUsage =
    "usage: mcp-test-server [options]\n"
    "MCP test server speaking newline-delimited JSON-RPC on stdin/stdout.\n"
    "  --name NAME            serverInfo.name and text of test://static/info\n"
    "  --page-size N          paginate list results, N items per page\n"
    "  --tools N              add tools gen_0 .. gen_{N-1}\n"
    "  --long-names           add an 80-character tool name and 'dotted.name'\n"
    "  --exit-during-init     exit with status 3 on initialize, without answering\n"
    "  --stderr-banner TEXT   print TEXT to stderr at startup\n"
    "  --fault-tools          add the fault-injection tools 'garbage' and 'flood'\n"
    "  --protocol-tools       add the protocol-feature tools (ask_client, emit_log, ...)\n"
    "  --protocol-version V   answer initialize with revision V whatever the client asks\n"
    "  --resource-scheme S    resource URIs start with S:// instead of test://\n"
    "  --help                 show this help\n";

[[noreturn]] void usage_error(std::string_view message) {
  std::fprintf(stderr, "mcp-test-server: %.*s\n%s", static_cast<int>(message.size()),
               message.data(), kUsage);
  std::exit(2);
}

std::size_t parse_count(std::string_view flag, std::string_view text, std::size_t min,
                        std::size_t max) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    usage_error(std::string(flag) + " expects an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    auto no_value = [&] {
      if (inline_value) usage_error(std::string(arg) + " takes no value");
    };

    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--name") {
      options.name = value();
    } else if (arg == "--page-size") {
      options.page_size = parse_count(arg, value(), 1, 1'000'000);
    } else if (arg == "--tools") {
      options.generated_tools = parse_count(arg, value(), 0, 100'000);
    } else if (arg == "--long-names") {
      no_value();
      options.long_names = true;
    } else if (arg == "--exit-during-init") {
      no_value();
      options.exit_during_init = true;
    } else if (arg == "--fault-tools") {
      no_value();
      options.fault_tools = true;
    } else if (arg == "--protocol-tools") {
      no_value();
      options.protocol_tools = true;
    } else if (arg == "--protocol-version") {
      options.protocol_version = std::string(value());
    } else if (arg == "--resource-scheme") {
      options.resource_scheme = std::string(value());
      if (options.resource_scheme.empty() ||
          options.resource_scheme.find_first_of(":/{}") != std::string::npos) {
        usage_error("--resource-scheme expects a URI scheme such as 'test-a'");
      }
    } else if (arg == "--stderr-banner") {
      options.stderr_banner = std::string(value());
    } else {
      usage_error("unknown option '" + std::string(arg) + "'");
    }
  }
  return options;
}

}  // namespace testserver
