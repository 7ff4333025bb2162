// The supervisor <-> worker channel.
//
// Transport: one AF_UNIX SOCK_STREAM socketpair per worker; the worker finds its end on fd 3.
// Framing: newline-delimited JSON-RPC 2.0, exactly MCP's stdio framing, so a worker is close to
// a pipe between the supervisor and its backend. Control messages use the reserved "mcproxy/"
// method prefix, which no MCP method uses.
//
// Supervisor -> worker
//   mcproxy/start      notification, always the first frame: {"name", "transport", "command",
//                      "args", "env" (object), "cwd", "url", "headers" (object),
//                      "initTimeoutMs", "maxMessageBytes", "memoryLimitMB", "pingIntervalMs",
//                      "pingTimeoutMs", "statusBoard", "statusSlot", and optionally
//                      "eraProbeTimeoutMs" (default 3000) and "era" ("auto" (default),
//                      "modern" or "legacy": skip the probe), and "fdSoftLimit" when the
//                      supervisor raised its own fd limit: the worker puts this soft limit back
//                      before it starts the backend (supervisor/fd_limit.hpp)}.
//                      "transport" is "stdio" (command, args, env, cwd) or, for a remote server
//                      (url, headers), "streamable-http", "sse" or "auto" (Streamable HTTP, else
//                      the legacy HTTP+SSE transport). Header values are sent as configured; the
//                      worker expands ${VAR} from its own environment (an undefined one: exit
//                      config) and never logs them. memoryLimitMB does not apply to remote
//                      servers.
//   mcproxy/shutdown   notification: stop the backend (SIGTERM to its process group, SIGKILL
//                      after a grace period) and exit 0.
//   mcproxy/probe      notification: a call timed out; ping the backend now and restart it if
//                      it does not answer within pingTimeoutMs.
//   anything else      an MCP message for the backend, passed through unchanged. Requests the
//                      supervisor forwards carry integer ids from the supervisor's own id space.
//
// Worker -> supervisor
//   mcproxy/backend_started {"pid"}: the backend process (and process group) exists. Not sent
//                      for remote servers, which have no process here.
//   mcproxy/ready      {"protocolVersion", "serverInfo", "capabilities", "instructions"?,
//                      "era", "tools", "prompts", "resources", "resourceTemplates"}: the
//                      backend answered initialize (or server/discover) and every page of
//                      every list it announced. "era" is "legacy" (initialize; protocolVersion
//                      is the negotiated one) or "modern" (2026-07-28 and later: stateless;
//                      protocolVersion is the one the worker selected from server/discover;
//                      capabilities, serverInfo and instructions are what discover said).
//   mcproxy/list_changed {"kind": "tools"|"prompts"|"resources"|"resourceTemplates",
//                      "items": [...]}: the backend said a list changed; this is the new list.
//   mcproxy/exiting    {"reason"}: sent just before the worker exits on its own.
//   anything else      an MCP message from the backend, unchanged: responses to supervisor ids,
//                      notifications, and requests the backend makes of the client.
//
// The worker's own requests to its backend (server/discover, initialize, list pages, pings,
// subscriptions/listen) use string ids starting with "mcproxy:"; their answers stay inside the
// worker. The supervisor's ids are integers, so the two id spaces cannot collide.
//
// Eras (specification 2026-07-28, basic/versioning). The worker decides once per backend
// process which era its backend speaks: it sends server/discover (with modern _meta) first; a
// DiscoverResult, or UnsupportedProtocolVersionError listing a modern version (then asked
// again with it), means modern; any other error, or no answer within eraProbeTimeoutMs, means
// legacy, and the worker falls back to initialize. Over HTTP the probe is a POST; a 4xx
// without a modern JSON-RPC error body means legacy. The supervisor sends the same frames to
// either; for a modern backend the worker translates:
//   - requests get params._meta protocolVersion, clientInfo (mcproxy) and clientCapabilities
//     ({sampling, elicitation, roots}) where they lack them; keys already there are the real
//     client's and stay. A request without a protocolVersion (a legacy client's) also gets the
//     logLevel of the last logging/setLevel;
//   - ping and logging/setLevel are answered {} by the worker; notifications/initialized and
//     notifications/roots/list_changed are dropped;
//   - resources/subscribe and resources/unsubscribe are answered {} by the worker and become
//     the resourceSubscriptions of the worker's subscriptions/listen request, which also opts
//     in to the list changes the backend's capabilities announce. Its list changes arrive as
//     for a legacy backend (mcproxy/list_changed follows); notifications/resources/updated is
//     relayed without the worker's subscription id; the acknowledgement stays in the worker;
//   - results pass unchanged, resultType "input_required" included;
//   - liveness pings are server/discover requests.
//
// A worker's life is its backend's life: when the backend exits the worker kills the backend's
// process group, reports why and exits; the supervisor restarts the pair with backoff. For a
// remote server the same holds for its session: when the server forgets it (HTTP 404), cannot
// be reached, or ends the SSE stream, the worker exits with backend_exited, and the restart
// initializes a new session.
#pragma once

#include <string_view>

namespace mcp::channel {

inline constexpr int worker_fd = 3;

namespace method {
inline constexpr std::string_view start = "mcproxy/start";
inline constexpr std::string_view shutdown = "mcproxy/shutdown";
inline constexpr std::string_view probe = "mcproxy/probe";
inline constexpr std::string_view backend_started = "mcproxy/backend_started";
inline constexpr std::string_view ready = "mcproxy/ready";
inline constexpr std::string_view list_changed = "mcproxy/list_changed";
inline constexpr std::string_view exiting = "mcproxy/exiting";
}  // namespace method

inline constexpr std::string_view worker_id_prefix = "mcproxy:";

// Worker exit codes (sysexits.h), which tell the supervisor what to do next.
namespace exit_code {
inline constexpr int shutdown = 0;         // asked to stop
inline constexpr int config = 78;          // EX_CONFIG: cannot ever work; do not respawn
inline constexpr int unavailable = 69;     // EX_UNAVAILABLE: backend did not start or initialize
inline constexpr int backend_exited = 70;  // EX_SOFTWARE: backend died or broke the protocol
inline constexpr int channel_lost = 71;    // the supervisor went away
}  // namespace exit_code

}  // namespace mcp::channel
