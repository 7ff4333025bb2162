// The watchdog's look at the front from outside: GET /health over a real TCP connection,
// within a time budget. A plain socket rather than an HTTP client library: it runs on the
// watchdog thread every few seconds, and a library would put its own start-up cost (OpenSSL's
// initialisation, megabytes of it) into a process that otherwise has no use for it.
#pragma once

#include <chrono>
#include <string>

namespace mcp::supervisor {

// True when host:port answered "GET /health" with status 200 within budget.
bool probe_health(const std::string& host, int port, std::chrono::milliseconds budget);

}  // namespace mcp::supervisor
