#include "supervisor/http_connection.hpp"

#include <asio/write.hpp>
#include <ctime>

#include "common/shared_read_buffer.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp::supervisor {

namespace {

// How long a connection we are closing keeps reading (and dropping) what the client still
// sends. Closing a socket with unread data makes the kernel send RST, which can destroy our
// last response (a 413, say) before the client read it (RFC 9112 section 9.6).
constexpr auto linger_timeout = std::chrono::seconds(2);
// We close an idle connection this long after the time we announce. A client stops reusing a
// connection before the announced time (Node's fetch: a second before), but a client whose
// event loop is busy may send late; if we closed exactly on time, that POST would meet our FIN
// and fail, since a POST is not retried (docs/scaling.md, "Limits").
constexpr auto idle_close_grace = std::chrono::seconds(5);

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

// RFC 9110 section 6.6.1: an origin server with a clock sends Date. Formatted once a second.
const std::string& http_date() {
  static thread_local std::time_t cached_at = 0;
  static thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    cached_at = now;
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
  }
  return cached;
}

bool says_close(const std::vector<http::Header>& extra) {
  for (const auto& h : extra) {
    if (h.name == "Connection" && h.value == "close") return true;
  }
  return false;
}

}  // namespace

// ---- HttpExchange ----

HttpExchange::HttpExchange(std::shared_ptr<HttpConnection> connection, http::Request request)
    : connection_(std::move(connection)), request_(std::move(request)) {}

void HttpExchange::respond(int status, std::string body, std::string_view content_type,
                           const std::vector<http::Header>& extra) {
  if (state_ != State::waiting || gone_) return;
  state_ = State::finished;
  HttpConnection& c = *connection_;
  if (says_close(extra)) c.keep_alive_ = false;
  // 1xx, 204 and 304 have no body and no Content-Length (RFC 9110 section 8.6).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  const std::string length = std::to_string(body.size());
  std::string out = c.head(status, content_type, bodiless ? nullptr : &length, extra,
                           /*chunked=*/false, c.keep_alive_);
  if (!bodiless) out += body;
  c.send(out);
  c.response_ended(c.keep_alive_);
}

void HttpExchange::begin_stream(const std::vector<http::Header>& extra) {
  if (state_ != State::waiting || gone_) return;
  state_ = State::streaming;
  HttpConnection& c = *connection_;
  // HTTP/1.0 has no chunked coding: the stream's end is the connection's.
  if (request_.minor_version == 0) c.keep_alive_ = false;
  c.send(
      c.head(200, "text/event-stream", nullptr, extra, request_.minor_version >= 1, c.keep_alive_));
}

void HttpExchange::write(std::string_view data) {
  if (state_ != State::streaming || gone_ || data.empty()) return;
  HttpConnection& c = *connection_;
  if (request_.minor_version == 0) {
    c.send(data);
    return;
  }
  char size[24];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string chunk;
  chunk.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  chunk.append(size, static_cast<std::size_t>(n));
  chunk.append(data);
  chunk.append("\r\n");
  c.send(chunk);
}

void HttpExchange::end_stream() {
  if (state_ != State::streaming || gone_) return;
  state_ = State::finished;
  HttpConnection& c = *connection_;
  if (request_.minor_version >= 1) c.send("0\r\n\r\n");
  c.response_ended(c.keep_alive_);
}

bool HttpExchange::drained() const {
  if (gone_) return true;
  const HttpConnection& c = *connection_;
  return !c.write_in_flight_ && c.queued_.empty();
}

void HttpExchange::notify_gone() {
  if (state_ == State::finished || gone_) return;
  gone_ = true;
  on_drained_ = nullptr;
  on_shutdown_ = nullptr;
  auto fn = std::move(on_gone_);
  on_gone_ = nullptr;
  if (fn) fn();
}

void HttpExchange::notify_drained() {
  if (state_ != State::streaming || gone_ || !on_drained_) return;
  auto fn = on_drained_;  // a copy: the callback may replace or clear it
  fn();
}

void HttpExchange::notify_shutdown() {
  if (state_ == State::finished || gone_ || !on_shutdown_) return;
  auto fn = on_shutdown_;
  fn();
}

// ---- HttpConnection ----

HttpConnection::HttpConnection(asio::ip::tcp::socket socket, const ConnectionSettings& settings,
                               RequestHandler on_request, ClosedHandler on_closed)
    : socket_(std::move(socket)),
      settings_(settings),
      on_request_(std::move(on_request)),
      on_closed_(std::move(on_closed)),
      parser_(settings.limits) {}

void HttpConnection::start() {
  std::error_code ec;
  // Non-blocking, so a response can be written in place when the socket takes it whole
  // (almost always): no write operation, no completion to wait for.
  socket_.non_blocking(true, ec);
  // A response can go out as several writes (head, chunks); Nagle would hold the later ones
  // until the client's delayed ACK, 40 ms later.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  idle_since_ = Clock::now();
  read_more();
}

void HttpConnection::read_more() {
  if (reading_ || !open_) return;
  // While a response is pending, a pipelined request waits in input_; so much and no more.
  if (exchange_ && !lingering_ &&
      input_.size() > settings_.limits.max_body_bytes + settings_.limits.max_header_bytes)
    return;
  reading_ = true;
  // Wait for readability, then read into the thread's shared buffer: an idle connection or
  // an open stream holds no read buffer of its own.
  socket_.async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](const std::error_code& ec) { self->on_readable(ec); });
}

void HttpConnection::on_readable(const std::error_code& ec) {
  reading_ = false;
  if (!open_) return;
  const std::span<char> buffer = shared_read_buffer();
  std::error_code read_error = ec;
  std::size_t n = 0;
  if (!read_error) n = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), read_error);
  if (read_error == asio::error::would_block || read_error == asio::error::try_again) {
    read_more();
    return;
  }
  if (read_error) {
    // End of file or reset: the client is gone. HTTP clients do not half-close while they
    // wait for an answer, so a response still owed has nobody to go to (and a 2026-07-28
    // request is cancelled by exactly this: specification, basic/transports/streamable-http).
    close();
    return;
  }
  if (lingering_) {
    read_more();
    return;
  }
  input_.append(buffer.data(), n);
  if (!exchange_) process_input();
  read_more();
}

void HttpConnection::process_input() {
  if (processing_) return;  // a response ended inside a handler: the loop below goes on
  processing_ = true;
  while (open_ && !exchange_ && !closing_ && !input_.empty()) {
    if (!parser_.started()) request_started_ = Clock::now();
    const auto [result, used] = parser_.feed(input_);
    input_.erase(0, used);
    if (result == http::RequestParser::Result::error) {
      answer_parse_error(parser_.error());
      break;
    }
    if (result == http::RequestParser::Result::need_more) {
      if (parser_.headers_done() && !continue_sent_ && parser_.request().expects_continue()) {
        continue_sent_ = true;
        send("HTTP/1.1 100 Continue\r\n\r\n");
      }
      break;
    }
    http::Request request = std::move(parser_.request());
    parser_.reset();
    // A reload may have changed the body limit: the next request on this connection obeys it.
    parser_.set_limits(settings_.limits);
    continue_sent_ = false;
    keep_alive_ = request.keep_alive() && !closing_when_idle_;
    exchange_ = std::make_shared<HttpExchange>(shared_from_this(), std::move(request));
    on_request_(exchange_);
  }
  processing_ = false;
}

void HttpConnection::answer_parse_error(const http::ParseError& error) {
  // The framing of what follows is unknown: answer and close.
  keep_alive_ = false;
  const std::string body =
      jsonrpc::error_response("null", jsonrpc::code::invalid_request,
                              std::string(reason_phrase(error.status)) + ": " + error.reason);
  const std::string length = std::to_string(body.size());
  send(head(error.status, json_content_type, &length, {}, false, false) + body);
  response_ended(false);
}

std::string HttpConnection::head(int status, std::string_view content_type,
                                 const std::string* length, const std::vector<http::Header>& extra,
                                 bool chunked, bool keep_alive) const {
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nDate: ";
  out += http_date();
  if (length != nullptr || chunked || content_type == "text/event-stream") {
    out += "\r\nContent-Type: ";
    out += content_type;
  }
  if (length != nullptr) {
    out += "\r\nContent-Length: ";
    out += *length;
  }
  if (chunked) out += "\r\nTransfer-Encoding: chunked";
  for (const auto& h : extra) {
    if (h.name == "Connection") continue;  // ours to say, below
    out += "\r\n";
    out += h.name;
    out += ": ";
    out += h.value;
  }
  if (keep_alive) {
    out += "\r\nKeep-Alive: timeout=";
    out += std::to_string(settings_.idle_timeout.count());
  } else {
    out += "\r\nConnection: close";
  }
  out += "\r\n\r\n";
  return out;
}

void HttpConnection::send(std::string_view data) {
  if (!open_ || data.empty()) return;
  if (!write_in_flight_ && queued_.empty()) {
    std::error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      close();
      return;
    }
    if (!ec && n == data.size()) return;
    data.remove_prefix(ec ? 0 : n);
  }
  queued_.append(data);
  flush();
}

void HttpConnection::flush() {
  if (write_in_flight_ || queued_.empty() || !open_) return;
  writing_.swap(queued_);
  queued_.clear();
  write_in_flight_ = true;
  write_started_ = Clock::now();
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                      self->on_written(ec, n);
                    });
}

void HttpConnection::on_written(const std::error_code& ec, std::size_t) {
  write_in_flight_ = false;
  writing_.clear();
  if (!open_) return;
  if (ec) {
    close();
    return;
  }
  if (!queued_.empty()) {
    flush();
    return;
  }
  if (closing_) {
    begin_linger();
    return;
  }
  if (exchange_) exchange_->notify_drained();
}

void HttpConnection::response_ended(bool keep_alive) {
  exchange_.reset();
  idle_since_ = Clock::now();
  if (!keep_alive || closing_when_idle_) {
    closing_ = true;
    if (!write_in_flight_ && queued_.empty()) begin_linger();
    return;
  }
  process_input();
  read_more();
}

void HttpConnection::begin_linger() {
  if (lingering_ || !open_) return;
  lingering_ = true;
  linger_since_ = Clock::now();
  input_.clear();
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    close();
    return;
  }
  read_more();  // until the client's EOF, or linger_timeout
}

void HttpConnection::close() {
  if (!open_) return;
  auto self = shared_from_this();  // on_closed_ may drop the front's reference
  open_ = false;
  std::error_code ec;
  socket_.close(ec);
  if (auto exchange = std::move(exchange_)) exchange->notify_gone();
  on_closed_(this);
}

void HttpConnection::close_when_idle() {
  closing_when_idle_ = true;
  keep_alive_ = false;
  if (exchange_) {
    exchange_->notify_shutdown();
    return;
  }
  closing_ = true;
  if (!write_in_flight_ && queued_.empty()) begin_linger();
}

void HttpConnection::check_timeouts(Clock::time_point now) {
  if (!open_) return;
  if (lingering_) {
    if (now - linger_since_ > linger_timeout) close();
    return;
  }
  if (write_in_flight_ && now - write_started_ > settings_.write_timeout) {
    close();
    return;
  }
  if (exchange_ || closing_) return;
  if (parser_.started()) {
    if (now - request_started_ > settings_.request_timeout)
      answer_parse_error({408, "the request did not arrive in time"});
  } else if (now - idle_since_ > settings_.idle_timeout + idle_close_grace) {
    close();
  }
}

}  // namespace mcp::supervisor
