// The HTTP front: the listening socket, the two MCP transports and the plain endpoints, all on
// the event loop that owns the router.
//   GET  /sse, POST /messages?sessionId=   legacy HTTP+SSE (specification 2024-11-05)
//   POST/GET/DELETE /mcp                   Streamable HTTP (specification 2025-03-26 and later)
//   GET  /health, GET /status              for people and probes
// Handlers call the router directly and answer through an OutboxResponder; no handler waits.
// Why not cpp-httplib's server: it holds a thread per connection (and per open stream), and each
// call then crossed threads twice; see design.md, "Threads", and bench/README.md.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "supervisor/http_connection.hpp"
#include "supervisor/outbox.hpp"
#include "supervisor/router.hpp"

namespace mcp::supervisor {

class OutboxResponder;

struct FrontOptions {
  std::string host = "127.0.0.1";
  int port = 12009;  // 0: any free port
  std::size_t max_body_bytes = 8u << 20;
  std::size_t max_streams = 512;       // concurrent SSE streams (legacy + GET + POST-as-SSE)
  std::size_t max_connections = 4096;  // open TCP connections, streams included
  std::size_t outbox_max_bytes = 32u << 20;
  // A comment line on idle streams this often: it keeps proxies from cutting them.
  std::chrono::milliseconds keepalive_interval{15000};
  // Browsers' Origin values that may call us besides localhost's (DNS-rebinding defence).
  std::vector<std::string> allowed_origins;
  // Accepted "Authorization: Bearer" tokens; empty: no authentication.
  std::vector<std::string> bearer_tokens;
};

class HttpFront {
 public:
  HttpFront(asio::io_context& io, Router& router, FrontOptions options);
  ~HttpFront();

  // A reload's caps, origins and tokens: they apply to the next request (host and port stay).
  // Connections and streams already open above a lowered cap are left to end on their own.
  void apply_limits(const FrontOptions& next);
  // Binds the listening socket; false (with why) if it cannot.
  bool bind(std::string& error);
  // A reload's new listen address: listens there and stops listening on the old one, whose
  // connections stay. False (with why) if the new one cannot be had; the old one then stays.
  bool rebind(const std::string& host, int port, std::string& error);
  int port() const { return port_; }
  void start();
  // Stops accepting; streams end after writing what is queued, idle connections close, and
  // requests still arriving on busy ones get 503.
  void begin_stop();
  // Closes every connection now (the event loop has stopped).
  void stop();

  // For the responders.
  asio::io_context& io() { return io_; }
  bool stopping() const { return stopping_; }
  bool acquire_stream();
  void release_stream();
  std::size_t max_streams() const { return options_.max_streams; }
  std::chrono::milliseconds keepalive_interval() const { return options_.keepalive_interval; }
  std::chrono::milliseconds reply_window() const;
  void register_responder(const std::shared_ptr<OutboxResponder>& responder);
  void unregister_responder(OutboxResponder* responder);

 private:
  using ExchangePtr = std::shared_ptr<HttpExchange>;

  void accept_next();
  void admit(asio::ip::tcp::socket socket);
  void sweep();
  void handle(const ExchangePtr& ex);
  bool origin_allowed(const http::Request& req) const;
  bool authorized(const http::Request& req) const;

  void handle_sse_open(const ExchangePtr& ex);
  void handle_sse_post(const ExchangePtr& ex);
  void handle_mcp_post(const ExchangePtr& ex);
  void handle_mcp_get(const ExchangePtr& ex);
  void handle_mcp_delete(const ExchangePtr& ex);
  void handle_status(const ExchangePtr& ex);
  // Serves a 2026-07-28 request and returns true; false when doc is a legacy message.
  bool serve_modern(const ExchangePtr& ex, json::Document& doc);
  void reply_batch(const ExchangePtr& ex, const std::string& session_id, json::Document& batch);

  asio::io_context& io_;
  Router& router_;
  FrontOptions options_;
  ConnectionSettings connection_settings_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer accept_retry_timer_;
  std::unordered_map<HttpConnection*, std::shared_ptr<HttpConnection>> connections_;
  std::unordered_map<OutboxResponder*, std::weak_ptr<OutboxResponder>> responders_;
  std::size_t open_streams_ = 0;
  // Ids of the legacy SSE sessions whose stream is open: POST /messages checks here.
  std::unordered_set<std::string> sse_sessions_;
  bool stopping_ = false;
  bool refusing_logged_ = false;
  std::size_t refused_since_logged_ = 0;
  std::uint64_t accept_generation_ = 0;  // which accept chain is current (rebind starts one)  //
                                         // connections closed at max_connections since logged
  int port_ = 0;
};

// A JSON-RPC error as the whole HTTP response.
void respond_jsonrpc_error(const std::shared_ptr<HttpExchange>& ex, int status, int code,
                           const std::string& message, const std::vector<http::Header>& extra = {},
                           std::string_view id = "null");

// 128 bits from the kernel's CSPRNG, as 32 hex digits.
std::string new_session_id();

}  // namespace mcp::supervisor
