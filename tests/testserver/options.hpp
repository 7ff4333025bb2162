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
};

// Exits the process (status 2) on invalid usage, status 0 for --help.
Options parse_options(int argc, char** argv);

}  // namespace testserver
