// An HTTP/1.1 response read incrementally (RFC 9112). Pure: bytes in, head and body out, no I/O.
// Shaped like Asio's request_parser: feed() consumes what it can and answers need-more, complete
// or bad. Interim 1xx responses are skipped (RFC 9110 section 15.2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace raw_client {

class HttpResponseParser {
 public:
  enum class Status { need_more, complete, bad };

  // Ready for the next response on a kept-alive connection.
  void reset();

  // Consumes bytes from the front of `in`: the head, then the body, whose decoded bytes are
  // appended to body(). Stops at the end of the response; what follows stays in `in`.
  Status feed(std::string& in);

  // The connection ended: completes a body delimited by the close (RFC 9112 section 6.3, last
  // rule); anything else still incomplete is bad.
  Status finish();

  bool has_head() const { return stage_ != Stage::head; }
  bool complete() const { return stage_ == Stage::done; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  bool event_stream() const { return event_stream_; }
  // Names are lower-cased.
  const std::string* header(std::string_view name) const;
  // The body decoded so far; a caller reading a stream may consume (erase) it as it goes.
  std::string& body() { return body_; }
  const std::string& error() const { return error_; }

 private:
  enum class Stage {
    head,
    chunk_size,
    chunk_data,
    chunk_end,
    trailer,
    length,
    to_close,
    done,
    bad
  };

  Status parse_head(std::string_view head);
  Status take_body_bytes(std::string& in, Stage next);
  Status bad(std::string why);

  Stage stage_ = Stage::head;
  int status_ = 0;
  bool keep_alive_ = true;
  bool event_stream_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::size_t remaining_ = 0;  // of the current chunk or of the Content-Length body
  std::string body_;
  std::string error_;
};

}  // namespace raw_client
