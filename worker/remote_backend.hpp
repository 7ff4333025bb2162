// A remote MCP server over HTTP: "url" in the config, with transport "streamable-http",
// "sse", or neither (auto: Streamable HTTP first, the legacy HTTP+SSE transport when the
// server rejects it, per the specification's "Backwards Compatibility").
//
// The HTTP I/O runs on three lanes of blocking threads (worker/http_lane.hpp), at most
// 1 + max_call_threads + 1 of them; everything they receive is posted to the loop, where the
// transport object, the only holder of session state, deals with it.
//
// There is no process to watch: memoryLimitMB does not apply, and liveness comes from the
// worker's pings, the GET stream breaking, and connection errors, each of which ends the
// worker so that the supervisor's restart (with backoff) opens a new session.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <variant>
#include <vector>

#include "common/config.hpp"
#include "worker/backend.hpp"
#include "worker/http_lane.hpp"
#include "worker/mcp_param_headers.hpp"
#include "worker/remote_transport.hpp"
#include "worker/remote_url.hpp"

namespace mcp::worker {

// A remote server as mcproxy/start describes it.
struct RemoteConfig {
  std::string server_name;
  BackendTransport transport = BackendTransport::http_auto;  // sse, streamable_http, auto
  std::string url;
  std::map<std::string, std::string> headers;  // values may hold ${VAR}
  std::size_t max_message_bytes = 16u << 20;
};

class RemoteBackend final : public Backend {
 public:
  // Checks the URL and expands ${VAR} in header values from the worker's environment; what
  // can never work comes back as a StartError with exit code config.
  static std::variant<std::unique_ptr<RemoteBackend>, StartError> create(
      asio::io_context& io, const RemoteConfig& config);

  struct Spec {
    std::string server_name;
    HttpUrl url;
    BackendTransport transport = BackendTransport::http_auto;  // sse, streamable_http, auto
    HeaderList headers;                                        // ${VAR} already expanded
    std::size_t max_message_bytes = 16u << 20;
  };

  RemoteBackend(asio::io_context& io, Spec spec);
  ~RemoteBackend() override;

  std::optional<StartError> start(Handlers handlers) override;
  void send(std::string_view message) override;
  void stop(StopMode mode, std::function<void(std::string ended)> done) override;
  std::string description() const override;
  bool accepts_tool(const json::Value& tool) override;

 private:
  TransportHooks hooks();
  std::uint64_t submit(LaneKind lane, HttpRequest request);
  void on_http_event(const HttpEvent& e);
  void fall_back_to_sse(std::string initialize_message, int status);
  void after_close();
  void wait_for_threads(std::chrono::steady_clock::time_point deadline);

  asio::io_context& io_;
  Spec spec_;
  Handlers handlers_;
  std::shared_ptr<LoopLink> link_;
  // Events posted by lane threads run only while this lives (the loop checks it first).
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
  std::unique_ptr<HttpLane> control_;
  std::unique_ptr<HttpLane> calls_;
  std::unique_ptr<HttpLane> stream_;
  std::unique_ptr<RemoteTransport> transport_;
  // x-mcp-header parameters of the modern server's tools, for the Mcp-Param-* headers of calls.
  std::shared_ptr<ToolHeaderParams> tool_header_params_ = std::make_shared<ToolHeaderParams>();
  // Replaced by the fallback; kept until we go, since it may still be on the call stack.
  std::vector<std::unique_ptr<RemoteTransport>> retired_;
  std::uint64_t next_tag_ = 0;
  bool stopping_ = false;
  bool closed_ = false;
  asio::steady_timer stop_timer_;
  std::function<void(std::string)> stopped_;
};

}  // namespace mcp::worker
