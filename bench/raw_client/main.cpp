// mcp-raw-latency: MCP `tools/call echo` calls measured with a client that costs (almost)
// nothing, so that what remains is the server's or the gateway's own time.
//
//   mcp-raw-latency stdio --calls N --warmup W -- CMD ARGS...
//   mcp-raw-latency http --url http://127.0.0.1:PORT/mcp --tool t0__echo --calls N --warmup W
//   mcp-raw-latency sse --url http://127.0.0.1:PORT/sse --tool t0__echo --calls N --warmup W
//   ... --sessions 16 --duration 5 --tool 't{i}__echo' --tools-mod 10   (throughput)
//
// stdio: spawns CMD, speaks newline-delimited JSON-RPC on its stdin/stdout (stdio_session).
// http: Streamable HTTP on one keep-alive TCP_NODELAY connection (streamable_session).
// sse: the legacy HTTP+SSE transport, a GET stream plus a keep-alive POST connection
// (sse_session). Latency: sequential calls on one session, each timed with CLOCK_MONOTONIC from
// just before the request's write to just after its answer is complete. Throughput: N
// independent sessions (N backend processes for stdio), all driven by one poll() loop on one
// thread, each calling back-to-back until the deadline. Every answer is checked (its id, and
// the echoed text, unique per session and call). Prints one JSON line (measurement.hpp).
// Exit 0 on success; 1 with one stderr line on a failure (latency: any failed call; both: a
// session that cannot start); 2 on bad usage.

#include <signal.h>

#include <cstdio>
#include <memory>

#include "fd_io.hpp"
#include "http_connection.hpp"
#include "options.hpp"
#include "runs.hpp"
#include "sse_session.hpp"
#include "stdio_session.hpp"
#include "streamable_session.hpp"

namespace {

using raw_client::Options;
using raw_client::Session;
using raw_client::Transport;

std::unique_ptr<Session> make_session(const Options& o, int index) {
  const std::string tool = o.tool_for(index);
  switch (o.transport) {
    case Transport::stdio: {
      std::vector<std::string> argv;
      for (const auto& a : o.command) argv.push_back(o.for_session(a, index));
      return std::make_unique<raw_client::StdioSession>(argv, tool);
    }
    case Transport::http:
      return std::make_unique<raw_client::StreamableSession>(
          *raw_client::parse_url(o.url_for(index)), tool);
    case Transport::sse:
      return std::make_unique<raw_client::SseSession>(*raw_client::parse_url(o.url_for(index)),
                                                      tool);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  // A backend or server that goes away must be a clear error from write(), not a silent death.
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  try {
    o = raw_client::parse_options(argc, argv);
  } catch (const raw_client::UsageError& e) {
    std::fprintf(stderr, "mcp-raw-latency: %s\n%s", e.what(), raw_client::usage);
    return 2;
  }
  try {
    const auto factory = [&o](int index) { return make_session(o, index); };
    raw_client::Measurement m =
        o.throughput() ? raw_client::measure_throughput(factory, o.sessions, o.duration_s, o.warmup)
                       : raw_client::measure_latency(factory, o.calls, o.warmup);
    m.mode = o.mode;
    raw_client::print_report(std::move(m));
    return 0;
  } catch (const raw_client::Failure& e) {
    std::fprintf(stderr, "mcp-raw-latency %s: %s\n", o.mode.c_str(), e.what());
    return 1;
  }
}
