#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace testserver {

struct Options {
  std::string name = "mcp-test-server";
  // 0 means "no paging": every list comes back as one page.
  std::size_t page_size = 0;
  std::size_t generated_tools = 0;
  bool long_names = false;
  bool exit_during_init = false;
  // Adds the fault-injection tools (garbage, flood); off so that the default list stays as is.
  bool fault_tools = false;
  std::optional<std::string> stderr_banner;
  // Adds the protocol-feature tools (protocol_tools.hpp) and completions for the item template;
  // off so that the default lists stay as they are.
  bool protocol_tools = false;
  // Answers initialize with this revision whatever the client asks (an old server).
  std::optional<std::string> protocol_version;
  // The scheme of every resource URI and template ("test" gives test://static/hello).
  std::string resource_scheme = "test";
};

// Exits the process (status 2) on invalid usage, status 0 for --help.
Options parse_options(int argc, char** argv);

}  // namespace testserver
