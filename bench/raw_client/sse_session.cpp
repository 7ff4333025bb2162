#include "sse_session.hpp"

#include "fd_io.hpp"
#include "mcp_text.hpp"

namespace raw_client {

namespace {
constexpr std::size_t max_event_bytes = 16 * 1024 * 1024;
}

SseSession::SseSession(Url sse_url, std::string tool)
    : Session(std::move(tool)), stream_(std::move(sse_url)), events_(max_event_bytes) {
  set_deadline(now_ns() + call_timeout_ns);
  const Url& u = stream_.url();
  if (!stream_.send("GET " + u.path + " HTTP/1.1\r\nHost: " + u.authority() +
                    "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")) {
    fail_session(stream_.error());
  }
}

int SseSession::tcp_connections() const {
  return stream_.connections() + (post_ ? post_->connections() : 0);
}

void SseSession::add_pollfds(std::vector<pollfd>& fds) const {
  const bool live = state() != State::failed && state() != State::closed;
  if (live) {
    stream_.add_pollfd(fds);
  } else {
    fds.push_back(pollfd{-1, 0, 0});
  }
  if (live && post_) {
    post_->add_pollfd(fds);
  } else {
    fds.push_back(pollfd{-1, 0, 0});
  }
}

void SseSession::on_poll(const pollfd* fds) {
  if (state() == State::failed || state() == State::closed) return;
  on_stream(stream_.on_poll(fds[0].revents));
  if (post_ && state() != State::failed) on_post(post_->on_poll(fds[1].revents));
  if (deadline_passed()) on_timeout();
}

void SseSession::on_stream(HttpConnection::Progress progress) {
  HttpResponseParser& r = stream_.response();
  switch (progress) {
    case HttpConnection::Progress::none:
      return;
    case HttpConnection::Progress::failed:
      fail_session("event stream: " + stream_.error());
      return;
    case HttpConnection::Progress::data:
    case HttpConnection::Progress::complete:
      break;
  }
  if (!stream_open_ && r.has_head()) {
    if (r.status() != 200 || !r.event_stream()) {
      fail_session("GET " + stream_.url().path + ": HTTP " + std::to_string(r.status()) +
                   (r.event_stream() ? "" : ", not text/event-stream") + ": " + excerpt(r.body()));
      return;
    }
    stream_open_ = true;
  }
  if (stream_open_ && !r.body().empty()) {
    if (!events_.feed(r.body(), [this](const mcp::sse::Event& e) { on_event(e); })) {
      fail_session("an event over 16 MiB on the stream");
      return;
    }
    r.body().clear();
  }
  if (progress == HttpConnection::Progress::complete && state() != State::failed) {
    fail_session("the server ended the event stream");
  }
}

void SseSession::on_event(const mcp::sse::Event& e) {
  if (state() == State::failed) return;
  if (e.event == "endpoint") {
    if (step_ != Step::endpoint) return;
    const auto url = resolve_url(stream_.url(), e.data);
    if (!url) {
      fail_session("cannot use the endpoint event's URL: " + excerpt(e.data));
      return;
    }
    post_.emplace(*url);
    step_ = Step::initialize;
    call_id_ = next_id();
    set_deadline(now_ns() + call_timeout_ns);
    post(initialize_request(call_id_));
    return;
  }
  if (!e.event.empty() && e.event != "message") return;
  // Other messages (notifications, answers to calls given up on, other sessions' answers when
  // a gateway mixes them up, caught by the text check) are skipped.
  if (answered_ || call_id_ < 0 || !is_response_to(e.data, call_id_)) return;
  answer_ = e.data;
  answer_ns_ = now_ns();
  answered_ = true;
  advance();
}

void SseSession::post(std::string_view body) {
  const Url& u = post_->url();
  std::string request =
      "POST " + u.path + " HTTP/1.1\r\nHost: " + u.authority() +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  request += body;
  posted_ = false;
  answered_ = false;
  if (state() == State::calling) mark_sent();
  if (!post_->send(std::move(request))) on_failure(post_->error());
}

void SseSession::send_call(const std::string& request) {
  post(request);
}

void SseSession::on_post(HttpConnection::Progress progress) {
  switch (progress) {
    case HttpConnection::Progress::none:
    case HttpConnection::Progress::data:
      return;
    case HttpConnection::Progress::failed:
      on_failure("POST " + post_->url().path + ": " + post_->error());
      return;
    case HttpConnection::Progress::complete:
      break;
  }
  HttpResponseParser& r = post_->response();
  if (r.status() < 200 || r.status() > 299) {
    on_failure("POST " + post_->url().path + ": HTTP " + std::to_string(r.status()) + ": " +
               excerpt(r.body()));
    return;
  }
  posted_ = true;
  advance();
}

// Moves on once what the current step waits for is in: the POST's 2xx, and the answer on the
// stream for a request.
void SseSession::advance() {
  switch (step_) {
    case Step::endpoint:
      return;
    case Step::initialize:
      if (!posted_ || !answered_) return;
      if (!member_value(answer_, "result")) {
        fail_session("initialize failed: " + excerpt(answer_));
        return;
      }
      call_id_ = -1;
      step_ = Step::initialized;
      post(initialized_notification);
      return;
    case Step::initialized:
      if (!posted_) return;
      step_ = Step::ready;
      become_idle();
      return;
    case Step::ready:
      if (state() == State::calling && posted_ && answered_) answer_call(answer_, answer_ns_);
      return;
  }
}

void SseSession::on_failure(const std::string& why) {
  if (state() == State::calling) {
    finish_call(CallResult::Kind::failed, why);
  } else if (state() == State::starting) {
    fail_session(why);
  }
}

void SseSession::on_timeout() {
  if (state() == State::calling) {
    // A late POST response would be taken for the next one's; a late answer has another id.
    if (!posted_) post_->close();
    finish_call(CallResult::Kind::failed, posted_ ? "timed out (10 s) waiting for the answer event"
                                                  : "timed out (10 s) waiting for the POST");
  } else if (state() == State::starting) {
    fail_session(step_ == Step::endpoint ? "timed out (10 s) waiting for the endpoint event"
                                         : "timed out (10 s) in initialization");
  }
}

void SseSession::start_close() {
  stream_.close();
  if (post_) post_->close();
  become(State::closed);
  clear_deadline();
}

}  // namespace raw_client
