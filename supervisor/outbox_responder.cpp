#include "supervisor/outbox_responder.hpp"

#include <asio/post.hpp>

#include "protocol/jsonrpc.hpp"
#include "protocol/sse.hpp"
#include "supervisor/http_front.hpp"

namespace mcp::supervisor {

void OutboxResponder::start(HttpFront& front, const std::shared_ptr<HttpExchange>& exchange,
                            std::shared_ptr<Outbox> outbox, ResponderOptions options,
                            std::vector<Frame> pending) {
  auto r = std::make_shared<OutboxResponder>(front, exchange, std::move(outbox), std::move(options),
                                             std::move(pending));
  // The exchange owns the responder; everything else refers to it weakly, so it goes away with
  // the response, and nothing it captured outlives the connection.
  exchange->attach(r);
  front.register_responder(r);
  std::weak_ptr<OutboxResponder> weak = r;
  exchange->on_gone([weak] {
    if (auto self = weak.lock()) self->on_gone();
  });
  exchange->on_drained([weak] {
    if (auto self = weak.lock()) self->pump();
  });
  exchange->on_shutdown([weak] {
    if (auto self = weak.lock()) self->shut_down();
  });
  r->outbox_->set_listener([weak] {
    if (auto self = weak.lock()) self->schedule_pump();
  });
  if (r->options_.shape == ResponderOptions::Shape::stream && !r->start_stream()) return;
  r->pump();
}

OutboxResponder::OutboxResponder(HttpFront& front, const std::shared_ptr<HttpExchange>& exchange,
                                 std::shared_ptr<Outbox> outbox, ResponderOptions options,
                                 std::vector<Frame> pending)
    : front_(front),
      exchange_(exchange),
      outbox_(std::move(outbox)),
      options_(std::move(options)),
      pending_(std::move(pending)),
      holds_stream_slot_(options_.holds_stream_slot),
      reply_deadline_(Clock::now() + front.reply_window()),
      last_write_(Clock::now()) {}

OutboxResponder::~OutboxResponder() {
  outbox_->set_listener(nullptr);
  if (!ended_) {
    // The exchange went away without telling (its connection object died): end quietly.
    outbox_->close();
    if (holds_stream_slot_) front_.release_stream();
    front_.unregister_responder(this);
  }
}

void OutboxResponder::schedule_pump() {
  if (pump_scheduled_ || ended_) return;
  pump_scheduled_ = true;
  // Posted: the listener runs inside the router, which must finish before we write and maybe
  // end the response (and with it, call back into the router).
  asio::post(front_.io(), [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pump();
  });
}

void OutboxResponder::pump() {
  pump_scheduled_ = false;
  auto exchange = exchange_.lock();  // keeps the exchange, and so this, alive meanwhile
  if (!exchange || ended_ || exchange->gone()) return;
  if (!streaming_) {
    decide();
    return;
  }
  if (!exchange->drained()) return;  // on_drained calls again
  std::vector<Frame> frames;
  frames.swap(pending_);
  const bool open = outbox_->take(frames);
  write_frames(frames);
  if (!open || front_.stopping() ||
      (delivered_ && options_.shape == ResponderOptions::Shape::reply))
    end();
}

void OutboxResponder::decide() {
  auto exchange = exchange_.lock();
  const bool open = outbox_->take(pending_);
  if (pending_.empty()) {
    if (!open || front_.stopping()) {
      exchange->respond(503,
                        jsonrpc::error_response("null", jsonrpc::code::connection_closed,
                                                "The gateway is shutting down"),
                        json_content_type);
      end();
    }
    return;  // the listener or the reply window comes back here
  }
  if (pending_.size() == 1 && pending_.front().final) {
    const Frame f = std::move(pending_.front());
    pending_.clear();
    delivered_ = true;
    if (f.http_status == 202) {
      exchange->respond(202);
    } else if (f.http_status != 0) {
      exchange->respond(f.http_status, f.json, f.json.empty() ? "text/plain" : json_content_type);
    } else if (f.json.empty()) {
      exchange->respond(204, {}, "text/plain", options_.headers);  // cancelled: no answer owed
    } else {
      exchange->respond(200, f.json, json_content_type, options_.headers);
    }
    end();
    return;
  }
  if (!start_stream()) return;
  pump();
}

bool OutboxResponder::start_stream() {
  auto exchange = exchange_.lock();
  if (!holds_stream_slot_) {
    if (!front_.acquire_stream()) {
      exchange->respond(503,
                        jsonrpc::error_response(
                            "null", jsonrpc::code::internal_error,
                            "Too many open streams (" + std::to_string(front_.max_streams()) + ")"),
                        json_content_type);
      end();
      return false;
    }
    holds_stream_slot_ = true;
  }
  streaming_ = true;
  std::vector<http::Header> headers = options_.headers;
  headers.push_back({"Cache-Control", "no-cache"});
  // Reverse proxies such as nginx would otherwise hold events back (specification 2026-07-28,
  // basic/transports/streamable-http, "Receiving Messages").
  headers.push_back({"X-Accel-Buffering", "no"});
  exchange->begin_stream(headers);
  if (!options_.prelude.empty()) exchange->write(options_.prelude);
  last_write_ = Clock::now();
  return true;
}

void OutboxResponder::write_frames(std::vector<Frame>& frames) {
  std::string out;
  bool final = false;
  for (const auto& f : frames) {
    if (!f.json.empty()) out += sse::encode("message", f.json);
    final = final || f.final;
  }
  if (!out.empty()) {
    exchange_.lock()->write(out);
    last_write_ = Clock::now();
  }
  if (final && options_.shape == ResponderOptions::Shape::reply) delivered_ = true;
}

void OutboxResponder::end() {
  if (ended_) return;
  ended_ = true;
  outbox_->set_listener(nullptr);
  outbox_->close();
  if (auto exchange = exchange_.lock(); exchange && streaming_) exchange->end_stream();
  if (holds_stream_slot_) {
    holds_stream_slot_ = false;
    front_.release_stream();
  }
  front_.unregister_responder(this);
  if (options_.on_end) {
    auto fn = std::move(options_.on_end);
    options_.on_end = nullptr;
    fn();
  }
}

const http::Request* OutboxResponder::request() const {
  // The exchange outlives this call: the connection holds it while the response lasts.
  auto exchange = exchange_.lock();
  return exchange ? &exchange->request() : nullptr;
}

void OutboxResponder::on_gone() {
  if (ended_) return;
  const bool abandoned = !delivered_ && !front_.stopping() && options_.on_abandon != nullptr;
  auto on_abandon = options_.on_abandon;
  end();
  if (abandoned) asio::post(front_.io(), std::move(on_abandon));
}

void OutboxResponder::shut_down() {
  if (ended_) return;
  auto exchange = exchange_.lock();
  if (!exchange) return;
  if (streaming_) {
    // Write what is queued without waiting for the socket, then end.
    std::vector<Frame> frames;
    frames.swap(pending_);
    outbox_->take(frames);
    write_frames(frames);
    end();
    return;
  }
  decide();
}

void OutboxResponder::tick(Clock::time_point now) {
  auto exchange = exchange_.lock();
  if (!exchange || ended_ || exchange->gone()) return;
  if (!streaming_) {
    // Nothing within the reply window: commit to a stream, whose keepalive comments then show
    // whether the client is still there.
    if (now >= reply_deadline_ && start_stream()) pump();
    return;
  }
  if (now - last_write_ >= front_.keepalive_interval() && exchange->drained()) {
    exchange->write(sse::keepalive());
    last_write_ = now;
  }
}

}  // namespace mcp::supervisor
