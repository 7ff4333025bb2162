#include "http_connection.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "fd_io.hpp"

namespace raw_client {

std::string Url::authority() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

std::optional<Url> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find_first_of("/?");
  const std::string_view authority = url.substr(0, slash);
  Url u;
  u.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (!u.path.empty() && u.path.front() == '?') u.path.insert(0, "/");
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  u.host = std::string(authority.substr(0, has_port ? colon : std::string_view::npos));
  u.port = has_port ? std::string(authority.substr(colon + 1)) : "80";
  if (u.host.size() > 1 && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

std::optional<Url> resolve_url(const Url& base, std::string_view ref) {
  while (!ref.empty() && (ref.front() == ' ' || ref.front() == '\t')) ref.remove_prefix(1);
  while (!ref.empty() && std::strchr(" \t\r\n", ref.back()) != nullptr) ref.remove_suffix(1);
  ref = ref.substr(0, ref.find('#'));
  if (ref.substr(0, 7) == "http://") return parse_url(ref);
  if (ref.substr(0, 2) == "//") return parse_url("http:" + std::string(ref));
  if (ref.find("://") != std::string_view::npos) return std::nullopt;  // another scheme
  Url u = base;
  if (!ref.empty() && ref.front() == '/') {
    u.path = std::string(ref);
  } else {
    const std::string dir = base.path.substr(0, base.path.find('?'));
    u.path = dir.substr(0, dir.rfind('/') + 1) + std::string(ref);
  }
  return u;
}

bool HttpConnection::send(std::string request) {
  response_.reset();
  out_ = std::move(request);
  out_offset_ = 0;
  busy_ = true;
  if (!sock_.valid() && !connect_socket()) return false;
  if (connecting_) return true;  // written once connected
  if (write_from(sock_.get(), out_, out_offset_) == IoResult::error) {
    drop(errno_text("write to " + url_.authority()));
    return false;
  }
  return true;
}

void HttpConnection::add_pollfd(std::vector<pollfd>& fds) const {
  short events = POLLIN;
  if (connecting_ || out_offset_ < out_.size()) events |= POLLOUT;
  fds.push_back(pollfd{sock_.valid() ? sock_.get() : -1, events, 0});
}

void HttpConnection::close() {
  sock_.reset();
  connecting_ = false;
  busy_ = false;
  in_.clear();
}

HttpConnection::Progress HttpConnection::drop(std::string why) {
  close();
  error_ = std::move(why);
  return Progress::failed;
}

bool HttpConnection::connect_socket() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &res); rc != 0) {
    drop("cannot resolve " + url_.host + ": " + ::gai_strerror(rc));
    return false;
  }
  mcp::UniqueFd s(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int rc = s.valid() ? ::connect(s.get(), res->ai_addr, res->ai_addrlen) : -1;
  const int connect_errno = errno;
  ::freeaddrinfo(res);
  if (rc < 0 && (!s.valid() || connect_errno != EINPROGRESS)) {
    errno = connect_errno;
    drop(errno_text("connect to " + url_.authority()));
    return false;
  }
  const int one = 1;
  ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sock_ = std::move(s);
  connecting_ = rc < 0;
  in_.clear();
  ++connections_;
  return true;
}

HttpConnection::Progress HttpConnection::on_poll(short revents) {
  if (!sock_.valid() || revents == 0) return Progress::none;
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      errno = err;
      return drop(errno_text("connect to " + url_.authority()));
    }
    if ((revents & POLLOUT) == 0) return Progress::none;
    connecting_ = false;
  }
  if (out_offset_ < out_.size() && write_from(sock_.get(), out_, out_offset_) == IoResult::error) {
    return drop(errno_text("write to " + url_.authority()));
  }
  if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0) return Progress::none;
  return read_response();
}

HttpConnection::Progress HttpConnection::read_response() {
  switch (read_into(sock_.get(), in_)) {
    case IoResult::would_block:
      return Progress::none;
    case IoResult::error:
      return drop(errno_text("read from " + url_.authority()));
    case IoResult::eof:
      if (!busy_) {  // the server closed an idle kept-alive connection
        close();
        return Progress::none;
      }
      if (response_.feed(in_) != HttpResponseParser::Status::complete &&
          response_.finish() != HttpResponseParser::Status::complete) {
        return drop(response_.error());
      }
      close();
      return Progress::complete;
    case IoResult::progress:
      break;
  }
  if (!busy_) return drop("unexpected bytes from " + url_.authority() + " between responses");
  switch (response_.feed(in_)) {
    case HttpResponseParser::Status::need_more:
      return Progress::data;
    case HttpResponseParser::Status::bad:
      return drop(response_.error());
    case HttpResponseParser::Status::complete:
      break;
  }
  busy_ = false;
  if (!response_.keep_alive()) close();
  return Progress::complete;
}

}  // namespace raw_client
