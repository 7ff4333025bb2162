// One HTTP/1.1 client connection for a poll() loop: non-blocking connect, TCP_NODELAY, one
// request at a time, kept alive; a connection the server closed is reopened by the next request.
#pragma once

#include <poll.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"
#include "http_response.hpp"

namespace raw_client {

struct Url {
  std::string host;
  std::string port;
  std::string path;  // with the query

  // "host:port" for the Host header (RFC 9110 section 7.2).
  std::string authority() const;
};

// http://HOST[:PORT][/PATH]; nullopt for anything else (https is not supported).
std::optional<Url> parse_url(std::string_view url);

// `ref` (an absolute http URL, "//authority/path", "/path" or a relative path) resolved against
// `base` (RFC 3986 section 5.2, without dot segments): what an SSE "endpoint" event may hold.
std::optional<Url> resolve_url(const Url& base, std::string_view ref);

class HttpConnection {
 public:
  enum class Progress {
    none,      // nothing for the caller
    data,      // more of the response: head and/or body bytes
    complete,  // the whole response is in response()
    failed,    // see error(); the connection is closed
  };

  explicit HttpConnection(Url url) : url_(std::move(url)) {}

  const Url& url() const { return url_; }

  // Starts `request` (a whole HTTP message), connecting first if needed. False if that failed
  // at once (see error()).
  bool send(std::string request);

  // Adds one entry (fd -1, which poll() ignores, while closed).
  void add_pollfd(std::vector<pollfd>& fds) const;
  Progress on_poll(short revents);

  // Drops the connection (the next send() reconnects).
  void close();

  bool busy() const { return busy_; }
  HttpResponseParser& response() { return response_; }
  const std::string& error() const { return error_; }
  int connections() const { return connections_; }

 private:
  bool connect_socket();
  Progress drop(std::string why);  // closes; error() says why
  Progress read_response();

  Url url_;
  mcp::UniqueFd sock_;
  bool connecting_ = false;
  bool busy_ = false;  // a request is sent or being sent and its response not complete
  std::string out_;
  std::size_t out_offset_ = 0;
  std::string in_;
  HttpResponseParser response_;
  std::string error_;
  int connections_ = 0;
};

}  // namespace raw_client
