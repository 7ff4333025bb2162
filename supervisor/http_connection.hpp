// One client's TCP connection, served on the event loop: requests are read with
// http::RequestParser and handed to the front one at a time as HttpExchanges; each response is
// written whole or streamed (SSE). Nothing here blocks or owns a thread: an idle keep-alive
// connection or an open SSE stream costs a socket and a few hundred bytes (design.md, "Threads").
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/http_request.hpp"

namespace mcp::supervisor {

class HttpConnection;

// The front's JSON replies say their charset: "application/json; charset=utf-8" (RFC 8259
// section 11 allows the parameter; a few clients look for it).
inline constexpr const char* json_content_type = "application/json; charset=utf-8";

struct ConnectionSettings {
  http::Limits limits;
  // Between requests on a kept-alive connection; announced in the Keep-Alive header. An idle
  // connection costs us only a socket now, but clients pool them: Node's fetch keeps one for
  // the announced time minus a second, and a client that made 50 concurrent calls would hold
  // 50 fds here for that long. 5 s is Node's own server default. Above 2 s, or fetch would not
  // reuse the connection at all.
  std::chrono::seconds idle_timeout{5};
  // To receive a whole request once its first byte arrived (slow senders hold a socket).
  std::chrono::seconds request_timeout{30};
  // A response write that makes no progress this long ends the connection.
  std::chrono::seconds write_timeout{30};
};

// One request and its response. The front's handlers keep it while they work; every method is
// harmless after the client is gone.
class HttpExchange {
 public:
  HttpExchange(std::shared_ptr<HttpConnection> connection, http::Request request);

  const http::Request& request() const { return request_; }

  // The whole response. extra headers come after Content-Type and Content-Length.
  void respond(int status, std::string body = {}, std::string_view content_type = "text/plain",
               const std::vector<http::Header>& extra = {});
  // Starts a 200 text/event-stream response; its body goes out with write() as it is made.
  void begin_stream(const std::vector<http::Header>& extra = {});
  void write(std::string_view data);
  // The end of a streamed body.
  void end_stream();

  // True while nothing written is still waiting for the socket: the time to produce more.
  bool drained() const;
  // Runs (on the loop) each time the socket took everything written so far.
  void on_drained(std::function<void()> fn) { on_drained_ = std::move(fn); }
  // Runs once if the client goes away, or the connection ends, before the response ended.
  void on_gone(std::function<void()> fn) { on_gone_ = std::move(fn); }
  bool gone() const { return gone_; }
  bool responded() const { return state_ != State::waiting; }
  // The front is stopping: the response should end as soon as it can.
  void on_shutdown(std::function<void()> fn) { on_shutdown_ = std::move(fn); }
  // Whatever answers this exchange lives as long as it does.
  void attach(std::shared_ptr<void> owner) { attachment_ = std::move(owner); }

 private:
  friend class HttpConnection;
  enum class State { waiting, streaming, finished };
  void notify_gone();
  void notify_drained();
  void notify_shutdown();

  std::shared_ptr<HttpConnection> connection_;
  http::Request request_;
  State state_ = State::waiting;
  bool gone_ = false;
  std::function<void()> on_drained_;
  std::function<void()> on_gone_;
  std::function<void()> on_shutdown_;
  std::shared_ptr<void> attachment_;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using RequestHandler = std::function<void(const std::shared_ptr<HttpExchange>&)>;
  using ClosedHandler = std::function<void(HttpConnection*)>;

  HttpConnection(asio::ip::tcp::socket socket, const ConnectionSettings& settings,
                 RequestHandler on_request, ClosedHandler on_closed);

  void start();
  // Ends the connection now; a response in progress is cut and its exchange told.
  void close();
  // The front is stopping: an idle connection closes now, a busy one once its response ends.
  void close_when_idle();
  // Called by the front about once a second: enforces the idle, request and write timeouts.
  void check_timeouts(std::chrono::steady_clock::time_point now);

 private:
  friend class HttpExchange;
  using Clock = std::chrono::steady_clock;

  void read_more();
  void on_readable(const std::error_code& ec);
  // Parses what was received; dispatches a request once it is whole.
  void process_input();
  void answer_parse_error(const http::ParseError& error);
  // Queues bytes and starts writing them.
  void send(std::string_view data);
  void flush();
  void on_written(const std::error_code& ec, std::size_t n);
  // The exchange's response is complete: go on with the next request, or close.
  void response_ended(bool keep_alive);
  // Stops sending and reads what the client still sends until its EOF, then closes.
  void begin_linger();
  std::string head(int status, std::string_view content_type, const std::string* length,
                   const std::vector<http::Header>& extra, bool chunked, bool keep_alive) const;

  asio::ip::tcp::socket socket_;
  const ConnectionSettings& settings_;
  RequestHandler on_request_;
  ClosedHandler on_closed_;
  http::RequestParser parser_;
  std::string input_;  // received and not parsed yet
  bool reading_ = false;
  std::shared_ptr<HttpExchange> exchange_;  // the request being answered
  bool keep_alive_ = true;                  // of that request
  bool continue_sent_ = false;
  std::string writing_;  // handed to the socket
  std::string queued_;   // waiting for the write in flight
  bool write_in_flight_ = false;
  Clock::time_point write_started_{};
  Clock::time_point idle_since_{};
  Clock::time_point request_started_{};
  Clock::time_point linger_since_{};
  bool open_ = true;
  bool processing_ = false;  // inside process_input()
  bool closing_ = false;     // no more requests: close once the last response is written
  bool lingering_ = false;
  bool closing_when_idle_ = false;
};

}  // namespace mcp::supervisor
