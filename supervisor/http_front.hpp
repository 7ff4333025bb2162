// The HTTP front: cpp-httplib's server, the two MCP transports and the plain endpoints.
//   GET  /sse, POST /messages?sessionId=   legacy HTTP+SSE (specification 2024-11-05)
//   POST/GET/DELETE /mcp                   Streamable HTTP (specification 2025-03-26 and later)
//   GET  /health, GET /status              for people and probes
// Handlers run on HTTP threads and never touch routing state: they post to the event loop and
// wait on an Outbox (design.md, "Threads").
#pragma once

#include <httplib.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "supervisor/outbox.hpp"
#include "supervisor/router.hpp"

namespace mcp::supervisor {

struct FrontOptions {
  std::string host = "127.0.0.1";
  int port = 12009;  // 0: any free port
  std::size_t max_body_bytes = 8u << 20;
  std::size_t max_streams = 512;  // concurrent SSE streams (legacy + GET + POST-as-SSE)
  std::size_t outbox_max_bytes = 32u << 20;
  // A comment line on idle streams this often. It keeps proxies from cutting them, and it is
  // how a vanished client is noticed: cpp-httplib 0.11 gives a stream no way to see the peer's
  // FIN, so the second write after it fails. Two seconds bound how long a dead client's session
  // (and its thread) lingers, at two bytes a second per idle stream.
  std::chrono::milliseconds keepalive_interval{2000};
  // Browsers' Origin values that may call us besides localhost's (DNS-rebinding defence).
  std::vector<std::string> allowed_origins;
  // Accepted "Authorization: Bearer" tokens; empty: no authentication.
  std::vector<std::string> bearer_tokens;
};

class HttpFront {
 public:
  HttpFront(asio::io_context& io, Router& router, FrontOptions options);
  ~HttpFront();

  // Binds the listening socket; false (with why) if it cannot.
  bool bind(std::string& error);
  int port() const { return port_; }
  void start();
  // Stops accepting; connection threads finish on their own (idle keep-alive connections
  // within keep_alive_timeout_s).
  void begin_stop();
  // Stops accepting and waits for the connection threads to finish.
  void stop();

 private:
  void install_routes();
  bool origin_allowed(const httplib::Request& req) const;
  bool authorized(const httplib::Request& req) const;
  bool acquire_stream();
  void release_stream();

  void handle_sse_open(const httplib::Request& req, httplib::Response& res);
  void handle_sse_post(const httplib::Request& req, const std::string& body,
                       httplib::Response& res);
  void handle_mcp_post(const httplib::Request& req, const std::string& body,
                       httplib::Response& res);
  // Reads a POST body of at most max_body_bytes, however it is framed; nullopt (and a 413 or
  // 400 in res) when it is bigger or unreadable.
  std::optional<std::string> read_body(const httplib::ContentReader& read, httplib::Response& res);
  void handle_mcp_get(const httplib::Request& req, httplib::Response& res);
  void handle_mcp_delete(const httplib::Request& req, httplib::Response& res);
  void handle_health(httplib::Response& res);
  void handle_status(httplib::Response& res);

  // Replies to one POSTed message from its outbox: JSON if the answer comes alone, an SSE
  // stream when notifications precede it.
  // Serves a 2026-07-28 request and returns true; false when doc is a legacy message.
  bool serve_modern(const httplib::Request& req, json::Document& doc, httplib::Response& res);
  // on_abandon, when set, runs on the loop if the client closes an SSE reply before its end.
  void reply_from_outbox(const std::shared_ptr<Outbox>& outbox, const std::string& session_header,
                         httplib::Response& res, std::function<void()> on_abandon = {});
  void reply_batch(const std::string& session_id, json::Document& batch, httplib::Response& res);
  // Runs fn on the loop and waits for its string, up to timeout.
  std::optional<std::string> ask_loop(std::function<std::string()> fn,
                                      std::chrono::milliseconds timeout);

  asio::io_context& io_;
  Router& router_;
  FrontOptions options_;
  httplib::Server server_;
  std::thread thread_;
  std::atomic<std::size_t> open_streams_{0};
  // Ids of the legacy SSE sessions whose stream is open: POST /messages checks here.
  std::mutex sse_sessions_mutex_;
  std::unordered_set<std::string> sse_sessions_;
  // Set by begin_stop(). Requests that still arrive on kept-alive connections are refused, and
  // every stream ends: otherwise one could wait for an event loop that has already stopped.
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  int listen_fd_ = -1;  // the listening socket, seen in the socket-options callback
};

// One round of an SSE response fed from an outbox: waits up to keepalive for frames (unless
// pending already holds some), writes them as "message" events, or a comment when idle, and
// ends the stream once the outbox is closed or, with end_on_final, a final frame went out.
// Returns false when the client is gone. Legacy SSE, GET /mcp and POST-as-SSE all use it.
// The stream also ends once stopping is set: at shutdown no stream may outlive the front.
bool pump_sse(Outbox& outbox, std::vector<Frame>& pending, httplib::DataSink& sink,
              std::chrono::milliseconds keepalive, bool end_on_final,
              const std::atomic<bool>& stopping, std::atomic<bool>* delivered = nullptr);

// cpp-httplib gzips bodies of type exactly "application/json" when the client accepts gzip,
// which for our small messages costs more CPU on both ends than it saves bytes on loopback or a
// LAN; with the charset parameter (same media type, RFC 8259 section 11) it leaves them alone.
inline constexpr const char* json_content_type = "application/json; charset=utf-8";

// 128 bits from the kernel's CSPRNG, as 32 hex digits.
std::string new_session_id();

}  // namespace mcp::supervisor
