// The client side of MCP's legacy HTTP+SSE transport (specification 2024-11-05,
// basic/transports): a GET opens an SSE stream whose first event, "endpoint", names the URL to
// POST messages to; every message from the server, answers included, comes on that stream.
// The stream is the session: when it ends, the session is over and is reported lost, and the
// supervisor's restart of the worker opens a new one.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "worker/remote_message.hpp"
#include "worker/remote_transport.hpp"
#include "worker/remote_url.hpp"

namespace mcp::worker {

class SseClient final : public RemoteTransport {
 public:
  // how_chosen: said in failures before the session opened, e.g. why auto fell back to SSE.
  SseClient(HttpUrl url, HeaderList headers, TransportHooks hooks, std::string server_name,
            std::string how_chosen = {});

  // Opens the stream; messages sent before the endpoint event are held until it comes.
  void start();
  void send(std::string message) override;
  void on_http_event(const HttpEvent& e) override;
  void close(std::function<void()> done) override;

 private:
  struct Post {
    std::string method;
    std::string request_id;  // JSON text; empty for notifications and responses
    OutgoingMessage::Origin origin = OutgoingMessage::Origin::other;
  };
  enum class Phase { connecting, open, closed };

  void on_stream_event(const HttpEvent& e);
  void on_endpoint(std::string_view ref);
  void post(std::string message);
  void on_post_done(const Post& p, const HttpEvent& e);
  void lose(int exit_code, std::string reason);

  HttpUrl url_;
  HeaderList headers_;
  TransportHooks hooks_;
  std::string name_;
  std::string how_chosen_;
  Phase phase_ = Phase::connecting;
  std::uint64_t stream_tag_ = 0;
  std::optional<HttpUrl> endpoint_;
  std::deque<std::string> held_;
  std::map<std::uint64_t, Post> posts_;
};

}  // namespace mcp::worker
