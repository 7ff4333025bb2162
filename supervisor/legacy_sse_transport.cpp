// The legacy HTTP+SSE transport (specification 2024-11-05, basic/transports): GET /sse opens
// a stream whose first event, "endpoint", tells the client where to POST; every answer and
// notification then travels on that stream as an event named "message".
#include <asio/post.hpp>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/sse.hpp"
#include "supervisor/http_front.hpp"
#include "supervisor/outbox_responder.hpp"

namespace mcp::supervisor {

void HttpFront::handle_sse_open(const ExchangePtr& ex) {
  if (!acquire_stream()) {
    ex->respond(503, "too many open streams (" + std::to_string(options_.max_streams) + ")\n");
    log::warning("refused an SSE stream: " + std::to_string(options_.max_streams) +
                 " already open");
    return;
  }
  const std::string id = new_session_id();
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  if (!router_.open_legacy_session(id, outbox)) {
    release_stream();
    ex->respond(503,
                jsonrpc::error_response("null", jsonrpc::code::internal_error,
                                        "Too many sessions (mcproxy.maxSessions)"),
                json_content_type);
    return;
  }
  sse_sessions_.insert(id);
  ResponderOptions options;
  options.shape = ResponderOptions::Shape::stream;
  options.prelude = sse::encode("endpoint", "/messages?sessionId=" + id);
  options.holds_stream_slot = true;
  options.on_end = [this, id] {
    sse_sessions_.erase(id);
    // Posted: the stream may end inside a write the router started.
    asio::post(io_, [this, id] { router_.close_session(id, "SSE stream ended"); });
  };
  OutboxResponder::start(*this, ex, std::move(outbox), std::move(options));
}

void HttpFront::handle_sse_post(const ExchangePtr& ex) {
  const http::Request& req = ex->request();
  const std::string id = req.query_param("sessionId");
  if (id.empty()) {
    respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                          "Bad Request: sessionId query parameter is required");
    return;
  }
  json::Document doc;
  if (auto err = json::parse(req.body, doc)) {
    respond_jsonrpc_error(
        ex, 400, jsonrpc::code::parse_error,
        "Parse error: " + err->message + " at offset " + std::to_string(err->offset));
    return;
  }
  // A session the router ended while its stream is still closing drops the message there.
  if (sse_sessions_.count(id) == 0) {
    respond_jsonrpc_error(ex, 404, jsonrpc::code::invalid_request, "Session not found");
    return;
  }
  // The answer travels on the session's stream; this POST is done once the router has it.
  ex->respond(202, "Accepted", "text/plain");
  router_.handle_message(id, FrontTransport::legacy_sse, std::move(doc), nullptr);
}

}  // namespace mcp::supervisor
