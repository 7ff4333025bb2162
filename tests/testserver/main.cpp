// MCP test server: a small, scriptable stdio MCP server used by MCProxy's end-to-end tests and
// by the bundled default configuration. See README.md next to this file for its contract.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "json_io.hpp"
#include "options.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  // A vanished client must not kill us mid-write with SIGPIPE; stdin EOF ends the loop instead.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);

  testserver::Options options = testserver::parse_options(argc, argv);
  options.name = testserver::to_valid_utf8(options.name);
  if (options.stderr_banner) {
    std::fprintf(stderr, "%s\n", options.stderr_banner->c_str());
    std::fflush(stderr);
  }

  testserver::Server server(std::move(options));
  std::string line;
  while (std::getline(std::cin, line)) server.handle_line(line);
  server.finish();
  return 0;
}
