#include "http_response.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "mcp_text.hpp"

namespace raw_client {

namespace {

constexpr std::size_t max_head_bytes = 64 * 1024;
constexpr std::size_t max_chunk_line_bytes = 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

void HttpResponseParser::reset() {
  stage_ = Stage::head;
  status_ = 0;
  keep_alive_ = true;
  event_stream_ = false;
  headers_.clear();
  remaining_ = 0;
  body_.clear();
  error_.clear();
}

const std::string* HttpResponseParser::header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (n == name) return &v;
  }
  return nullptr;
}

HttpResponseParser::Status HttpResponseParser::bad(std::string why) {
  stage_ = Stage::bad;
  error_ = std::move(why);
  return Status::bad;
}

HttpResponseParser::Status HttpResponseParser::feed(std::string& in) {
  for (;;) {
    switch (stage_) {
      case Stage::head: {
        const std::size_t end = in.find("\r\n\r\n");
        if (end == std::string::npos) {
          return in.size() > max_head_bytes ? bad("HTTP response head over 64 KiB")
                                            : Status::need_more;
        }
        const Status s = parse_head(std::string_view(in).substr(0, end));
        in.erase(0, end + 4);
        if (s == Status::bad) return s;
        break;
      }
      case Stage::chunk_size: {
        const std::size_t eol = in.find("\r\n");
        if (eol == std::string::npos) {
          return in.size() > max_chunk_line_bytes ? bad("chunk size line too long")
                                                  : Status::need_more;
        }
        char* end = nullptr;
        remaining_ = std::strtoull(in.c_str(), &end, 16);  // a chunk extension may follow
        if (end == in.c_str()) return bad("bad chunk size line: " + excerpt(in.substr(0, eol)));
        in.erase(0, eol + 2);
        stage_ = remaining_ == 0 ? Stage::trailer : Stage::chunk_data;
        break;
      }
      case Stage::chunk_data:
        if (take_body_bytes(in, Stage::chunk_end) == Status::need_more) return Status::need_more;
        break;
      case Stage::chunk_end:
        if (in.size() < 2) return Status::need_more;
        if (in.compare(0, 2, "\r\n") != 0) return bad("chunk not followed by CRLF");
        in.erase(0, 2);
        stage_ = Stage::chunk_size;
        break;
      case Stage::trailer: {
        // Trailer fields, then the blank line that ends the message (RFC 9112 section 7.1.2).
        const std::size_t eol = in.find("\r\n");
        if (eol == std::string::npos) return Status::need_more;
        in.erase(0, eol + 2);
        if (eol == 0) stage_ = Stage::done;
        break;
      }
      case Stage::length:
        if (take_body_bytes(in, Stage::done) == Status::need_more) return Status::need_more;
        break;
      case Stage::to_close:
        body_ += in;
        in.clear();
        return Status::need_more;
      case Stage::done:
        return Status::complete;
      case Stage::bad:
        return Status::bad;
    }
  }
}

HttpResponseParser::Status HttpResponseParser::finish() {
  if (stage_ == Stage::to_close) stage_ = Stage::done;
  if (stage_ == Stage::done) return Status::complete;
  if (stage_ == Stage::bad) return Status::bad;
  return bad(stage_ == Stage::head ? "the server closed the connection before answering"
                                   : "the server closed the connection in the middle of the body");
}

HttpResponseParser::Status HttpResponseParser::take_body_bytes(std::string& in, Stage next) {
  const std::size_t n = std::min(remaining_, in.size());
  body_.append(in, 0, n);
  in.erase(0, n);
  remaining_ -= n;
  if (remaining_ > 0) return Status::need_more;
  stage_ = next;
  return Status::complete;
}

HttpResponseParser::Status HttpResponseParser::parse_head(std::string_view head) {
  const std::size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12 ||
      !std::isdigit(static_cast<unsigned char>(status_line[9]))) {
    return bad("bad HTTP status line: " + excerpt(status_line));
  }
  headers_.clear();
  status_ = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  keep_alive_ = status_line.substr(5, 3) == "1.1";
  head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
  while (!head.empty()) {
    const std::size_t next = head.find("\r\n");
    const std::string_view line = head.substr(0, next);
    head.remove_prefix(next == std::string_view::npos ? head.size() : next + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad("bad HTTP header line: " + excerpt(line));
    headers_.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  if (status_ < 200) return Status::need_more;  // interim: the real head follows

  if (const std::string* c = header("connection")) {
    const std::string v = lower(*c);
    if (v.find("close") != std::string::npos) keep_alive_ = false;
    if (v.find("keep-alive") != std::string::npos) keep_alive_ = true;
  }
  const std::string* ct = header("content-type");
  event_stream_ = ct != nullptr && lower(*ct).find("text/event-stream") != std::string::npos;
  // RFC 9112 section 6.3: no body for 204 and 304; chunked; Content-Length; else to the close.
  const std::string* te = header("transfer-encoding");
  const std::string* cl = header("content-length");
  if (status_ == 204 || status_ == 304) {
    stage_ = Stage::done;
  } else if (te != nullptr && lower(*te).find("chunked") != std::string::npos) {
    stage_ = Stage::chunk_size;
  } else if (cl != nullptr) {
    char* end = nullptr;
    remaining_ = std::strtoull(cl->c_str(), &end, 10);
    if (cl->empty() || *end != '\0') return bad("bad Content-Length: " + excerpt(*cl));
    stage_ = remaining_ == 0 ? Stage::done : Stage::length;
  } else {
    stage_ = Stage::to_close;
    keep_alive_ = false;
  }
  return Status::need_more;
}

}  // namespace raw_client
