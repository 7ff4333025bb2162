#include "protocol/http_request.hpp"

#include <algorithm>

#include "protocol/ascii.hpp"

namespace mcp::http {

using ascii::iequals;

namespace {

// RFC 9110 section 5.6.2.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn on each comma-separated, trimmed, non-empty element of a list header.
template <typename Fn>
void for_each_element(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Whether a request's Transfer-Encoding frames its body the one way we read: chunked alone.
// Status 0 when it does.
ParseError check_transfer_codings(const std::vector<std::string_view>& codings, int minor_version) {
  // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing (a 1.0
  // intermediary may have passed on a coding it did not understand).
  if (minor_version == 0)
    return {400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 section 6.1)"};
  // RFC 9112 section 6.3: when chunked is not the final coding, the length of a request's body
  // cannot be known, and the answer MUST be 400 (the framing is at fault, not a coding).
  if (codings.empty() || !iequals(codings.back(), "chunked"))
    return {400, "chunked is not the final transfer coding (RFC 9112 section 6.3)"};
  // RFC 9112 section 6.1: chunked is not applied twice; "chunked, chunked" is malformed.
  if (std::any_of(codings.begin(), codings.end() - 1,
                  [](std::string_view c) { return iequals(c, "chunked"); }))
    return {400, "chunked applied more than once (RFC 9112 section 6.1)"};
  // Framed correctly, with a coding under chunked ("gzip, chunked") that we cannot undo: 501
  // (RFC 9112 section 6.1). The reason does not quote the client's text, which may hold
  // anything a header value can.
  if (codings.size() > 1) return {501, "a transfer coding other than chunked"};
  return {0, {}};
}

}  // namespace

std::string_view Request::path() const {
  std::string_view t = target;
  // Absolute form (RFC 9112 section 3.2.2), which proxies send: drop scheme and authority.
  // The authority ends at the first '/', '?' or '#' (RFC 3986 section 3.2), so a '/' inside the
  // query ("http://host?next=/x") is not where the path starts.
  if (const auto scheme = t.find("://"); scheme != std::string_view::npos && t.front() != '/') {
    const auto end = t.find_first_of("/?#", scheme + 3);
    t = end == std::string_view::npos || t[end] != '/' ? std::string_view("/") : t.substr(end);
  }
  return t.substr(0, t.find('?'));
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string Request::header_value(std::string_view name) const {
  const std::string* v = header(name);
  return v ? *v : std::string();
}

std::string Request::query_param(std::string_view name) const {
  const auto q = std::string_view(target).find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = std::string_view(target).substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

bool Request::keep_alive() const {
  bool close = false, keep = false;
  for (const auto& h : headers) {
    if (!iequals(h.name, "Connection")) continue;
    for_each_element(h.value, [&](std::string_view option) {
      close = close || iequals(option, "close");
      keep = keep || iequals(option, "keep-alive");
    });
  }
  if (close) return false;
  return minor_version >= 1 || keep;
}

bool Request::expects_continue() const {
  const std::string* expect = header("Expect");
  return minor_version >= 1 && expect != nullptr && iequals(trim(*expect), "100-continue");
}

void RequestParser::reset() {
  state_ = State::request_line;
  request_ = Request{};
  error_ = ParseError{};
  line_.clear();
  header_bytes_ = 0;
  trailer_count_ = 0;
  remaining_ = 0;
  started_ = false;
}

bool RequestParser::fail(int status, std::string reason) {
  state_ = State::failed;
  error_ = {status, std::move(reason)};
  return false;
}

std::pair<RequestParser::Result, std::size_t> RequestParser::feed(std::string_view data) {
  std::size_t pos = 0;
  if (!data.empty()) started_ = true;
  while (pos < data.size() && state_ != State::done && state_ != State::failed) {
    const std::string_view rest = data.substr(pos);
    std::size_t used = 0;
    switch (state_) {
      case State::request_line:
        take_line(rest, used, limits_.max_request_line_bytes, 414,
                  "the request line is over " + std::to_string(limits_.max_request_line_bytes) +
                      " bytes");
        break;
      case State::headers:
      case State::trailers:
        take_line(
            rest, used, limits_.max_header_line_bytes, 431,
            "a header line is over " + std::to_string(limits_.max_header_line_bytes) + " bytes");
        break;
      case State::chunk_size:
        take_line(rest, used, 1024, 400, "a chunk-size line is over 1024 bytes");
        break;
      case State::chunk_data_end:
        take_line(rest, used, 16, 400, "chunk data is not followed by CR LF");
        break;
      case State::body:
      case State::chunk_data: {
        used = std::min(remaining_, rest.size());
        request_.body.append(rest.data(), used);
        remaining_ -= used;
        if (remaining_ == 0) state_ = state_ == State::body ? State::done : State::chunk_data_end;
        break;
      }
      case State::done:
      case State::failed:
        break;
    }
    pos += used;
  }
  if (state_ == State::failed) return {Result::error, pos};
  if (state_ == State::done) return {Result::complete, pos};
  return {Result::need_more, pos};
}

bool RequestParser::take_line(std::string_view data, std::size_t& used, std::size_t max_line,
                              int too_long, std::string_view too_long_reason) {
  const auto lf = data.find('\n');
  if (lf == std::string_view::npos) {
    // +1: the CR that may end the line is not part of it.
    if (line_.size() + data.size() > max_line + 1)
      return fail(too_long, std::string(too_long_reason));
    line_.append(data);
    used = data.size();
    return true;
  }
  used = lf + 1;
  std::string_view line;
  if (line_.empty()) {
    line = data.substr(0, lf);
  } else {
    line_.append(data.substr(0, lf));
    line = line_;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_line) return fail(too_long, std::string(too_long_reason));
  const bool ok = on_line(line);
  line_.clear();
  return ok;
}

bool RequestParser::on_line(std::string_view line) {
  if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos)
    return fail(400, "a bare CR or a NUL byte in the request head");
  switch (state_) {
    case State::request_line:
      // RFC 9112 section 2.2: empty lines before the request line are ignored.
      return line.empty() ? true : on_request_line(line);
    case State::headers:
      return line.empty() ? on_headers_end() : on_header_line(line);
    case State::chunk_size:
      return on_chunk_size(line);
    case State::chunk_data_end:
      if (!line.empty()) return fail(400, "chunk data is longer than its chunk-size");
      state_ = State::chunk_size;
      return true;
    case State::trailers:
      if (line.empty()) {
        state_ = State::done;
        return true;
      }
      // Trailer fields are read and dropped; they count against the header limits.
      header_bytes_ += line.size() + 2;
      if (++trailer_count_ + request_.headers.size() > limits_.max_header_count ||
          header_bytes_ > limits_.max_header_bytes)
        return fail(431, "too many trailer fields");
      return true;
    default:
      return fail(500, "parser state");
  }
}

bool RequestParser::on_request_line(std::string_view line) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line");
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed method");
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == 127;
      }))
    return fail(400, "malformed request target");
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "malformed HTTP version");
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
    return fail(505, "HTTP version not supported: " + std::string(version));
  request_.method = std::string(method);
  request_.target = std::string(target);
  request_.minor_version = version[7] - '0';
  state_ = State::headers;
  return true;
}

bool RequestParser::on_header_line(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t')
    return fail(400, "obsolete line folding in a header");
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "a header line without a colon");
  const auto name = line.substr(0, colon);
  if (!is_token(name)) return fail(400, "malformed header name");
  header_bytes_ += line.size() + 2;
  if (request_.headers.size() + 1 > limits_.max_header_count)
    return fail(431, "more than " + std::to_string(limits_.max_header_count) + " headers");
  if (header_bytes_ > limits_.max_header_bytes)
    return fail(431, "headers over " + std::to_string(limits_.max_header_bytes) + " bytes");
  request_.headers.push_back({std::string(name), std::string(trim(line.substr(colon + 1)))});
  return true;
}

bool RequestParser::on_headers_end() {
  // The framing fields of all lines of a name taken together, as one list (RFC 9110 section
  // 5.3): "Transfer-Encoding: gzip" then "Transfer-Encoding: chunked" is "gzip, chunked".
  std::vector<std::string_view> codings;
  std::vector<std::string_view> lengths;
  bool has_te = false, has_length = false, empty_length = false;
  for (const auto& h : request_.headers) {
    if (iequals(h.name, "Transfer-Encoding")) {
      has_te = true;
      for_each_element(h.value, [&](std::string_view coding) { codings.push_back(coding); });
    } else if (iequals(h.name, "Content-Length")) {
      has_length = true;
      // Content-Length is 1*DIGIT, not a list: an empty value or an empty element is not a
      // length (RFC 9110 section 8.6), and a message without a valid one has no framing.
      std::string_view rest = h.value;
      while (true) {
        const auto comma = rest.find(',');
        const auto item = trim(rest.substr(0, comma));
        if (item.empty()) empty_length = true;
        lengths.push_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (has_te && has_length)
    return fail(400, "both Transfer-Encoding and Content-Length (RFC 9112 section 6.3)");
  if (has_te) {
    if (auto error = check_transfer_codings(codings, request_.minor_version); error.status != 0)
      return fail(error.status, std::move(error.reason));
    state_ = State::chunk_size;
    return true;
  }
  if (!has_length) {
    state_ = State::done;
    return true;
  }
  // "Content-Length: 42, 42" may be taken as 42 (RFC 9110 section 8.6); other lists may not.
  if (empty_length ||
      std::any_of(lengths.begin(), lengths.end(), [&](auto v) { return v != lengths.front(); }))
    return fail(400, "conflicting or empty Content-Length values");
  const std::string_view length_text = lengths.front();
  if (!std::all_of(length_text.begin(), length_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return fail(400, "malformed Content-Length");
  // A valid length too long to hold is over any limit: 413, as for any other length over it.
  const auto significant =
      length_text.substr(std::min(length_text.find_first_not_of('0'), length_text.size()));
  std::size_t length = 0;
  for (char c : significant.substr(0, 15)) length = length * 10 + static_cast<std::size_t>(c - '0');
  if (significant.size() > 15 || length > limits_.max_body_bytes)
    return fail(413, "the body is " +
                         (significant.size() > 15 ? "over 15 digits" : std::to_string(length)) +
                         " bytes long, over the limit of " +
                         std::to_string(limits_.max_body_bytes));
  remaining_ = length;
  // What arrives, not what is announced: a short head must not make us hold megabytes.
  request_.body.reserve(std::min<std::size_t>(length, 64 * 1024));
  state_ = length == 0 ? State::done : State::body;
  return true;
}

bool RequestParser::on_chunk_size(std::string_view line) {
  // chunk-size [ chunk-ext ], chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) (RFC 9112
  // section 7.1.1). The extensions are ignored, but anything else after the size is refused:
  // "5 0" must not read as a size to one parser and another size to the next.
  const auto end = line.find_first_not_of("0123456789abcdefABCDEF");
  const auto digits = line.substr(0, end);
  const auto after = trim(line.substr(digits.size()));
  if (digits.empty() || (!after.empty() && after.front() != ';'))
    return fail(400, "malformed chunk-size");
  const auto significant = digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
  std::size_t size = 0;
  for (char c : significant.substr(0, 15))
    size = size * 16 + static_cast<std::size_t>(hex_value(c));
  if (significant.empty()) {
    state_ = State::trailers;
    return true;
  }
  if (significant.size() > 15 || request_.body.size() + size > limits_.max_body_bytes)
    return fail(413, "the chunked body is over the limit of " +
                         std::to_string(limits_.max_body_bytes) + " bytes");
  remaining_ = size;
  state_ = State::chunk_data;
  return true;
}

}  // namespace mcp::http
