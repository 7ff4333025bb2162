// An MCP session over Streamable HTTP (MCP basic/transports, "Streamable HTTP"): POST
// initialize on one keep-alive connection, take Mcp-Session-Id, then one POST per message. An
// answer is the JSON body or, in a text/event-stream body, the event carrying the response.
#pragma once

#include <string>

#include "http_connection.hpp"
#include "protocol/sse.hpp"
#include "session.hpp"

namespace raw_client {

class StreamableSession final : public Session {
 public:
  // Connects and sends initialize.
  StreamableSession(Url url, std::string tool);

  void add_pollfds(std::vector<pollfd>& fds) const override;
  void on_poll(const pollfd* fds) override;
  void start_close() override;
  int tcp_connections() const override { return conn_.connections(); }

 private:
  enum class Step { initialize, initialized, ready };

  void send_call(const std::string& request) override;
  bool post(std::string_view body);
  void scan_event_stream();
  void on_response();
  void on_failure(const std::string& why);

  HttpConnection conn_;
  Step step_ = Step::initialize;
  std::string session_id_;
  std::string version_;  // MCP-Protocol-Version: what initialize answered
  mcp::sse::Decoder events_;
  bool answered_ = false;  // the awaited answer is in answer_
  std::string answer_;
  std::int64_t answer_ns_ = 0;
};

}  // namespace raw_client
