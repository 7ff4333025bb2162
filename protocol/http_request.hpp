// HTTP/1.1 requests as a server receives them (RFC 9112): an incremental parser in the shape of
// Asio's request_parser (fed bytes, it answers need-more, complete or error, and how much it
// used), and the parsed request. Pure: no I/O, no logging.
//
// What it accepts, and why it refuses the rest:
//   - HTTP/1.0 and HTTP/1.1; any other version gets 505.
//   - A body framed by Content-Length or by chunked Transfer-Encoding. Both at once is the
//     request-smuggling shape (RFC 9112 section 6.3) and gets 400; another transfer coding 501.
//   - Limits: a request line over max_request_line_bytes gets 414; a header line over
//     max_header_line_bytes, more than max_header_count headers or more than max_header_bytes
//     of them get 431 (RFC 6585); a body over max_body_bytes gets 413, refused from its
//     Content-Length before any of it is read.
//   - Obsolete line folding (a header line starting with whitespace) and whitespace before a
//     header's colon get 400 (RFC 9112 section 5).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;
  std::string target;     // as sent: path and query
  int minor_version = 1;  // HTTP/1.<minor_version>
  std::vector<Header> headers;
  std::string body;

  std::string_view path() const;
  // The first header of that name (names compare case-insensitively), or nullptr.
  const std::string* header(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name) != nullptr; }
  std::string header_value(std::string_view name) const;
  // A query parameter, percent-decoded; empty when absent.
  std::string query_param(std::string_view name) const;
  // Whether the connection may carry another request after this one (RFC 9112 section 9.3).
  bool keep_alive() const;
  bool expects_continue() const;
};

struct Limits {
  std::size_t max_request_line_bytes = 8192;
  std::size_t max_header_line_bytes = 8192;
  std::size_t max_header_count = 100;
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 8u << 20;
};

struct ParseError {
  int status = 400;  // what to answer with
  std::string reason;
};

class RequestParser {
 public:
  enum class Result { need_more, complete, error };

  explicit RequestParser(Limits limits) : limits_(limits) {}

  // Consumes a prefix of data. After complete, request() holds the request and the bytes not
  // consumed belong to the next one; call reset() before feeding them. After error, error()
  // says why and the connection cannot be trusted any further.
  std::pair<Result, std::size_t> feed(std::string_view data);
  void reset();
  // New limits for the requests that follow; between requests only (after reset()).
  void set_limits(const Limits& limits) { limits_ = limits; }

  Request& request() { return request_; }
  const ParseError& error() const { return error_; }
  // True once the header block was read (the body may still be coming): the moment to answer
  // "Expect: 100-continue".
  bool headers_done() const { return state_ > State::headers && state_ != State::failed; }
  // True once any byte of the current request arrived.
  bool started() const { return started_; }
  const Limits& limits() const { return limits_; }

 private:
  enum class State {
    request_line,
    headers,
    body,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    done,
    failed
  };

  // Feeds bytes to a line-oriented state; a full line (without its CR LF) goes to on_line.
  bool take_line(std::string_view data, std::size_t& used, std::size_t max_line, int too_long,
                 std::string_view too_long_reason);
  bool on_line(std::string_view line);
  bool on_request_line(std::string_view line);
  bool on_header_line(std::string_view line);
  bool on_headers_end();
  bool on_chunk_size(std::string_view line);
  bool fail(int status, std::string reason);

  Limits limits_;
  State state_ = State::request_line;
  Request request_;
  ParseError error_;
  std::string line_;  // a line split across feeds
  std::size_t header_bytes_ = 0;
  std::size_t trailer_count_ = 0;
  std::size_t remaining_ = 0;  // of the body, or of the current chunk
  bool started_ = false;
};

}  // namespace mcp::http
