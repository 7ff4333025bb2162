// Wires the supervisor's parts together on one event loop and runs until a signal stops it.
#pragma once

#include "common/config.hpp"
#include "supervisor/cli.hpp"

namespace mcp::supervisor {

// Returns the process exit code.
int run_gateway(const RunCommand& command, Config config);

}  // namespace mcp::supervisor
