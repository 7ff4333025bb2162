#include "worker/http_lane.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

#include "build_config.hpp"
#include "common/log.hpp"
#include "protocol/ascii.hpp"
#include "protocol/sse.hpp"
#include "worker/remote_message.hpp"

namespace mcp::worker {

namespace {

// How much of an error response's body is kept for logs and /status.
constexpr std::size_t max_excerpt_bytes = 300;
// A JSON error body is read further: a modern server (2026-07-28) answers its errors with 4xx
// and a JSON-RPC error (UnsupportedProtocolVersionError, MissingRequiredClientCapability...)
// that must reach the caller as it is.
constexpr std::size_t max_error_body_bytes = 64u << 10;
constexpr const char* user_agent = "mcproxy/" MCPROXY_VERSION;

std::string describe(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "could not connect";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "connection broken or read timed out";
    case httplib::Error::Write:
      return "connection broken while sending";
    case httplib::Error::Canceled:
      return "cancelled";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate verification failed";
    default:
      return "HTTP client error " + std::to_string(static_cast<int>(e));
  }
}

std::string excerpt_of(std::string_view body) {
  std::string out(body.substr(0, max_excerpt_bytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

struct HttpLane::Shared {
  Options options;
  Sink sink;

  mutable std::mutex mutex;  // guards everything below but the sink
  std::condition_variable wake;
  std::deque<std::pair<std::uint64_t, HttpRequest>> queue;
  // One per running thread, with the tag of its exchange in flight (0: idle).
  std::map<httplib::Client*, std::uint64_t> clients;
  std::size_t threads = 0;
  std::size_t idle = 0;
  std::atomic<bool> stopping{false};

  std::mutex sink_mutex;  // held while the sink runs, so stop() can promise silence
  bool sink_closed = false;

  void deliver(HttpEvent e) {
    std::lock_guard lock(sink_mutex);
    if (!sink_closed) sink(std::move(e));
  }
  log::Context context() const { return {options.server_name}; }
};

namespace {

struct ExchangeResult {
  bool head_seen = false;
  bool retryable = false;  // nothing came back from a reused connection
};

// The JSON-RPC answers in a 4xx body; those without an id (id null: "your request is bad"
// before it was read) answer nothing and are left to the transport's own error.
void deliver_error_answers(HttpLane::Shared& s, std::uint64_t tag, std::string_view text) {
  std::string error;
  for (auto& m : split_incoming(text, error)) {
    if (m.response_id.empty() || m.response_id == "null") continue;
    HttpEvent e;
    e.tag = tag;
    e.kind = HttpEvent::Kind::message;
    e.data = std::move(m.text);
    e.response_id = std::move(m.response_id);
    s.deliver(std::move(e));
  }
}

void deliver_messages(HttpLane::Shared& s, std::uint64_t tag, std::string_view text,
                      std::string_view event_id) {
  std::string error;
  for (auto& m : split_incoming(text, error)) {
    HttpEvent e;
    e.tag = tag;
    e.kind = HttpEvent::Kind::message;
    e.data = std::move(m.text);
    e.response_id = std::move(m.response_id);
    e.event_id = std::string(event_id);
    s.deliver(std::move(e));
  }
  if (!error.empty()) {
    log::warning("the remote server sent a message that is " + error + " (dropped)", s.context());
  }
}

ExchangeResult exchange_once(HttpLane::Shared& s, httplib::Client& client, std::uint64_t tag,
                             const HttpRequest& request) {
  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.headers.emplace("User-Agent", user_agent);
  if (!request.body.empty()) {
    req.body = request.body;
    req.headers.emplace("Content-Type", "application/json");
  }

  ExchangeResult result;
  int status = 0;
  bool event_stream = false;
  bool json_body = false;
  bool oversize = false;
  std::string body;  // a JSON body, or the start of an error body
  sse::Decoder decoder(s.options.max_message_bytes);

  req.response_handler = [&](const httplib::Response& res) {
    result.head_seen = true;
    status = res.status;
    const std::string type = res.get_header_value("Content-Type");
    event_stream = ascii::istarts_with(type, "text/event-stream");
    json_body = ascii::istarts_with(type, "application/json");
    HttpEvent e;
    e.tag = tag;
    e.kind = HttpEvent::Kind::head;
    e.status = status;
    e.session_id = res.get_header_value("Mcp-Session-Id");
    e.event_stream = event_stream;
    s.deliver(std::move(e));
    return !s.stopping.load();
  };
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (s.stopping.load()) return false;
    if (event_stream && status < 300) {
      const bool ok = decoder.feed({data, n}, [&](const sse::Event& ev) {
        const bool is_message = ev.event.empty() || ev.event == "message";
        // An event with empty data only primes resumption (basic/transports, 2025-11-25).
        if (is_message && ev.data.find_first_not_of(" \t\r\n") != std::string::npos) {
          deliver_messages(s, tag, ev.data, ev.id);
          return;
        }
        HttpEvent e;
        e.tag = tag;
        e.kind = HttpEvent::Kind::event;
        e.name = ev.event;
        e.data = ev.data;
        e.event_id = ev.id;
        s.deliver(std::move(e));
      });
      oversize = !ok;
      return ok;
    }
    const std::size_t limit = status < 300                 ? s.options.max_message_bytes
                              : status >= 400 && json_body ? max_error_body_bytes
                                                           : max_excerpt_bytes;
    if (body.size() + n > limit) {
      if (status < 300) {
        oversize = true;
        return false;
      }
      body.append(data, limit - body.size());
      return true;
    }
    body.append(data, n);
    return true;
  };

  const bool reused = client.is_socket_open() > 0;
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool ok = client.send(req, res, err);

  if (!ok && !result.head_seen && reused &&
      (err == httplib::Error::Read || err == httplib::Error::Write) && !s.stopping.load()) {
    // The server closed the kept-alive connection as we reused it; nothing was answered.
    result.retryable = true;
    return result;
  }
  // Other 2xx bodies ("Accepted" as text/plain from legacy SSE servers) carry no message.
  if (ok && status < 300 && json_body && !body.empty()) {
    deliver_messages(s, tag, body, {});
  }
  if (ok && status >= 400 && status < 500 && json_body && !body.empty()) {
    deliver_error_answers(s, tag, body);
  }
  HttpEvent done;
  done.tag = tag;
  done.kind = HttpEvent::Kind::done;
  done.status = status;
  if (oversize) {
    done.error = "a message exceeded maxMessageBytes (" +
                 std::to_string(s.options.max_message_bytes) + " bytes)";
    log::error("dropped a remote message: " + done.error + "; the exchange was broken off",
               s.context());
  } else if (!ok) {
    done.error = describe(err);
  }
  if (status >= 300) done.excerpt = excerpt_of(body);
  s.deliver(std::move(done));
  return result;
}

void run_thread(std::shared_ptr<HttpLane::Shared> s) {
  httplib::Client client(s->options.origin);
  client.set_connection_timeout(s->options.connect_timeout);
  client.set_read_timeout(s->options.read_timeout);
  client.set_write_timeout(s->options.connect_timeout);
  client.set_keep_alive(true);
  // Targets are sent as the server gave them (the endpoint event's URL is already encoded).
  client.set_url_encode(false);

  std::unique_lock lock(s->mutex);
  s->clients[&client] = 0;
  while (true) {
    ++s->idle;
    s->wake.wait(lock, [&] { return s->stopping.load() || !s->queue.empty(); });
    --s->idle;
    if (s->stopping.load()) break;
    auto [tag, request] = std::move(s->queue.front());
    s->queue.pop_front();
    s->clients[&client] = tag;
    lock.unlock();
    if (exchange_once(*s, client, tag, request).retryable) exchange_once(*s, client, tag, request);
    lock.lock();
    s->clients[&client] = 0;
  }
  s->clients.erase(&client);
  --s->threads;
}

}  // namespace

HttpLane::HttpLane(Options options, Sink sink) : shared_(std::make_shared<Shared>()) {
  shared_->options = std::move(options);
  shared_->sink = std::move(sink);
}

HttpLane::~HttpLane() {
  stop();
}

void HttpLane::submit(std::uint64_t tag, HttpRequest request) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->stopping.load()) return;
  shared_->queue.emplace_back(tag, std::move(request));
  if (shared_->idle < shared_->queue.size() && shared_->threads < shared_->options.max_threads) {
    try {
      std::thread(run_thread, shared_).detach();
      ++shared_->threads;
    } catch (const std::system_error& e) {
      // The exchange waits for a running thread; with none, the worker's timeouts notice.
      log::error(std::string("cannot start an HTTP thread: ") + e.what(), shared_->context());
    }
  }
  shared_->wake.notify_one();
}

void HttpLane::cancel(std::uint64_t tag) {
  std::lock_guard lock(shared_->mutex);
  std::erase_if(shared_->queue, [tag](const auto& job) { return job.first == tag; });
  // httplib's way to break off an exchange from another thread: the socket is shut down and
  // the blocked read returns.
  for (const auto& [client, running] : shared_->clients) {
    if (running == tag) client->stop();
  }
}

void HttpLane::cancel_all() {
  std::lock_guard lock(shared_->mutex);
  shared_->queue.clear();
  for (const auto& [client, running] : shared_->clients) client->stop();
}

void HttpLane::stop() {
  {
    std::lock_guard lock(shared_->sink_mutex);
    shared_->sink_closed = true;
  }
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  cancel_all();
  shared_->wake.notify_all();
}

std::size_t HttpLane::running_threads() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->threads;
}

}  // namespace mcp::worker
