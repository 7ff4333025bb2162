// An MCP session over the legacy HTTP+SSE transport (protocol revision 2024-11-05,
// basic/transports): GET the SSE URL and keep the stream open; its first "endpoint" event names
// the URL (relative or absolute) to POST messages to. POSTs go on a second keep-alive connection
// and are answered 202 (or 200) with no content that matters; each JSON-RPC response arrives as
// a "message" event on the stream and is matched by id.
#pragma once

#include <optional>
#include <string>

#include "http_connection.hpp"
#include "protocol/sse.hpp"
#include "session.hpp"

namespace raw_client {

class SseSession final : public Session {
 public:
  // Connects and sends the GET.
  SseSession(Url sse_url, std::string tool);

  void add_pollfds(std::vector<pollfd>& fds) const override;
  void on_poll(const pollfd* fds) override;
  void start_close() override;
  int tcp_connections() const override;

 private:
  enum class Step { endpoint, initialize, initialized, ready };

  void send_call(const std::string& request) override;
  void post(std::string_view body);
  void on_stream(HttpConnection::Progress progress);
  void on_event(const mcp::sse::Event& e);
  void on_post(HttpConnection::Progress progress);
  void advance();
  void on_failure(const std::string& why);
  void on_timeout();

  HttpConnection stream_;
  std::optional<HttpConnection> post_;  // once the endpoint is known
  mcp::sse::Decoder events_;
  bool stream_open_ = false;  // the GET was answered 200 text/event-stream
  Step step_ = Step::endpoint;
  bool posted_ = false;    // the POST in flight was answered 2xx
  bool answered_ = false;  // the response to call_id_ came on the stream, into answer_
  std::string answer_;
  std::int64_t answer_ns_ = 0;
};

}  // namespace raw_client
