#include "supervisor/http_front.hpp"

#include <sys/random.h>

#include <algorithm>

#include "common/constant_time.hpp"
#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "supervisor/outbox_responder.hpp"

namespace mcp::supervisor {

namespace {

constexpr int listen_backlog = 1024;
// How often timeouts and keepalive comments are looked at.
constexpr auto sweep_interval = std::chrono::milliseconds(1000);
// After accept() failed for want of fds or memory: try again this much later (instead of
// spinning on a listening socket that stays readable).
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);
// How long a POST waits for its first frame before it commits to an SSE reply, whose
// keepalive comments then show whether the client is still there.
constexpr auto json_reply_window = std::chrono::seconds(5);

std::string origin_host(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme != std::string_view::npos) origin.remove_prefix(scheme + 3);
  if (!origin.empty() && origin.front() == '[') {
    auto close = origin.find(']');
    return std::string(
        origin.substr(0, close == std::string_view::npos ? origin.size() : close + 1));
  }
  return std::string(origin.substr(0, origin.find_first_of(":/")));
}

// Calls fn on every value of the map, taken as a snapshot first: a connection may close, or a
// responder end, and leave its map while fn runs.
template <typename Map, typename Fn>
void for_each_of_snapshot(const Map& map, Fn fn) {
  std::vector<typename Map::mapped_type> values;
  values.reserve(map.size());
  for (const auto& [_, value] : map) values.push_back(value);
  for (const auto& value : values) fn(value);
}

}  // namespace

void respond_jsonrpc_error(const std::shared_ptr<HttpExchange>& ex, int status, int code,
                           const std::string& message, const std::vector<http::Header>& extra,
                           std::string_view id) {
  ex->respond(status, jsonrpc::error_response(id, code, message), json_content_type, extra);
}

std::string new_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

HttpFront::HttpFront(asio::io_context& io, Router& router, FrontOptions options)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      acceptor_(io),
      sweep_timer_(io),
      accept_retry_timer_(io) {
  connection_settings_.limits.max_body_bytes = options_.max_body_bytes;
}

void HttpFront::apply_limits(const FrontOptions& next) {
  const bool tokens_changed = options_.bearer_tokens != next.bearer_tokens;
  options_.max_body_bytes = next.max_body_bytes;
  options_.max_streams = next.max_streams;
  options_.max_connections = next.max_connections;
  options_.allowed_origins = next.allowed_origins;
  options_.bearer_tokens = next.bearer_tokens;
  connection_settings_.limits.max_body_bytes = options_.max_body_bytes;
  if (!tokens_changed) return;
  // A token the reload revoked stops working at once, for the streams it opened too: their
  // clients reconnect and must show a valid one. Calls already accepted get their answers.
  std::size_t ended = 0;
  for_each_of_snapshot(responders_, [&](const auto& weak) {
    auto responder = weak.lock();
    if (!responder || !responder->is_stream()) return;
    const http::Request* request = responder->request();
    if (request != nullptr && !authorized(*request)) {
      responder->end_now();
      ++ended;
    }
  });
  if (ended > 0) {
    log::notice("ended " + std::to_string(ended) +
                " stream(s) whose bearer token the reload revoked");
  }
}

HttpFront::~HttpFront() {
  stop();
}

namespace {

// Opens, binds and listens on the first of host's addresses that takes it; the bound port, or
// why none did.
bool listen_on(asio::io_context& io, asio::ip::tcp::acceptor& acceptor, const std::string& host,
               int port, int& bound_port, std::error_code& why) {
  std::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(
      host, std::to_string(port),
      asio::ip::resolver_base::passive | asio::ip::resolver_base::numeric_service, ec);
  why = ec ? ec : asio::error::host_not_found;
  for (const auto& entry : results) {
    acceptor.close(ec);
    acceptor.open(entry.endpoint().protocol(), ec);
    if (ec) {
      why = ec;
      continue;
    }
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    // Accepted sockets inherit it; each connection sets it again anyway.
    acceptor.set_option(asio::ip::tcp::no_delay(true), ec);
    acceptor.bind(entry.endpoint(), ec);
    if (!ec) acceptor.listen(listen_backlog, ec);
    if (!ec) {
      bound_port = acceptor.local_endpoint(ec).port();
      return true;
    }
    why = ec;
  }
  acceptor.close(ec);
  return false;
}

std::string cannot_listen(const std::string& host, int port, const std::error_code& why) {
  return "cannot listen on " + host + ":" + std::to_string(port) + ": " + why.message();
}

}  // namespace

bool HttpFront::bind(std::string& error) {
  std::error_code why;
  if (listen_on(io_, acceptor_, options_.host, options_.port, port_, why)) return true;
  error = cannot_listen(options_.host, options_.port, why);
  return false;
}

bool HttpFront::rebind(const std::string& host, int port, std::string& error) {
  asio::ip::tcp::acceptor next(io_);
  int bound = 0;
  std::error_code why;
  bool ok = listen_on(io_, next, host, port, bound, why);
  bool reopened = false;
  if (!ok && why == asio::error::address_in_use && port == port_) {
    // The same port on another host (127.0.0.1 -> 0.0.0.0): our own socket holds it. Let go of
    // it first, and take it back if the new address still cannot be had.
    std::error_code ec;
    acceptor_.close(ec);
    ok = listen_on(io_, next, host, port, bound, why);
    reopened = !ok;
    if (!ok && !listen_on(io_, acceptor_, options_.host, port_, port_, ec)) {
      error = cannot_listen(host, port, why) + "; and the old address was lost too (" +
              ec.message() + "): no new connections until a reload or restart";
      return false;
    }
  }
  if (!ok) {
    error = cannot_listen(host, port, why);
    if (reopened) accept_next();  // the old socket is a new one now
    return false;
  }
  std::error_code ec;
  accept_retry_timer_.cancel();
  acceptor_.close(ec);  // its pending accept completes with operation_aborted
  acceptor_ = std::move(next);
  options_.host = host;
  options_.port = port;
  port_ = bound;
  accept_next();
  return true;
}

void HttpFront::start() {
  accept_next();
  sweep();
}

void HttpFront::accept_next() {
  // A rebind starts a new chain of accepts; a completion of the old one must not re-arm.
  const std::uint64_t generation = ++accept_generation_;
  acceptor_.async_accept(
      [this, generation](const std::error_code& ec, asio::ip::tcp::socket socket) {
        if (!acceptor_.is_open() || stopping_) return;
        if (generation != accept_generation_) {
          // Accepted on the socket a rebind closed, just before it did: still a client.
          if (!ec) admit(std::move(socket));
          return;
        }
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          if (!refusing_logged_) {
            refusing_logged_ = true;
            log::warning("accepting a connection failed: " + ec.message() +
                         "; retrying every 100 ms (is the fd limit too low?)");
          }
          accept_retry_timer_.expires_after(accept_retry_delay);
          accept_retry_timer_.async_wait([this](const std::error_code& e) {
            if (!e) accept_next();
          });
          return;
        }
        refusing_logged_ = false;
        admit(std::move(socket));
        accept_next();
      });
}

void HttpFront::admit(asio::ip::tcp::socket socket) {
  if (connections_.size() >= options_.max_connections) {
    // No answer: writing one could block. The client sees the connection close at once.
    // A flood is logged once, and counted when a connection is admitted again.
    if (refused_since_logged_++ == 0) {
      log::warning("refused a connection: " + std::to_string(connections_.size()) +
                   " already open (limit " + std::to_string(options_.max_connections) + ")");
    }
    return;
  }
  if (refused_since_logged_ > 1) {
    log::notice("admitting connections again; refused " + std::to_string(refused_since_logged_) +
                " at the limit of " + std::to_string(options_.max_connections));
  }
  refused_since_logged_ = 0;
  auto connection = std::make_shared<HttpConnection>(
      std::move(socket), connection_settings_, [this](const ExchangePtr& ex) { handle(ex); },
      [this](HttpConnection* c) { connections_.erase(c); });
  connections_.emplace(connection.get(), connection);
  connection->start();
}

void HttpFront::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for_each_of_snapshot(connections_, [&](const auto& c) { c->check_timeouts(now); });
  for_each_of_snapshot(responders_, [&](const auto& weak) {
    if (auto r = weak.lock()) r->tick(now);
  });
  const auto interval = std::min<std::chrono::milliseconds>(
      sweep_interval, std::max(options_.keepalive_interval / 2, std::chrono::milliseconds(10)));
  sweep_timer_.expires_after(interval);
  sweep_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) sweep();
  });
}

void HttpFront::begin_stop() {
  stopping_ = true;
  std::error_code ec;
  acceptor_.close(ec);
  accept_retry_timer_.cancel();
  for_each_of_snapshot(responders_, [](const auto& weak) {
    if (auto r = weak.lock()) r->shut_down();
  });
  for_each_of_snapshot(connections_, [](const auto& c) { c->close_when_idle(); });
}

void HttpFront::stop() {
  stopping_ = true;
  std::error_code ec;
  acceptor_.close(ec);
  sweep_timer_.cancel();
  accept_retry_timer_.cancel();
  for_each_of_snapshot(connections_, [](const auto& c) { c->close(); });
  connections_.clear();
}

std::chrono::milliseconds HttpFront::reply_window() const {
  return json_reply_window;
}

bool HttpFront::acquire_stream() {
  if (open_streams_ >= options_.max_streams) return false;
  ++open_streams_;
  return true;
}

void HttpFront::release_stream() {
  if (open_streams_ > 0) --open_streams_;
}

void HttpFront::register_responder(const std::shared_ptr<OutboxResponder>& responder) {
  responders_.emplace(responder.get(), responder);
}

void HttpFront::unregister_responder(OutboxResponder* responder) {
  responders_.erase(responder);
}

bool HttpFront::origin_allowed(const http::Request& req) const {
  // Specification, basic/transports ("Security Warning"): validate Origin on every request,
  // or a web page the user visits could reach this service through DNS rebinding. Clients
  // that are not browsers send no Origin and are let through.
  const std::string* origin = req.header("Origin");
  if (origin == nullptr) return true;
  const std::string host = origin_host(*origin);
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return true;
  for (const auto& allowed : options_.allowed_origins) {
    if (allowed == *origin || allowed == "*") return true;
  }
  return false;
}

bool HttpFront::authorized(const http::Request& req) const {
  if (options_.bearer_tokens.empty()) return true;
  const std::string header = req.header_value("Authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) return false;
  const std::string_view token = std::string_view(header).substr(scheme.size());
  bool match = false;
  // Every token is compared, even after a match: the time taken tells nothing either.
  for (const auto& t : options_.bearer_tokens) match = equal_in_constant_time(t, token) || match;
  return match;
}

void HttpFront::handle(const ExchangePtr& ex) {
  const http::Request& req = ex->request();
  const std::string_view path = req.path();
  if (stopping_) {
    respond_jsonrpc_error(ex, 503, jsonrpc::code::connection_closed, "The gateway is shutting down",
                          {{"Connection", "close"}});
    return;
  }
  if (path != "/health" && !authorized(req)) {
    respond_jsonrpc_error(ex, 401, jsonrpc::code::invalid_request,
                          "Unauthorized: a valid bearer token is required",
                          {{"WWW-Authenticate", "Bearer"}});
    return;
  }
  if (!origin_allowed(req)) {
    log::warning("refused a request from Origin " + req.header_value("Origin"));
    respond_jsonrpc_error(ex, 403, jsonrpc::code::invalid_request, "Forbidden: Origin not allowed");
    return;
  }
  const std::string& method = req.method;
  auto not_allowed = [&](const char* allow) {
    ex->respond(405, "Method Not Allowed\n", "text/plain", {{"Allow", allow}});
  };
  if (path == "/mcp") {
    if (method == "POST") return handle_mcp_post(ex);
    if (method == "GET") return handle_mcp_get(ex);
    if (method == "DELETE") return handle_mcp_delete(ex);
    return not_allowed("GET, POST, DELETE");
  }
  if (path == "/sse") return method == "GET" ? handle_sse_open(ex) : not_allowed("GET");
  if (path == "/messages") return method == "POST" ? handle_sse_post(ex) : not_allowed("POST");
  if (path == "/health") {
    // Answered by the event loop itself, so a 200 says the loop runs.
    return method == "GET" ? ex->respond(200, "ok\n", "text/plain") : not_allowed("GET");
  }
  if (path == "/status") return method == "GET" ? handle_status(ex) : not_allowed("GET");
  ex->respond(404, "Not Found\n", "text/plain");
}

void HttpFront::handle_status(const ExchangePtr& ex) {
  ex->respond(200, router_.status_json(), json_content_type);
}

}  // namespace mcp::supervisor
