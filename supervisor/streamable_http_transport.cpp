// The Streamable HTTP transport (specification 2025-11-25, basic/transports, "Streamable
// HTTP"): one endpoint, /mcp. POST carries client messages; an answer comes back as JSON, or
// as an SSE stream when notifications (progress) come first. GET opens a stream for messages
// not tied to a request; DELETE ends the session. Sessions are named by Mcp-Session-Id.
#include <asio/post.hpp>

#include <cctype>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/mcp.hpp"
#include "protocol/modern_request.hpp"
#include "protocol/sse.hpp"
#include "supervisor/http_front.hpp"

namespace mcp::supervisor {

namespace {

constexpr const char* session_header = "Mcp-Session-Id";
constexpr const char* version_header = "MCP-Protocol-Version";
// How long a POST waits for its first frame before it commits to an SSE reply, whose
// keepalive comments then show whether the client is still there.
constexpr auto json_reply_window = std::chrono::seconds(5);

void send_error(httplib::Response& res, int status, int code, const std::string& message,
                std::string_view id = "null") {
  res.status = status;
  res.set_content(jsonrpc::error_response(id, code, message), json_content_type);
}

bool accepts(const httplib::Request& req, std::string_view type) {
  const std::string accept = req.get_header_value("Accept");
  return accept.find(type) != std::string::npos || accept.find("*/*") != std::string::npos;
}

// Specification: a request with an invalid or unsupported MCP-Protocol-Version gets 400; a
// request without one is taken to speak 2025-03-26.
bool version_header_ok(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_header(version_header)) return true;
  const std::string v = req.get_header_value(version_header);
  if (is_supported_legacy_version(v)) return true;
  send_error(res, 400, jsonrpc::code::invalid_request,
             "Bad Request: unsupported MCP-Protocol-Version: " + v);
  return false;
}

}  // namespace

void HttpFront::handle_mcp_post(const httplib::Request& req, const std::string& body,
                                httplib::Response& res) {
  const std::string content_type = req.get_header_value("Content-Type");
  if (content_type.find("application/json") == std::string::npos) {
    send_error(res, 415, jsonrpc::code::invalid_request,
               "Unsupported Media Type: Content-Type must be application/json");
    return;
  }
  if (!accepts(req, "application/json") || !accepts(req, "text/event-stream")) {
    send_error(res, 406, jsonrpc::code::invalid_request,
               "Not Acceptable: Accept must list application/json and text/event-stream");
    return;
  }
  json::Document doc;
  if (auto err = json::parse(body, doc)) {
    send_error(res, 400, jsonrpc::code::parse_error,
               "Parse error: " + err->message + " at offset " + std::to_string(err->offset));
    return;
  }
  if (!doc.IsArray() && serve_modern(req, doc, res)) return;
  std::string session_id = req.get_header_value(session_header);
  if (doc.IsArray()) {
    if (session_id.empty()) {
      send_error(res, 400, jsonrpc::code::invalid_request,
                 "Bad Request: Mcp-Session-Id header is required (initialize may not be batched)");
      return;
    }
    if (!version_header_ok(req, res)) return;
    reply_batch(session_id, doc, res);
    return;
  }
  const auto c = jsonrpc::classify(doc);
  if (c.kind == jsonrpc::Kind::invalid) {
    send_error(res, 400, jsonrpc::code::invalid_request,
               std::string("Invalid request: ") + c.reason, jsonrpc::id_text(doc));
    return;
  }
  const bool is_initialize = c.kind == jsonrpc::Kind::request && c.method == "initialize";
  if (is_initialize) {
    session_id = new_session_id();
  } else {
    if (session_id.empty()) {
      send_error(res, 400, jsonrpc::code::invalid_request,
                 "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    if (!version_header_ok(req, res)) return;
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  auto message = std::make_shared<json::Document>(std::move(doc));
  asio::post(io_, [this, session_id, message, outbox] {
    router_.handle_message(session_id, FrontTransport::streamable_http, std::move(*message),
                           outbox);
  });
  reply_from_outbox(outbox, is_initialize ? session_id : std::string(), res);
}

bool HttpFront::serve_modern(const httplib::Request& req, json::Document& doc,
                             httplib::Response& res) {
  // A dual-era endpoint (specification 2026-07-28, basic/versioning): a request carrying
  // per-request _meta (or a modern version header) is served statelessly; an initialize, or
  // anything on a session, stays legacy.
  auto header = [&](const char* name) -> std::optional<std::string> {
    if (!req.has_header(name)) return std::nullopt;
    return req.get_header_value(name);
  };
  const auto version = header(version_header);
  if (!modern::is_modern_request(doc, version)) return false;
  const auto c = jsonrpc::classify(doc);
  if (c.kind == jsonrpc::Kind::invalid || c.kind == jsonrpc::Kind::response) {
    // Specification 2026-07-28: a POST carries one request or notification, never a response.
    send_error(res, 400, jsonrpc::code::invalid_request,
               c.kind == jsonrpc::Kind::invalid
                   ? std::string("Invalid request: ") + c.reason
                   : std::string("Invalid request: a 2026-07-28 client sends no responses"),
               jsonrpc::id_text(doc));
    return true;
  }
  if (c.kind == jsonrpc::Kind::request) {
    const modern::RequestHeaders headers{version, header("Mcp-Method"), header("Mcp-Name")};
    if (auto rejected = modern::check_request(doc, headers)) {
      res.status = rejected->http_status;
      const std::string id = jsonrpc::id_text(doc);
      res.set_content(rejected->data_json.empty()
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
  // the catalog on the loop knows.
  auto param_headers = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  for (const auto& [name, value] : req.headers) {
    if (name.size() <= 10) continue;
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.compare(0, 10, "mcp-param-") == 0)
      param_headers->emplace_back(lower.substr(10), value);
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  auto message = std::make_shared<json::Document>(std::move(doc));
  asio::post(io_, [this, message, outbox, param_headers] {
    router_.handle_modern(std::move(*message), *param_headers, outbox);
  });
  // Specification 2026-07-28, basic/transports/streamable-http, "Cancellation": closing the
  // response stream cancels the request.
  reply_from_outbox(outbox, std::string(), res, [this, outbox] { router_.abandon(outbox); });
  return true;
}

void HttpFront::reply_from_outbox(const std::shared_ptr<Outbox>& outbox,
                                  const std::string& new_session, httplib::Response& res,
                                  std::function<void()> on_abandon) {
  std::vector<Frame> frames;
  const auto deadline = std::chrono::steady_clock::now() + json_reply_window;
  while (frames.empty() && std::chrono::steady_clock::now() < deadline && !stopping_.load()) {
    if (!outbox->wait(frames, std::chrono::milliseconds(250))) break;
  }
  if (frames.size() == 1 && frames.front().final) {
    const Frame& f = frames.front();
    if (f.http_status == 202) {
      res.status = 202;
      return;
    }
    if (f.http_status != 0) {
      res.status = f.http_status;
      if (!f.json.empty()) res.set_content(f.json, json_content_type);
      return;
    }
    if (!new_session.empty()) res.set_header(session_header, new_session);
    if (f.json.empty()) {
      res.status = 204;  // cancelled: no answer is owed
      return;
    }
    res.set_content(f.json, json_content_type);
    return;
  }
  if (frames.empty() && outbox->closed()) {
    send_error(res, 503, jsonrpc::code::connection_closed, "The gateway is shutting down");
    return;
  }
  if (!acquire_stream()) {
    outbox->close();
    send_error(res, 503, jsonrpc::code::internal_error,
               "Too many open streams (" + std::to_string(options_.max_streams) + ")");
    return;
  }
  if (!new_session.empty()) res.set_header(session_header, new_session);
  res.set_header("Cache-Control", "no-cache");
  // Reverse proxies such as nginx would otherwise hold events back (specification 2026-07-28,
  // basic/transports/streamable-http, "Receiving Messages").
  res.set_header("X-Accel-Buffering", "no");
  auto pending = std::make_shared<std::vector<Frame>>(std::move(frames));
  auto delivered = std::make_shared<std::atomic<bool>>(false);
  const auto keepalive = options_.keepalive_interval;
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, outbox, pending, keepalive, delivered](std::size_t, httplib::DataSink& sink) {
        return pump_sse(*outbox, *pending, sink, keepalive, /*end_on_final=*/true, stopping_,
                        delivered.get());
      },
      [this, outbox, on_abandon, delivered](bool) {
        // Ended without its final frame and not by our shutdown: the client went away.
        outbox->close();
        release_stream();
        if (!delivered->load() && !stopping_.load() && on_abandon) asio::post(io_, on_abandon);
      });
}

void HttpFront::reply_batch(const std::string& session_id, json::Document& batch,
                            httplib::Response& res) {
  // JSON-RPC batches (allowed by 2025-03-26, removed in 2025-06-18): each message is routed on
  // its own; the answers come back together as one JSON array.
  if (batch.Empty()) {
    send_error(res, 400, jsonrpc::code::invalid_request, "Invalid request: empty batch");
    return;
  }
  std::vector<std::shared_ptr<Outbox>> outboxes;
  for (auto& item : batch.GetArray()) {
    auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
    auto message = std::make_shared<json::Document>();
    message->CopyFrom(item, message->GetAllocator());
    asio::post(io_, [this, session_id, message, outbox] {
      router_.handle_message(session_id, FrontTransport::streamable_http, std::move(*message),
                             outbox);
    });
    outboxes.push_back(std::move(outbox));
  }
  std::string body = "[";
  bool any = false;
  for (const auto& outbox : outboxes) {
    std::vector<Frame> frames;
    while (true) {
      if (!outbox->wait(frames, std::chrono::seconds(1))) break;  // closed: nothing more comes
      if (!frames.empty() && frames.back().final) break;
    }
    for (const auto& f : frames) {
      if (f.http_status == 404) {
        send_error(res, 404, jsonrpc::code::invalid_request, "Session not found");
        return;
      }
      if (!f.final || f.json.empty() || f.http_status != 0) continue;
      if (any) body += ',';
      body += f.json;
      any = true;
    }
  }
  body += ']';
  if (!any) {
    res.status = 202;
    return;
  }
  res.set_content(body, json_content_type);
}

void HttpFront::handle_mcp_get(const httplib::Request& req, httplib::Response& res) {
  if (!accepts(req, "text/event-stream")) {
    send_error(res, 406, jsonrpc::code::invalid_request,
               "Not Acceptable: Accept must list text/event-stream");
    return;
  }
  const std::string session_id = req.get_header_value(session_header);
  if (session_id.empty()) {
    send_error(res, 400, jsonrpc::code::invalid_request,
               "Bad Request: Mcp-Session-Id header is required");
    return;
  }
  if (!version_header_ok(req, res)) return;
  if (!acquire_stream()) {
    send_error(res, 503, jsonrpc::code::internal_error,
               "Too many open streams (" + std::to_string(options_.max_streams) + ")");
    return;
  }
  auto outbox = std::make_shared<Outbox>(options_.outbox_max_bytes);
  asio::post(io_, [this, session_id, outbox] { router_.attach_stream(session_id, outbox); });
  std::vector<Frame> first;
  outbox->wait(first, std::chrono::seconds(5));
  const int status = first.empty() ? 503 : first.front().http_status;
  if (status != 200) {
    release_stream();
    outbox->close();
    if (status == 404) {
      send_error(res, 404, jsonrpc::code::invalid_request, "Session not found");
    } else if (status == 409) {
      send_error(res, 409, jsonrpc::code::invalid_request,
                 "Conflict: this session already has a GET stream");
    } else {
      send_error(res, 503, jsonrpc::code::internal_error, "The gateway is not answering");
    }
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  const auto keepalive = options_.keepalive_interval;
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, outbox, keepalive](std::size_t, httplib::DataSink& sink) {
        std::vector<Frame> none;
        return pump_sse(*outbox, none, sink, keepalive, /*end_on_final=*/false, stopping_);
      },
      [this, outbox](bool) {
        outbox->close();
        release_stream();
      });
}

void HttpFront::handle_mcp_delete(const httplib::Request& req, httplib::Response& res) {
  const std::string session_id = req.get_header_value(session_header);
  if (session_id.empty()) {
    send_error(res, 400, jsonrpc::code::invalid_request,
               "Bad Request: Mcp-Session-Id header is required");
    return;
  }
  auto outbox = std::make_shared<Outbox>(4096);
  asio::post(io_, [this, session_id, outbox] { router_.delete_session(session_id, outbox); });
  std::vector<Frame> frames;
  outbox->wait(frames, std::chrono::seconds(5));
  const int status = frames.empty() ? 503 : frames.front().http_status;
  if (status == 404) {
    send_error(res, 404, jsonrpc::code::invalid_request, "Session not found");
    return;
  }
  res.status = status;
}

}  // namespace mcp::supervisor
