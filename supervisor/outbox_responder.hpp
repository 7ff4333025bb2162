// Answers one HTTP exchange from an Outbox the router fills. Two shapes:
//   reply:  a POST's answer. One final frame that comes alone is sent as plain JSON (or as the
//           bare status it carries); anything else (progress first, or nothing within the reply
//           window) turns the response into an SSE stream that ends with the final frame.
//   stream: an SSE stream from the start (GET /sse, GET /mcp) that lasts as long as the outbox.
// Frames are taken only when the socket has written the previous ones, so a slow client leaves
// them in its bounded outbox, which overflows and disconnects it rather than growing us.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/http_request.hpp"
#include "supervisor/http_connection.hpp"
#include "supervisor/outbox.hpp"

namespace mcp::supervisor {

class HttpFront;

struct ResponderOptions {
  enum class Shape { reply, stream };
  Shape shape = Shape::reply;
  std::string prelude;                // stream: written first (the legacy "endpoint" event)
  std::vector<http::Header> headers;  // on the response, JSON or SSE
  bool holds_stream_slot = false;     // the caller acquired the front's stream slot for us
  // Runs if the client goes away before the final frame was written.
  std::function<void()> on_abandon;
  // Runs once when the response has ended, however it ended.
  std::function<void()> on_end;
};

class OutboxResponder : public std::enable_shared_from_this<OutboxResponder> {
 public:
  // Starts answering; the exchange keeps the responder alive until the response ends.
  static void start(HttpFront& front, const std::shared_ptr<HttpExchange>& exchange,
                    std::shared_ptr<Outbox> outbox, ResponderOptions options,
                    std::vector<Frame> pending = {});

  OutboxResponder(HttpFront& front, const std::shared_ptr<HttpExchange>& exchange,
                  std::shared_ptr<Outbox> outbox, ResponderOptions options,
                  std::vector<Frame> pending);
  ~OutboxResponder();

  // Called by the front about once a second: the keepalive comment, the reply window.
  void tick(std::chrono::steady_clock::time_point now);
  // The front is stopping: write what is queued and end.
  void shut_down();
  // True for the stream shape (GET /sse, GET /mcp): open until someone ends it.
  bool is_stream() const { return options_.shape == ResponderOptions::Shape::stream; }
  // The request being answered; null once the client is gone.
  const http::Request* request() const;
  // Ends the response now, dropping what is queued (a reload revoked the client's token).
  void end_now() { end(); }

 private:
  using Clock = std::chrono::steady_clock;
  void schedule_pump();
  void pump();
  // reply shape, before any frame was sent: JSON if it can be, else the start of a stream.
  void decide();
  bool start_stream();
  void write_frames(std::vector<Frame>& frames);
  void end();
  void on_gone();

  HttpFront& front_;
  std::weak_ptr<HttpExchange> exchange_;
  std::shared_ptr<Outbox> outbox_;
  ResponderOptions options_;
  std::vector<Frame> pending_;
  bool streaming_ = false;
  bool holds_stream_slot_ = false;
  bool delivered_ = false;  // the final frame went out
  bool ended_ = false;
  bool pump_scheduled_ = false;
  Clock::time_point reply_deadline_;
  Clock::time_point last_write_;
};

}  // namespace mcp::supervisor
