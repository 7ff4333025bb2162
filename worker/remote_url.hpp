// The http(s) URLs of remote backends, split the way cpp-httplib wants them (an origin for the
// client, a target for each request), and the reference resolution the legacy SSE transport
// needs for its "endpoint" event (RFC 3986, section 5.2). Pure: no I/O, no logging.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp::worker {

struct HttpUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 literal keeps its brackets
  int port = 0;        // as written, or the scheme's default
  std::string path;    // at least "/"
  std::string query;   // without the '?'; empty when absent
  bool has_query = false;

  // "http://host:port": what an httplib::Client is built from.
  std::string origin() const;
  // Path and query: what goes on the request line.
  std::string target() const;
  std::string to_string() const { return origin() + target(); }
  // For logs: the query is elided, since some services put keys there.
  std::string redacted() const;
  bool same_origin(const HttpUrl& other) const {
    return scheme == other.scheme && host == other.host && port == other.port;
  }
};

// Parses an absolute http:// or https:// URL. Userinfo ("user:pass@") is refused: credentials
// belong in "headers". The fragment is dropped. Returns nullopt and sets error otherwise.
std::optional<HttpUrl> parse_http_url(std::string_view text, std::string& error);

// Resolves a reference (absolute, "//host/...", "/path", "?query", or a relative path) against
// base, removing "." and ".." segments (RFC 3986, 5.2.2-5.2.4).
std::optional<HttpUrl> resolve_url(const HttpUrl& base, std::string_view ref, std::string& error);

}  // namespace mcp::worker
