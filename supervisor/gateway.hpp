// The supervisor's parts on one event loop: router, worker pool, HTTP front, config watcher,
// systemd notifications. Runs until SIGTERM or SIGINT; SIGHUP and edits of the config file
// reload it.
#pragma once

#include "common/config.hpp"
#include "supervisor/cli.hpp"

namespace mcp::supervisor {

// Returns the process exit code.
int run_gateway(const RunCommand& command, Config config);

}  // namespace mcp::supervisor
