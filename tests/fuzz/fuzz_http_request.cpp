// Fuzz target: protocol/http_request, the HTTP/1.1 parser that reads every byte a client sends
// to the gateway (supervisor/http_connection.cpp). The input is one connection's stream, fed as
// a socket might deliver it: whole, a byte at a time, in chunks of 1-17 bytes chosen by the
// bytes themselves, and in pieces of a fixed size chosen by the first byte. After each complete
// request the parser is reset and fed the rest, as the connection does. Checked besides "no
// crash, no sanitizer report": the requests and the final error do not depend on where the
// stream was cut; a feed never uses more than it was given, and uses all of it when it needs
// more; reset() leaves nothing behind (the whole feeding starts a fresh parser each time
// instead); no body outgrows its limit; a request that parsed holds what the parser promises
// (RFC 9112); an error is one of the statuses the connection answers with, and stays.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/http_request.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace mcp::fuzz {
namespace {

using http::Limits;
using http::Request;
using http::RequestParser;
using Result = RequestParser::Result;

// Small limits make every refusal reachable from short inputs; the large set lets requests
// through (the gateway's 8 MiB body limit would only make each parse reserve more).
const Limits limit_sets[] = {
    {.max_request_line_bytes = 64,
     .max_header_line_bytes = 64,
     .max_header_count = 8,
     .max_header_bytes = 256,
     .max_body_bytes = 64},
    {.max_request_line_bytes = 8192,
     .max_header_line_bytes = 8192,
     .max_header_count = 100,
     .max_header_bytes = 64 * 1024,
     .max_body_bytes = 1u << 20},
};

// What the connection answers with; 408 is the connection's own (a request too slow).
constexpr int error_statuses[] = {400, 408, 413, 414, 431, 501, 505};

// One request as the front sees it, and where in the stream it ended.
struct Parsed {
  std::string method, target;
  int minor_version = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t end = 0;
  bool operator==(const Parsed&) const = default;
};

struct Stream {
  std::vector<Parsed> requests;
  int error_status = 0;  // 0: the stream ended inside a request, or between two
  Parsed partial;        // the request still being read when the stream ended
  bool partial_headers_done = false;
  bool operator==(const Stream&) const = default;
};

Parsed snapshot(const Request& r, std::size_t end) {
  Parsed p{r.method, r.target, r.minor_version, {}, r.body, end};
  for (const auto& h : r.headers) p.headers.emplace_back(h.name, h.value);
  return p;
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// What the head of a request that parsed must hold (RFC 9112 sections 3 and 5).
void check_head(const Request& r, const Limits& limits, std::string_view input) {
  check(is_token(r.method), "a method that is not a token", input);
  check(!r.target.empty() &&
            std::none_of(r.target.begin(), r.target.end(),
                         [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 127; }),
        "a target that is empty or holds a space or control byte", input);
  check(r.minor_version == 0 || r.minor_version == 1, "a version other than 1.0 or 1.1", input);
  check(r.method.size() + r.target.size() + 10 <= limits.max_request_line_bytes,
        "a request line over its limit", input);
  check(r.headers.size() <= limits.max_header_count, "more headers than the limit", input);
  for (const auto& h : r.headers) {
    check(is_token(h.name), "a header name that is not a token", input);
    check(h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
          "a header value with CR, LF or NUL", input);
    check(h.value.empty() || (h.value.front() != ' ' && h.value.front() != '\t' &&
                              h.value.back() != ' ' && h.value.back() != '\t'),
          "a header value not trimmed", input);
  }
}

// Splits the values of every field of that name into trimmed elements (empty ones too).
std::vector<std::string_view> elements(const Request& r, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& h : r.headers) {
    if (!iequals(h.name, name)) continue;
    for (std::string_view rest = h.value;;) {
      const auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      out.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

// The framing fields of an accepted request say one thing only (RFC 9110 section 8.6, RFC 9112
// section 6): Transfer-Encoding is a single "chunked" (empty list elements aside), never in
// HTTP/1.0 and never beside Content-Length; every Content-Length element is the same digits,
// and the body is that long.
void check_framing(const Request& r, const Limits& limits, std::string_view input) {
  check(r.body.size() <= limits.max_body_bytes, "a body over the limit", input);
  const bool chunked = r.has_header("Transfer-Encoding");
  const std::string* length = r.header("Content-Length");
  std::vector<std::string_view> codings = elements(r, "Transfer-Encoding");
  std::erase(codings, std::string_view());
  const std::vector<std::string_view> lengths = elements(r, "Content-Length");
  check(!chunked || (codings.size() == 1 && iequals(codings[0], "chunked")),
        "a Transfer-Encoding other than chunked accepted", input);
  for (const auto& l : lengths) {
    check(!l.empty() && l == lengths.front() &&
              std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; }),
          "an invalid or conflicting Content-Length accepted", input);
  }
  check(!(chunked && length), "both Transfer-Encoding and Content-Length accepted", input);
  check(!chunked || r.minor_version == 1, "Transfer-Encoding accepted in HTTP/1.0", input);
  if (length != nullptr) {
    // The first element (values are trimmed; "3, 3" may be accepted): the parser took it, so it
    // is digits, leading zeros and all, within the limit.
    std::size_t n = 0;
    for (char c : *length) {
      if (c < '0' || c > '9') break;
      n = n * 10 + static_cast<std::size_t>(c - '0');
      check(n <= limits.max_body_bytes, "an accepted Content-Length over the limit", input);
    }
    check(r.body.size() == n, "a body that is not Content-Length bytes long", input);
  }
  if (!chunked && length == nullptr) check(r.body.empty(), "a body without framing", input);
}

// The helpers the front calls on every request.
void check_helpers(const Request& r, std::string_view input) {
  const std::string_view path = r.path();
  check(path.find('?') == std::string_view::npos, "a path that holds the query", input);
  (void)r.query_param("sessionId");
  (void)r.keep_alive();
  (void)r.expects_continue();
}

// Fixed pieces of 1 to 64 bytes, the size chosen by the first byte.
std::vector<std::string_view> cut_fixed(std::string_view input) {
  std::vector<std::string_view> pieces;
  const std::size_t n = input.empty() ? 1 : static_cast<unsigned char>(input[0]) % 64 + 1;
  for (std::size_t at = 0; at < input.size(); at += n) pieces.push_back(input.substr(at, n));
  return pieces;
}

// What happens between two requests: the connection's reset(), or a parser never used before.
enum class NextRequest { reset, fresh_parser };

// Feeds the pieces as the connection does.
Stream read_stream(std::string_view input, const std::vector<std::string_view>& pieces,
                   const Limits& limits, NextRequest next) {
  Stream s;
  RequestParser parser(limits);
  std::size_t offset = 0;  // of the stream, consumed so far
  for (std::string_view piece : pieces) {
    while (!piece.empty()) {
      const auto [result, used] = parser.feed(piece);
      check(used <= piece.size(), "a feed used more than it was given", input);
      if (result == Result::need_more) {
        check(used == piece.size(), "a feed that needs more left bytes unused", input);
        check(parser.request().body.size() <= limits.max_body_bytes,
              "a body outgrew its limit while arriving", input);
      }
      offset += used;
      piece.remove_prefix(used);
      if (result == Result::error) {
        s.error_status = parser.error().status;
        check(std::find(std::begin(error_statuses), std::end(error_statuses), s.error_status) !=
                  std::end(error_statuses),
              "an error status the connection does not answer with", input);
        check(!parser.error().reason.empty(), "an error without a reason", input);
        const auto again = parser.feed("GET / HTTP/1.1\r\n\r\n");
        check(again.first == Result::error && again.second == 0,
              "a parser took more input after an error", input);
        return s;
      }
      if (result == Result::complete) {
        check_head(parser.request(), limits, input);
        check_framing(parser.request(), limits, input);
        check_helpers(parser.request(), input);
        check(parser.headers_done(), "complete before the headers were done", input);
        s.requests.push_back(snapshot(parser.request(), offset));
        const auto again = parser.feed(piece);
        check(again.first == Result::complete && again.second == 0,
              "a complete parser took more input before reset()", input);
        if (next == NextRequest::fresh_parser) {
          parser = RequestParser(limits);
        } else {
          parser.reset();
          check(!parser.started() && !parser.headers_done() && parser.request().method.empty() &&
                    parser.request().headers.empty() && parser.request().body.empty(),
                "reset() left a request behind", input);
        }
      }
    }
  }
  s.partial = snapshot(parser.request(), offset);
  s.partial_headers_done = parser.headers_done();
  return s;
}

}  // namespace
}  // namespace mcp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcp::fuzz;
  const std::string_view input = as_text(data, size);
  for (const auto& limits : limit_sets) {
    const Stream whole =
        read_stream(input, cut(input, Chunking::whole), limits, NextRequest::fresh_parser);
    for (const Chunking how : {Chunking::bytewise, Chunking::by_content}) {
      check(read_stream(input, cut(input, how), limits, NextRequest::reset) == whole,
            "the requests depend on where the stream was cut", input);
    }
    check(read_stream(input, cut_fixed(input), limits, NextRequest::reset) == whole,
          "the requests depend on where the stream was cut (fixed pieces)", input);
  }
  return 0;
}
