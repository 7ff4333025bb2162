// The two HTTP transports of a remote backend (StreamableHttpClient, SseClient) behind one
// face, and what they need from RemoteBackend. Both live on the worker's loop; their HTTP
// exchanges run on HttpLanes and come back as HttpEvents tagged with the exchange.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "worker/http_lane.hpp"

namespace mcp::worker {

// Which lane an exchange travels on. Clients' calls may take minutes and get several
// threads; the worker's own requests (handshake, lists, pings), notifications and responses
// share one thread, in order, so a busy backend is still pinged on time; the stream lane
// holds the long-lived GET.
enum class LaneKind { control, calls, stream };

struct TransportHooks {
  std::function<std::uint64_t(LaneKind, HttpRequest)> submit;  // returns the exchange's tag
  std::function<void(std::uint64_t tag)> cancel;  // breaks an exchange off; no event follows
  std::function<void(std::string_view message)> on_message;
  std::function<void(std::string_view line)> on_diagnostic;
  // The session is gone or cannot be had; the worker exits with code.
  std::function<void(int exit_code, std::string reason)> on_lost;
};

class RemoteTransport {
 public:
  virtual ~RemoteTransport() = default;
  // One JSON-RPC message for the server.
  virtual void send(std::string message) = 0;
  // An event of one of this transport's exchanges; events of unknown tags are ignored.
  virtual void on_http_event(const HttpEvent& e) = 0;
  // Ends the session, politely where the transport has a way to; done runs once after that
  // (at once when there is nothing to say). Nothing is reported after close().
  virtual void close(std::function<void()> done) = 0;
};

}  // namespace mcp::worker
