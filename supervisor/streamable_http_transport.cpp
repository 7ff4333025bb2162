// The Streamable HTTP transport (specification 2025-11-25, basic/transports, "Streamable
// HTTP"): one endpoint, /mcp. POST carries client messages; an answer comes back as JSON, or
// as an SSE stream when notifications (progress) come first. GET opens a stream for messages
// not tied to a request; DELETE ends the session. Sessions are named by Mcp-Session-Id.
#include <asio/post.hpp>

#include "common/log.hpp"
#include "protocol/ascii.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/mcp.hpp"
#include "protocol/modern_request.hpp"
#include "protocol/sse.hpp"
#include "supervisor/http_front.hpp"
#include "supervisor/outbox_responder.hpp"

namespace mcp::supervisor {

namespace {

constexpr const char* session_header = "Mcp-Session-Id";
constexpr const char* version_header = "MCP-Protocol-Version";

bool accepts(const http::Request& req, std::string_view type) {
  const std::string accept = req.header_value("Accept");
  return accept.find(type) != std::string::npos || accept.find("*/*") != std::string::npos;
}

// Specification: a request with an invalid or unsupported MCP-Protocol-Version gets 400; a
// request without one is taken to speak 2025-03-26.
bool version_header_ok(const std::shared_ptr<HttpExchange>& ex) {
  const std::string* v = ex->request().header(version_header);
  if (v == nullptr || is_supported_legacy_version(*v)) return true;
  respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                        "Bad Request: unsupported MCP-Protocol-Version: " + *v);
  return false;
}

// The answers to a JSON-RPC batch, gathered from one outbox per message and sent as one array
// once each has its final frame (or ended without one).
class BatchReply : public std::enable_shared_from_this<BatchReply> {
 public:
  BatchReply(asio::io_context& io, const std::shared_ptr<HttpExchange>& ex,
             std::vector<std::shared_ptr<Outbox>> outboxes)
      : io_(io), exchange_(ex), outboxes_(std::move(outboxes)), frames_(outboxes_.size()) {}

  void start() {
    auto ex = exchange_.lock();
    ex->attach(shared_from_this());
    std::weak_ptr<BatchReply> weak = shared_from_this();
    ex->on_gone([weak] {
      if (auto self = weak.lock()) self->close_all();
    });
    for (auto& outbox : outboxes_) {
      outbox->set_listener([weak, &io = io_] {
        asio::post(io, [weak] {
          if (auto self = weak.lock()) self->collect();
        });
      });
    }
    collect();
  }

  ~BatchReply() { close_all(); }

 private:
  void collect() {
    auto ex = exchange_.lock();
    if (!ex || ex->responded() || ex->gone()) return;
    bool all_done = true;
    for (std::size_t i = 0; i < outboxes_.size(); ++i) {
      auto& got = frames_[i];
      const bool open = outboxes_[i]->take(got);
      const bool done = !open || (!got.empty() && got.back().final);
      all_done = all_done && done;
    }
    if (!all_done) return;
    std::string body = "[";
    bool any = false;
    for (const auto& got : frames_) {
      for (const auto& f : got) {
        if (f.http_status == 404) {
          close_all();
          respond_jsonrpc_error(ex, 404, jsonrpc::code::invalid_request, "Session not found");
          return;
        }
        if (!f.final || f.json.empty() || f.http_status != 0) continue;
        if (any) body += ',';
        body += f.json;
        any = true;
      }
    }
    body += ']';
    close_all();
    if (!any) {
      ex->respond(202);
      return;
    }
    ex->respond(200, body, json_content_type);
  }

  void close_all() {
    for (auto& outbox : outboxes_) {
      outbox->set_listener(nullptr);
      outbox->close();
    }
  }

  asio::io_context& io_;
  std::weak_ptr<HttpExchange> exchange_;
  std::vector<std::shared_ptr<Outbox>> outboxes_;
  std::vector<std::vector<Frame>> frames_;
};

}  // namespace

void HttpFront::handle_mcp_post(const ExchangePtr& ex) {
  const http::Request& req = ex->request();
  if (req.header_value("Content-Type").find("application/json") == std::string::npos) {
    respond_jsonrpc_error(ex, 415, jsonrpc::code::invalid_request,
                          "Unsupported Media Type: Content-Type must be application/json");
    return;
  }
  if (!accepts(req, "application/json") || !accepts(req, "text/event-stream")) {
    respond_jsonrpc_error(
        ex, 406, jsonrpc::code::invalid_request,
        "Not Acceptable: Accept must list application/json and text/event-stream");
    return;
  }
  json::Document doc;
  if (auto err = json::parse(req.body, doc)) {
    respond_jsonrpc_error(
        ex, 400, jsonrpc::code::parse_error,
        "Parse error: " + err->message + " at offset " + std::to_string(err->offset));
    return;
  }
  if (!doc.IsArray() && serve_modern(ex, doc)) return;
  std::string session_id = req.header_value(session_header);
  if (doc.IsArray()) {
    if (session_id.empty()) {
      respond_jsonrpc_error(
          ex, 400, jsonrpc::code::invalid_request,
          "Bad Request: Mcp-Session-Id header is required (initialize may not be batched)");
      return;
    }
    if (!version_header_ok(ex)) return;
    reply_batch(ex, session_id, doc);
    return;
  }
  const auto c = jsonrpc::classify(doc);
  if (c.kind == jsonrpc::Kind::invalid) {
    respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                          std::string("Invalid request: ") + c.reason, {}, jsonrpc::id_text(doc));
    return;
  }
  const bool is_initialize = c.kind == jsonrpc::Kind::request && c.method == "initialize";
  if (is_initialize) {
    session_id = new_session_id();
  } else {
    if (session_id.empty()) {
      respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                            "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    if (!version_header_ok(ex)) return;
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  router_.handle_message(session_id, FrontTransport::streamable_http, std::move(doc), outbox);
  ResponderOptions options;
  if (is_initialize) options.headers.push_back({session_header, session_id});
  OutboxResponder::start(*this, ex, std::move(outbox), std::move(options));
}

bool HttpFront::serve_modern(const ExchangePtr& ex, json::Document& doc) {
  // A dual-era endpoint (specification 2026-07-28, basic/versioning): a request carrying
  // per-request _meta (or a modern version header) is served statelessly; an initialize, or
  // anything on a session, stays legacy.
  const http::Request& req = ex->request();
  auto header = [&](const char* name) -> std::optional<std::string> {
    const std::string* v = req.header(name);
    if (v == nullptr) return std::nullopt;
    return *v;
  };
  const auto version = header(version_header);
  if (!modern::is_modern_request(doc, version)) return false;
  const auto c = jsonrpc::classify(doc);
  if (c.kind == jsonrpc::Kind::invalid || c.kind == jsonrpc::Kind::response) {
    // Specification 2026-07-28: a POST carries one request or notification, never a response.
    respond_jsonrpc_error(
        ex, 400, jsonrpc::code::invalid_request,
        c.kind == jsonrpc::Kind::invalid
            ? std::string("Invalid request: ") + c.reason
            : std::string("Invalid request: a 2026-07-28 client sends no responses"),
        {}, jsonrpc::id_text(doc));
    return true;
  }
  if (c.kind == jsonrpc::Kind::request) {
    const modern::RequestHeaders headers{version, header("Mcp-Method"), header("Mcp-Name")};
    if (auto rejected = modern::check_request(doc, headers)) {
      const std::string id = jsonrpc::id_text(doc);
      ex->respond(rejected->http_status,
                  rejected->data_json.empty()
                      ? jsonrpc::error_response(id, rejected->code, rejected->message)
                      : "{\"jsonrpc\":\"2.0\",\"id\":" + id +
                            ",\"error\":{\"code\":" + std::to_string(rejected->code) +
                            ",\"message\":" + json::quote(rejected->message) +
                            ",\"data\":" + rejected->data_json + "}}",
                  json_content_type);
      return true;
    }
  }
  // Mcp-Param-* headers are checked against the tool's x-mcp-header annotations, which only
  // the catalog knows.
  std::vector<std::pair<std::string, std::string>> param_headers;
  for (const auto& h : req.headers) {
    constexpr std::string_view prefix = "mcp-param-";
    if (h.name.size() > prefix.size() && ascii::istarts_with(h.name, prefix))
      param_headers.emplace_back(ascii::lowered(h.name.substr(prefix.size())), h.value);
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  router_.handle_modern(std::move(doc), param_headers, outbox);
  ResponderOptions options;
  // Specification 2026-07-28, basic/transports/streamable-http, "Cancellation": closing the
  // response stream cancels the request.
  options.on_abandon = [this, weak = std::weak_ptr<Outbox>(outbox)] {
    if (auto o = weak.lock()) router_.abandon(o);
  };
  OutboxResponder::start(*this, ex, std::move(outbox), std::move(options));
  return true;
}

void HttpFront::reply_batch(const ExchangePtr& ex, const std::string& session_id,
                            json::Document& batch) {
  // JSON-RPC batches (allowed by 2025-03-26, removed in 2025-06-18): each message is routed on
  // its own; the answers come back together as one JSON array.
  if (batch.Empty()) {
    respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request, "Invalid request: empty batch");
    return;
  }
  std::vector<std::shared_ptr<Outbox>> outboxes;
  for (auto& item : batch.GetArray()) {
    auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
    json::Document message;
    message.CopyFrom(item, message.GetAllocator());
    router_.handle_message(session_id, FrontTransport::streamable_http, std::move(message), outbox);
    outboxes.push_back(std::move(outbox));
  }
  std::make_shared<BatchReply>(io_, ex, std::move(outboxes))->start();
}

void HttpFront::handle_mcp_get(const ExchangePtr& ex) {
  const http::Request& req = ex->request();
  if (!accepts(req, "text/event-stream")) {
    respond_jsonrpc_error(ex, 406, jsonrpc::code::invalid_request,
                          "Not Acceptable: Accept must list text/event-stream");
    return;
  }
  const std::string session_id = req.header_value(session_header);
  if (session_id.empty()) {
    respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                          "Bad Request: Mcp-Session-Id header is required");
    return;
  }
  if (!version_header_ok(ex)) return;
  if (!acquire_stream()) {
    respond_jsonrpc_error(ex, 503, jsonrpc::code::internal_error,
                          "Too many open streams (" + std::to_string(options_.max_streams) + ")");
    return;
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  router_.attach_stream(session_id, outbox);
  std::vector<Frame> first;
  outbox->take(first);
  const int status = first.empty() ? 503 : first.front().http_status;
  if (status != 200) {
    release_stream();
    outbox->close();
    if (status == 404) {
      respond_jsonrpc_error(ex, 404, jsonrpc::code::invalid_request, "Session not found");
    } else if (status == 409) {
      respond_jsonrpc_error(ex, 409, jsonrpc::code::invalid_request,
                            "Conflict: this session already has a GET stream");
    } else {
      respond_jsonrpc_error(ex, 503, jsonrpc::code::internal_error, "The gateway is not answering");
    }
    return;
  }
  first.erase(first.begin());  // the router's "200"; anything after it is a message
  ResponderOptions options;
  options.shape = ResponderOptions::Shape::stream;
  options.holds_stream_slot = true;
  OutboxResponder::start(*this, ex, std::move(outbox), std::move(options), std::move(first));
}

void HttpFront::handle_mcp_delete(const ExchangePtr& ex) {
  const std::string session_id = ex->request().header_value(session_header);
  if (session_id.empty()) {
    respond_jsonrpc_error(ex, 400, jsonrpc::code::invalid_request,
                          "Bad Request: Mcp-Session-Id header is required");
    return;
  }
  auto outbox = std::make_shared<Outbox>(4096);
  router_.delete_session(session_id, outbox);
  std::vector<Frame> frames;
  outbox->take(frames);
  const int status = frames.empty() ? 503 : frames.front().http_status;
  if (status == 404) {
    respond_jsonrpc_error(ex, 404, jsonrpc::code::invalid_request, "Session not found");
    return;
  }
  ex->respond(status);
}

}  // namespace mcp::supervisor
