#include "worker/sse_client.hpp"

#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "worker/remote_message.hpp"

namespace mcp::worker {

namespace {

bool is_success(int status) {
  return status >= 200 && status < 300;
}

std::string with_excerpt(int status, std::string_view excerpt) {
  return "HTTP " + std::to_string(status) + (excerpt.empty() ? "" : ": " + std::string(excerpt));
}

}  // namespace

SseClient::SseClient(HttpUrl url, HeaderList headers, TransportHooks hooks, std::string server_name,
                     std::string how_chosen)
    : url_(std::move(url)),
      headers_(std::move(headers)),
      hooks_(std::move(hooks)),
      name_(std::move(server_name)),
      how_chosen_(std::move(how_chosen)) {}

void SseClient::start() {
  HeaderList h = headers_;
  h.emplace_back("Accept", "text/event-stream");
  stream_tag_ =
      hooks_.submit(LaneKind::stream, HttpRequest{"GET", url_.target(), std::move(h), {}});
}

void SseClient::send(std::string message) {
  if (phase_ == Phase::connecting) {
    held_.push_back(std::move(message));
  } else if (phase_ == Phase::open) {
    post(std::move(message));
  }
}

void SseClient::on_http_event(const HttpEvent& e) {
  if (phase_ == Phase::closed) return;
  if (e.tag == stream_tag_) {
    on_stream_event(e);
    return;
  }
  auto it = posts_.find(e.tag);
  if (it == posts_.end() || e.kind != HttpEvent::Kind::done) return;
  const Post p = std::move(it->second);
  posts_.erase(it);
  on_post_done(p, e);
}

void SseClient::on_stream_event(const HttpEvent& e) {
  const std::string before = how_chosen_.empty() ? "" : " (" + how_chosen_ + ")";
  switch (e.kind) {
    case HttpEvent::Kind::head:
      if (!is_success(e.status) || !e.event_stream) {
        lose(channel::exit_code::unavailable,
             "GET " + url_.redacted() + " answered HTTP " + std::to_string(e.status) +
                 (e.event_stream ? "" : ", not an SSE stream") + before);
      }
      return;
    case HttpEvent::Kind::event:
      if (e.name == "endpoint") on_endpoint(e.data);
      return;
    case HttpEvent::Kind::message:
      hooks_.on_message(e.data);
      return;
    case HttpEvent::Kind::done:
      if (phase_ == Phase::connecting) {
        lose(channel::exit_code::unavailable,
             (e.status == 0 ? "cannot reach " + url_.redacted() + ": " + e.error
                            : "the SSE stream ended before its endpoint event") +
                 before);
      } else {
        lose(channel::exit_code::backend_exited,
             "the remote server ended the SSE stream" + (e.error.empty() ? "" : ": " + e.error));
      }
      return;
  }
}

void SseClient::on_endpoint(std::string_view ref) {
  if (phase_ != Phase::connecting) return;  // a second endpoint event changes nothing
  std::string error;
  auto resolved = resolve_url(url_, ref, error);
  if (!resolved) {
    lose(channel::exit_code::unavailable, "the endpoint event's URL " + error);
    return;
  }
  // As the TypeScript SDK does: messages (and the headers with them) go only where the
  // stream came from.
  if (!resolved->same_origin(url_)) {
    lose(channel::exit_code::unavailable,
         "the endpoint event names another origin (" + resolved->origin() + "); refused");
    return;
  }
  endpoint_ = std::move(resolved);
  phase_ = Phase::open;
  log::info("remote session started over HTTP+SSE" +
                (how_chosen_.empty() ? std::string() : " (" + how_chosen_ + ")") + ", posting to " +
                endpoint_->redacted(),
            {name_});
  while (!held_.empty() && phase_ == Phase::open) {
    std::string m = std::move(held_.front());
    held_.pop_front();
    post(std::move(m));
  }
}

void SseClient::post(std::string message) {
  const OutgoingMessage info = classify_outgoing(message);
  const LaneKind lane =
      info.origin == OutgoingMessage::Origin::supervisor_call ? LaneKind::calls : LaneKind::control;
  const std::uint64_t tag =
      hooks_.submit(lane, HttpRequest{"POST", endpoint_->target(), headers_, std::move(message)});
  posts_[tag] = Post{info.method, info.id_json, info.origin};
}

void SseClient::on_post_done(const Post& p, const HttpEvent& e) {
  if (e.status == 0) {
    lose(channel::exit_code::backend_exited,
         "cannot reach " + endpoint_->redacted() + ": " + e.error);
    return;
  }
  if (session_unknown(e.status, e.excerpt)) {
    lose(channel::exit_code::backend_exited, "the remote server no longer knows our session (" +
                                                 with_excerpt(e.status, e.excerpt) +
                                                 "); it restarted or ended it");
    return;
  }
  if (p.origin == OutgoingMessage::Origin::worker && upstream_unavailable(e.status)) {
    lose(channel::exit_code::backend_exited, p.method + " to " + endpoint_->redacted() + " got " +
                                                 with_excerpt(e.status, e.excerpt) +
                                                 ": the server behind the proxy is down");
    return;
  }
  if (is_success(e.status)) return;  // the answer, if any, comes on the stream
  const std::string what = with_excerpt(e.status, e.excerpt) + " for " +
                           (p.method.empty() ? std::string("a response") : p.method);
  hooks_.on_diagnostic("answered " + what);
  if (!p.request_id.empty()) {
    hooks_.on_message(
        jsonrpc::error_response(p.request_id, jsonrpc::code::internal_error,
                                "the remote server answered " + with_excerpt(e.status, e.excerpt)));
  }
}

void SseClient::lose(int exit_code, std::string reason) {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  hooks_.on_lost(exit_code, std::move(reason));
}

void SseClient::close(std::function<void()> done) {
  // The legacy transport has no way to end a session but dropping the stream, which the
  // owner's lanes do.
  phase_ = Phase::closed;
  done();
}

}  // namespace mcp::worker
