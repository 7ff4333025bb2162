#include "worker/remote_url.hpp"

#include <cctype>

#include "protocol/ascii.hpp"

namespace mcp::worker {

namespace {

int default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

// RFC 3986, 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  auto drop_last_segment = [&out] {
    const std::size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      drop_last_segment();
    } else if (in == "/..") {
      in = "/";
      drop_last_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const std::size_t next = in.find('/', 1);
      const std::size_t n = next == std::string_view::npos ? in.size() : next;
      out.append(in.substr(0, n));
      in.remove_prefix(n);
    }
  }
  return out;
}

bool has_scheme(std::string_view ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref[0]))) return false;
  for (char c : ref) {
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

void split_query(std::string_view rest, HttpUrl& url) {
  const std::size_t q = rest.find('?');
  url.has_query = q != std::string_view::npos;
  url.path = std::string(rest.substr(0, q));
  url.query = url.has_query ? std::string(rest.substr(q + 1)) : std::string();
}

}  // namespace

std::string HttpUrl::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::string HttpUrl::target() const {
  return path + (has_query ? "?" + query : "");
}

std::string HttpUrl::redacted() const {
  return origin() + path + (has_query ? "?…" : "");
}

std::optional<HttpUrl> parse_http_url(std::string_view text, std::string& error) {
  const std::size_t sep = text.find("://");
  HttpUrl url;
  url.scheme = ascii::lowered(text.substr(0, sep == std::string_view::npos ? 0 : sep));
  if (url.scheme != "http" && url.scheme != "https") {
    error = "is not an http:// or https:// URL";
    return std::nullopt;
  }
  std::string_view rest = text.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    error = "has credentials in it; put them in \"headers\" instead";
    return std::nullopt;
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "has an unterminated IPv6 address";
      return std::nullopt;
    }
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      error = "has text after its IPv6 address";
      return std::nullopt;
    }
    if (!after.empty()) port = after.substr(1);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") {
    error = "has no host";
    return std::nullopt;
  }
  url.host = ascii::lowered(host);
  url.port = default_port(url.scheme);
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) value = 65536;
      if (value > 65535) break;
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      error = "has an invalid port";
      return std::nullopt;
    }
    url.port = value;
  }
  split_query(rest, url);
  if (url.path.empty()) url.path = "/";
  return url;
}

std::optional<HttpUrl> resolve_url(const HttpUrl& base, std::string_view ref, std::string& error) {
  ref = ref.substr(0, ref.find('#'));
  if (has_scheme(ref)) return parse_http_url(ref, error);
  if (ref.starts_with("//")) return parse_http_url(base.scheme + ":" + std::string(ref), error);
  HttpUrl out = base;
  HttpUrl r;
  split_query(ref, r);
  if (r.path.empty()) {
    if (r.has_query) {
      out.query = r.query;
      out.has_query = true;
    }
    return out;
  }
  if (r.path.front() == '/') {
    out.path = remove_dot_segments(r.path);
  } else {
    // RFC 3986, 5.2.3: everything of the base path up to its last '/', then the reference.
    const std::size_t slash = base.path.rfind('/');
    const std::string merged =
        (slash == std::string::npos ? std::string("/") : base.path.substr(0, slash + 1)) + r.path;
    out.path = remove_dot_segments(merged);
  }
  if (out.path.empty() || out.path.front() != '/') out.path.insert(0, "/");
  out.query = r.query;
  out.has_query = r.has_query;
  return out;
}

}  // namespace mcp::worker
