// mcproxy: the supervisor. Parses the command line, loads the config, runs the gateway.
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/log.hpp"
#include "supervisor/cli.hpp"
#include "supervisor/gateway.hpp"

namespace {

int check_config(const std::string& path) {
  auto result = mcp::load_config_file(path);
  if (auto* err = std::get_if<mcp::ConfigError>(&result)) {
    std::fprintf(stderr, "%s\n", err->message.c_str());
    return 1;
  }
  const auto& config = std::get<mcp::Config>(result);
  for (const auto& w : config.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::size_t enabled = 0;
  for (const auto& s : config.servers) enabled += !s.disabled;
  std::printf("%s: OK, %zu server(s), %zu enabled\n", path.c_str(), config.servers.size(), enabled);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // glibc gives each thread that allocates an arena of its own. We have two threads (the event
  // loop and the watchdog); the cap keeps it so if a library ever starts threads of its own.
  ::mallopt(M_ARENA_MAX, 2);
  // A fixed mmap threshold turns off glibc's dynamic one, which rises to the size of the
  // largest block freed (up to 32 MiB) and lets the heap keep twice that: after a few 12 MB
  // messages the supervisor held ~90 MB for good (tests/chaos). Blocks of 256 KiB and more
  // (only large messages) are now mmapped and given back when freed.
  ::mallopt(M_MMAP_THRESHOLD, 256 << 10);
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto command = mcp::supervisor::parse_command_line(args);
  if (auto* usage = std::get_if<mcp::supervisor::UsageError>(&command)) {
    std::fprintf(stderr, "mcproxy: %s\n", usage->message.c_str());
    return 64;  // EX_USAGE
  }
  if (auto* print = std::get_if<mcp::supervisor::PrintCommand>(&command)) {
    std::fputs(print->text.c_str(), stdout);
    return 0;
  }
  if (auto* check = std::get_if<mcp::supervisor::CheckConfigCommand>(&command)) {
    return check_config(check->config_path);
  }
  const auto& run = std::get<mcp::supervisor::RunCommand>(command);
  mcp::log::set_min_level(run.log_level);
  if (run.log_to_journal || (!run.log_to_stderr && mcp::log::stderr_is_journal())) {
    mcp::log::set_sink(mcp::log::Sink::journal);
  }
  auto loaded = mcp::load_config_file(run.config_path);
  if (auto* err = std::get_if<mcp::ConfigError>(&loaded)) {
    mcp::log::critical("cannot start: " + err->message);
    return 78;  // EX_CONFIG
  }
  auto& config = std::get<mcp::Config>(loaded);
  for (const auto& w : config.warnings) mcp::log::warning(w);
  return mcp::supervisor::run_gateway(run, std::move(config));
}
