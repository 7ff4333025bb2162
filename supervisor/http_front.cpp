#include "supervisor/http_front.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <asio/post.hpp>
#include <future>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/sse.hpp"
#include "supervisor/elastic_thread_pool.hpp"

namespace mcp::supervisor {

namespace {

// Threads for connections beyond the stream cap: POSTs and idle keep-alive connections.
constexpr std::size_t spare_connection_threads = 128;
constexpr auto idle_thread_lifetime = std::chrono::seconds(30);
// Keep-alive waits hold a thread each, and shutdown waits for them, so they stay short, but not
// too short: Node's fetch (undici, used by the SDKs) does not reuse a connection whose server
// announces timeout <= 2, and a new TCP connection per call costs more than the call.
constexpr time_t keep_alive_timeout_s = 3;
constexpr std::size_t keep_alive_max_requests = 100000;
constexpr int listen_backlog = 1024;
// Headers: a request carries a handful; browsers and proxies stay far below these.
constexpr std::size_t max_header_count = 100;
constexpr std::size_t max_header_bytes = 64 * 1024;

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

}  // namespace

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

bool pump_sse(Outbox& outbox, std::vector<Frame>& pending, httplib::DataSink& sink,
              std::chrono::milliseconds keepalive, bool end_on_final,
              const std::atomic<bool>& stopping, std::atomic<bool>* delivered) {
  std::vector<Frame> batch;
  batch.swap(pending);
  bool open = true;
  // Stopping: take what is queued without waiting, write it, end.
  if (batch.empty())
    open = outbox.wait(batch, stopping.load() ? std::chrono::milliseconds(0) : keepalive);
  std::string out;
  bool final = false;
  for (const auto& f : batch) {
    if (!f.json.empty()) out += sse::encode("message", f.json);
    final = final || (end_on_final && f.final);
  }
  if (out.empty() && open && !final) out = sse::keepalive();
  if (!out.empty() && !sink.write(out.data(), out.size())) return false;
  if (final && delivered != nullptr) delivered->store(true);
  if (final || !open || stopping.load()) sink.done();
  return true;
}

HttpFront::HttpFront(asio::io_context& io, Router& router, FrontOptions options)
    : io_(io), router_(router), options_(std::move(options)) {
  const std::size_t max_threads = options_.max_streams + spare_connection_threads;
  server_.new_task_queue = [max_threads] {
    return new ElasticThreadPool(max_threads, idle_thread_lifetime);
  };
  server_.set_keep_alive_timeout(keep_alive_timeout_s);
  server_.set_keep_alive_max_count(keep_alive_max_requests);
  // Accepted sockets inherit these from the listening socket. TCP_NODELAY: a response goes out
  // as two writes (headers, body), and Nagle would hold the body until the client's delayed ACK,
  // 40 ms later.
  server_.set_socket_options([this](socket_t sock) {
    listen_fd_ = sock;
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  server_.set_payload_max_length(options_.max_body_bytes);
  server_.set_read_timeout(30, 0);
  server_.set_write_timeout(30, 0);
  install_routes();
}

HttpFront::~HttpFront() {
  stop();
}

bool HttpFront::bind(std::string& error) {
  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.host);
  } else {
    port_ = server_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
            std::strerror(errno);
    return false;
  }
  // Debian's cpp-httplib was compiled with a listen backlog of 5. A client that opens dozens of
  // connections at once (Node's fetch does, one per concurrent request) overflows it; Linux then
  // drops handshakes, and clients wait out SYN retransmissions of 1, 2, 4, ... seconds: under load
  // requests "time out" without the gateway ever seeing them. Calling listen() again on the
  // listening socket sets a real backlog.
  if (listen_fd_ >= 0 && ::listen(listen_fd_, listen_backlog) != 0) {
    error = std::string("listen backlog: ") + std::strerror(errno);
    return false;
  }
  return true;
}

void HttpFront::start() {
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

void HttpFront::begin_stop() {
  stopping_ = true;
  if (thread_.joinable()) server_.stop();
}

void HttpFront::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  server_.stop();
  thread_.join();
}

bool HttpFront::origin_allowed(const httplib::Request& req) const {
  // Specification, basic/transports ("Security Warning"): validate Origin on every request,
  // or a web page the user visits could reach this service through DNS rebinding. Clients
  // that are not browsers send no Origin and are let through.
  if (!req.has_header("Origin")) return true;
  const std::string origin = req.get_header_value("Origin");
  const std::string host = origin_host(origin);
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return true;
  for (const auto& allowed : options_.allowed_origins) {
    if (allowed == origin || allowed == "*") return true;
  }
  return false;
}

bool HttpFront::authorized(const httplib::Request& req) const {
  if (options_.bearer_tokens.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) return false;
  const std::string_view token = std::string_view(header).substr(scheme.size());
  bool match = false;
  for (const auto& t : options_.bearer_tokens) {
    // Compare every byte of every token: the time taken says nothing about a near miss.
    unsigned diff = t.size() != token.size();
    for (std::size_t i = 0; i < t.size(); ++i) {
      diff |= static_cast<unsigned>(t[i] ^ (i < token.size() ? token[i] : 0));
    }
    match = match || diff == 0;
  }
  return match;
}

bool HttpFront::acquire_stream() {
  std::size_t n = open_streams_.load();
  while (n < options_.max_streams) {
    if (open_streams_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

void HttpFront::release_stream() {
  open_streams_.fetch_sub(1);
}

void HttpFront::install_routes() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (stopping_.load()) {
      res.status = 503;
      res.set_header("Connection", "close");
      res.set_content(jsonrpc::error_response("null", jsonrpc::code::connection_closed,
                                              "The gateway is shutting down"),
                      json_content_type);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.path != "/health" && !authorized(req)) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content(jsonrpc::error_response("null", jsonrpc::code::invalid_request,
                                              "Unauthorized: a valid bearer token is required"),
                      json_content_type);
      return httplib::Server::HandlerResponse::Handled;
    }
    std::size_t header_bytes = 0;
    for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size() + 4;
    if (req.headers.size() > max_header_count || header_bytes > max_header_bytes) {
      // httplib refuses a single header line over 8 KiB itself; a block of many short ones
      // is ours to refuse (RFC 6585, 431).
      res.status = 431;
      res.set_header("Connection", "close");
      res.set_content(
          jsonrpc::error_response(
              "null", jsonrpc::code::invalid_request,
              "Request Header Fields Too Large: " + std::to_string(req.headers.size()) +
                  " headers, " + std::to_string(header_bytes) + " bytes (limits " +
                  std::to_string(max_header_count) + ", " + std::to_string(max_header_bytes) + ")"),
          json_content_type);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (origin_allowed(req)) return httplib::Server::HandlerResponse::Unhandled;
    log::warning("refused a request from Origin " + req.get_header_value("Origin"));
    res.status = 403;
    res.set_content(jsonrpc::error_response("null", jsonrpc::code::invalid_request,
                                            "Forbidden: Origin not allowed"),
                    json_content_type);
    return httplib::Server::HandlerResponse::Handled;
  });
  server_.Get("/sse",
              [this](const httplib::Request& q, httplib::Response& r) { handle_sse_open(q, r); });
  // POST bodies are read through a ContentReader: httplib 0.11 bounds a body by
  // payload_max_length only when it comes with a Content-Length, and would buffer a chunked
  // one of any size.
  server_.Post("/messages", [this](const httplib::Request& q, httplib::Response& r,
                                   const httplib::ContentReader& read) {
    if (auto body = read_body(read, r)) handle_sse_post(q, *body, r);
  });
  server_.Post("/mcp", [this](const httplib::Request& q, httplib::Response& r,
                              const httplib::ContentReader& read) {
    if (auto body = read_body(read, r)) handle_mcp_post(q, *body, r);
  });
  server_.Get("/mcp",
              [this](const httplib::Request& q, httplib::Response& r) { handle_mcp_get(q, r); });
  server_.Delete(
      "/mcp", [this](const httplib::Request& q, httplib::Response& r) { handle_mcp_delete(q, r); });
  server_.Get("/health",
              [this](const httplib::Request&, httplib::Response& r) { handle_health(r); });
  server_.Get("/status",
              [this](const httplib::Request&, httplib::Response& r) { handle_status(r); });
}

std::optional<std::string> HttpFront::read_body(const httplib::ContentReader& read,
                                                httplib::Response& res) {
  std::string body;
  bool too_big = false;
  const bool complete = read([&](const char* data, std::size_t n) {
    if (body.size() + n > options_.max_body_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (complete && !too_big) return body;
  // httplib itself answers 413 for a Content-Length over the limit.
  too_big = too_big || res.status == 413;
  res.status = too_big ? 413 : 400;
  res.set_header("Connection", "close");
  res.set_content(
      jsonrpc::error_response(
          "null", too_big ? jsonrpc::code::invalid_request : jsonrpc::code::parse_error,
          too_big ? "Payload Too Large: the body is over " +
                        std::to_string(options_.max_body_bytes) + " bytes (mcproxy.maxMessageBytes)"
                  : std::string("Bad Request: the body could not be read")),
      json_content_type);
  return std::nullopt;
}

std::optional<std::string> HttpFront::ask_loop(std::function<std::string()> fn,
                                               std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto future = promise->get_future();
  asio::post(io_, [promise, fn = std::move(fn)] { promise->set_value(fn()); });
  if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

void HttpFront::handle_health(httplib::Response& res) {
  // Healthy means the event loop answers, not merely that this thread runs.
  auto answer = ask_loop([] { return std::string("ok\n"); }, std::chrono::seconds(2));
  res.status = answer ? 200 : 503;
  res.set_content(answer ? *answer : "event loop not answering\n", "text/plain");
}

void HttpFront::handle_status(httplib::Response& res) {
  auto answer = ask_loop([this] { return router_.status_json(); }, std::chrono::seconds(2));
  if (!answer) {
    res.status = 503;
    res.set_content("{\"error\":\"event loop not answering\"}", json_content_type);
    return;
  }
  res.set_content(*answer, json_content_type);
}

}  // namespace mcp::supervisor
