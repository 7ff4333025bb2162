#include "streamable_session.hpp"

#include "fd_io.hpp"
#include "mcp_text.hpp"

namespace raw_client {

namespace {
constexpr std::size_t max_event_bytes = 16 * 1024 * 1024;
constexpr std::int64_t delete_timeout_ns = 2'000'000'000;
}  // namespace

StreamableSession::StreamableSession(Url url, std::string tool)
    : Session(std::move(tool)), conn_(std::move(url)), events_(max_event_bytes) {
  version_ = protocol_version;
  call_id_ = next_id();
  set_deadline(now_ns() + call_timeout_ns);
  post(initialize_request(call_id_));
}

void StreamableSession::add_pollfds(std::vector<pollfd>& fds) const {
  if (state() == State::failed || state() == State::closed) {
    fds.push_back(pollfd{-1, 0, 0});
  } else {
    conn_.add_pollfd(fds);
  }
}

// Built whole before the timer starts; one write.
bool StreamableSession::post(std::string_view body) {
  const Url& u = conn_.url();
  std::string request = "POST " + u.path + " HTTP/1.1\r\nHost: " + u.authority() +
                        "\r\nContent-Type: application/json\r\n"
                        "Accept: application/json, text/event-stream\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n";
  if (!session_id_.empty()) {
    request += "Mcp-Session-Id: " + session_id_ + "\r\nMCP-Protocol-Version: " + version_ + "\r\n";
  }
  request += "\r\n";
  request += body;
  answered_ = false;
  events_ = mcp::sse::Decoder(max_event_bytes);
  if (state() == State::calling) mark_sent();
  if (!conn_.send(std::move(request))) {
    on_failure(conn_.error());
    return false;
  }
  return true;
}

void StreamableSession::send_call(const std::string& request) {
  post(request);
}

void StreamableSession::on_poll(const pollfd* fds) {
  if (state() == State::failed || state() == State::closed) return;
  switch (conn_.on_poll(fds[0].revents)) {
    case HttpConnection::Progress::none:
      break;
    case HttpConnection::Progress::data:
      if (conn_.response().event_stream()) scan_event_stream();
      break;
    case HttpConnection::Progress::complete:
      if (conn_.response().event_stream()) scan_event_stream();
      on_response();
      break;
    case HttpConnection::Progress::failed:
      on_failure(conn_.error());
      break;
  }
  if (deadline_passed()) {
    conn_.close();  // a late response would be taken for the next request's
    on_failure(state() == State::closing ? "DELETE timed out" : "timed out (10 s)");
  }
}

// Takes the events complete so far out of the body; the answer is the response to call_id_.
void StreamableSession::scan_event_stream() {
  std::string& body = conn_.response().body();
  if (body.empty()) return;
  events_.feed(body, [this](const mcp::sse::Event& e) {
    if (answered_ || call_id_ < 0 || !is_response_to(e.data, call_id_)) return;
    answer_ = e.data;
    answer_ns_ = now_ns();
    answered_ = true;
  });
  body.clear();
}

void StreamableSession::on_response() {
  HttpResponseParser& r = conn_.response();
  if (state() == State::closing) {
    become(State::closed);
    clear_deadline();
    return;
  }
  if (step_ == Step::initialized) {  // a notification: 202 Accepted (or 200)
    if (r.status() != 202 && r.status() != 200) {
      fail_session("notifications/initialized: HTTP " + std::to_string(r.status()) + ": " +
                   excerpt(r.body()));
      return;
    }
    step_ = Step::ready;
    become_idle();
    return;
  }
  const std::string what = step_ == Step::initialize ? "initialize" : "tools/call";
  if (r.status() != 200) {
    on_failure(what + ": HTTP " + std::to_string(r.status()) + ": " + excerpt(r.body()));
    return;
  }
  if (!r.event_stream()) {
    answer_ = std::move(r.body());
    answer_ns_ = now_ns();
    answered_ = true;
  }
  if (!answered_) {
    on_failure("no JSON-RPC response to id " + std::to_string(call_id_) + " in the " +
               (r.event_stream() ? "event stream" : "body"));
    return;
  }
  if (step_ == Step::ready) {
    answer_call(answer_, answer_ns_);
    return;
  }
  if (!is_response_to(answer_, call_id_) || !member_value(answer_, "result")) {
    fail_session("initialize failed: " + excerpt(answer_));
    return;
  }
  if (const std::string* id = r.header("mcp-session-id")) session_id_ = *id;
  if (std::string v = string_value(answer_, "protocolVersion"); !v.empty()) version_ = v;
  call_id_ = -1;
  step_ = Step::initialized;
  post(initialized_notification);
}

// A call fails and the session goes on (the next request reconnects if needed); during set-up
// or closing, the session ends.
void StreamableSession::on_failure(const std::string& why) {
  if (state() == State::calling) {
    finish_call(CallResult::Kind::failed, why);
  } else if (state() == State::closing) {
    become(State::closed);
    clear_deadline();
  } else if (state() == State::starting) {
    fail_session(why);
  }
}

// Ends the session (MCP basic/transports, "Session Management"); the answer is not checked.
void StreamableSession::start_close() {
  if (session_id_.empty() || state() == State::failed) {
    conn_.close();
    become(State::closed);
    return;
  }
  become(State::closing);
  set_deadline(now_ns() + delete_timeout_ns);
  const Url& u = conn_.url();
  if (!conn_.send("DELETE " + u.path + " HTTP/1.1\r\nHost: " + u.authority() +
                  "\r\nMcp-Session-Id: " + session_id_ + "\r\nMCP-Protocol-Version: " + version_ +
                  "\r\n\r\n")) {
    on_failure(conn_.error());
  }
}

}  // namespace raw_client
