// mcp-raw-latency's command line.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace raw_client {

extern const char* const usage;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Transport { stdio, http, sse };

struct Options {
  std::string mode;  // "stdio", "http" or "sse", as given
  Transport transport = Transport::stdio;
  int calls = 2000;
  int warmup = 200;
  int sessions = 1;
  double duration_s = 0;  // > 0: a throughput run
  std::vector<std::string> urls;
  std::vector<std::string> tools;
  int tools_mod = 0;  // 0: {i} is the session index itself
  std::vector<std::string> command;

  bool throughput() const { return duration_s > 0; }
  // `text` with every "{i}" replaced by the session index (mod --tools-mod).
  std::string for_session(const std::string& text, int index) const;
  // Session i's URL and tool: each list round-robin, then {i} replaced.
  std::string url_for(int index) const;
  std::string tool_for(int index) const;
};

// Throws UsageError.
Options parse_options(int argc, char** argv);

}  // namespace raw_client
