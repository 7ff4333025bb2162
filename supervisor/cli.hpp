// The command line of mcproxy.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/listen_address.hpp"
#include "common/log.hpp"

namespace mcp::supervisor {

struct RunCommand {
  std::string config_path = "/etc/mcproxy/mcp-servers.json";
  std::string listen;           // HOST:PORT; empty: the config's, else 127.0.0.1:12009
  bool log_to_stderr = false;   // --log: human-readable stderr, even under systemd
  bool log_to_journal = false;  // --journal: the journal, even when stderr is not it
  log::Level log_level = log::Level::info;
};
struct CheckConfigCommand {
  std::string config_path;
};
struct PrintCommand {
  std::string text;  // --help, --version
};
struct UsageError {
  std::string message;
};

using Command = std::variant<RunCommand, CheckConfigCommand, PrintCommand, UsageError>;

Command parse_command_line(const std::vector<std::string>& args);

}  // namespace mcp::supervisor
