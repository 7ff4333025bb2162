// The legacy HTTP+SSE transport (specification 2024-11-05, basic/transports): GET /sse opens
// a stream whose first event, "endpoint", tells the client where to POST; every answer and
// notification then travels on that stream as an event named "message".
#include <asio/post.hpp>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/sse.hpp"
#include "supervisor/http_front.hpp"

namespace mcp::supervisor {

void HttpFront::handle_sse_open(const httplib::Request&, httplib::Response& res) {
  if (!acquire_stream()) {
    res.status = 503;
    res.set_content("too many open streams (" + std::to_string(options_.max_streams) + ")\n",
                    "text/plain");
    log::warning("refused an SSE stream: " + std::to_string(options_.max_streams) +
                 " already open");
    return;
  }
  const std::string id = new_session_id();
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  // The session is opened on the loop, where the session cap is known; a refusal comes back
  // as the outbox's first frame.
  asio::post(io_, [this, id, outbox] {
    const bool opened = router_.open_legacy_session(id, outbox);
    outbox->push({"", !opened, opened ? 200 : 503});
  });
  std::vector<Frame> first;
  outbox->wait(first, std::chrono::seconds(5));
  if (first.empty() || first.front().http_status != 200) {
    outbox->close();
    release_stream();
    res.status = 503;
    res.set_content(
        jsonrpc::error_response("null", jsonrpc::code::internal_error,
                                first.empty() ? "The gateway is not answering"
                                              : "Too many sessions (mcproxy.maxSessions)"),
        json_content_type);
    return;
  }

  {
    std::lock_guard lock(sse_sessions_mutex_);
    sse_sessions_.insert(id);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto endpoint_sent = std::make_shared<bool>(false);
  const auto keepalive = options_.keepalive_interval;
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, id, outbox, endpoint_sent, keepalive](std::size_t, httplib::DataSink& sink) {
        if (!*endpoint_sent) {
          *endpoint_sent = true;
          const std::string ev = sse::encode("endpoint", "/messages?sessionId=" + id);
          return sink.write(ev.data(), ev.size());
        }
        std::vector<Frame> none;
        return pump_sse(*outbox, none, sink, keepalive, /*end_on_final=*/false, stopping_);
      },
      [this, id, outbox](bool) {
        {
          std::lock_guard lock(sse_sessions_mutex_);
          sse_sessions_.erase(id);
        }
        outbox->close();
        release_stream();
        asio::post(io_, [this, id] { router_.close_session(id, "SSE stream ended"); });
      });
}

void HttpFront::handle_sse_post(const httplib::Request& req, const std::string& body,
                                httplib::Response& res) {
  const std::string id = req.get_param_value("sessionId");
  if (id.empty()) {
    res.status = 400;
    res.set_content(jsonrpc::error_response("null", jsonrpc::code::invalid_request,
                                            "Bad Request: sessionId query parameter is required"),
                    json_content_type);
    return;
  }
  auto doc = std::make_shared<json::Document>();
  if (auto err = json::parse(body, *doc)) {
    res.status = 400;
    res.set_content(jsonrpc::error_response("null", jsonrpc::code::parse_error,
                                            "Parse error: " + err->message + " at offset " +
                                                std::to_string(err->offset)),
                    json_content_type);
    return;
  }
  // The answer travels on the session's stream, so this POST only needs to know that the
  // session exists. The set of open streams tells, without a round trip to the loop (which
  // cost a thread hand-off per call: bench/README.md, "Profile"). A session the router ended
  // while its stream is still closing drops the message there.
  bool open = false;
  {
    std::lock_guard lock(sse_sessions_mutex_);
    open = sse_sessions_.count(id) != 0;
  }
  if (!open) {
    res.status = 404;
    res.set_content(
        jsonrpc::error_response("null", jsonrpc::code::invalid_request, "Session not found"),
        json_content_type);
    return;
  }
  asio::post(io_, [this, id, doc] {
    router_.handle_message(id, FrontTransport::legacy_sse, std::move(*doc), nullptr);
  });
  res.status = 202;
  res.set_content("Accepted", "text/plain");
}

}  // namespace mcp::supervisor
