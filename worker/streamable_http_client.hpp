// The client side of MCP's Streamable HTTP transport (specification 2025-11-25,
// basic/transports): every message is POSTed to the server's one URL; a request's answer comes
// back as JSON or as an SSE stream that may carry other messages first; the server's own
// messages come on a GET stream opened after the handshake, when the server offers one.
// A modern server (2026-07-28) has no session and no GET stream: messages whose _meta carries
// a protocol version are POSTed at once with the request headers that revision requires, the
// worker's subscriptions/listen stream takes the place of the GET stream, and a cancelled
// request's exchange is broken off instead of a notification being sent.
//
// Session loss is not repaired here: an answer saying the session is unknown, or a server
// that cannot be reached, is reported as lost, the worker exits, and the supervisor's restart
// (with backoff) initializes a new session. That is the reconnect.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <string>

#include "worker/mcp_param_headers.hpp"
#include "worker/remote_message.hpp"
#include "worker/remote_transport.hpp"
#include "worker/remote_url.hpp"

namespace mcp::worker {

class StreamableHttpClient final : public RemoteTransport {
 public:
  // allowed: transport "auto"; a server that rejects the initialize POST with 400, 404 or
  // 405 is handed to on_legacy_only, per the specification's "Backwards Compatibility".
  enum class Fallback { allowed, refused };
  using LegacyOnlyHandler = std::function<void(std::string initialize_message, int status)>;

  StreamableHttpClient(asio::io_context& io, HttpUrl url, HeaderList headers, TransportHooks hooks,
                       Fallback fallback, LegacyOnlyHandler on_legacy_only, std::string server_name,
                       std::shared_ptr<const ToolHeaderParams> tool_header_params = nullptr);

  void send(std::string message) override;
  void on_http_event(const HttpEvent& e) override;
  void close(std::function<void()> done) override;

 private:
  struct Exchange {
    std::string method;
    std::string request_id;  // JSON text; empty for notifications and responses
    OutgoingMessage::Origin origin = OutgoingMessage::Origin::other;
    bool carried_session = false;
    bool answered = false;
  };
  enum class Phase { created, initializing, open, closed };

  std::uint64_t post(std::string message, const OutgoingMessage& info);
  std::uint64_t post_modern(std::string message, const OutgoingMessage& info);
  void abandon_request(const std::string& id_json);
  HeaderList request_headers(std::string_view accept) const;
  void on_post_head(std::uint64_t tag, const HttpEvent& e);
  void on_post_done(std::uint64_t tag, const Exchange& ex, const HttpEvent& e);
  void on_initialize_answer(std::string_view message);
  void open_get_stream();
  void on_get_event(const HttpEvent& e);
  void on_get_done(const HttpEvent& e);
  void schedule_reopen();
  void lose(int exit_code, std::string reason);

  HttpUrl url_;
  HeaderList headers_;
  TransportHooks hooks_;
  Fallback fallback_;
  LegacyOnlyHandler on_legacy_only_;
  std::string name_;
  Phase phase_ = Phase::created;
  std::string initialize_message_;
  std::string initialize_id_;
  std::uint64_t initialize_tag_ = 0;
  std::uint64_t initialized_tag_ = 0;  // notifications/initialized: the GET stream follows it
  std::string session_id_;
  std::string protocol_version_;
  // A modern server (2026-07-28): the version its requests carry; the transport then stays
  // in Phase::created (no session) and every request is a POST of its own.
  std::string modern_version_;
  std::shared_ptr<const ToolHeaderParams> tool_header_params_;
  std::deque<std::string> held_;  // sent while initialize was unanswered
  std::map<std::uint64_t, Exchange> exchanges_;
  // The GET stream.
  std::uint64_t get_tag_ = 0;
  bool get_stream_seen_ = false;  // opened at least once
  bool get_stream_refused_ = false;
  std::string last_event_id_;  // resumption (Last-Event-ID) after the stream broke
  std::chrono::milliseconds reopen_delay_;
  asio::steady_timer reopen_timer_;
  // close()
  std::uint64_t delete_tag_ = 0;
  std::function<void()> closed_;
};

}  // namespace mcp::worker
