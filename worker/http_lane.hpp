// Blocking HTTP exchanges on threads of their own, for remote backends.
//
// cpp-httplib's client blocks and the worker's loop must not, so a lane owns a small, fixed
// maximum of threads, each with its own client (and keep-alive connection) to the backend's
// origin, taking requests from one queue in order. Everything that comes back is cut into
// HttpEvents on the lane thread (head, each JSON-RPC message of a JSON or SSE body, other SSE
// events, the end) and handed to the loop through a LoopLink. Lane threads share nothing with
// the loop but the queue; the loop stays the only owner of the worker's state.
//
// Threads are detached and own the lane's shared state jointly, so a thread stuck in connect()
// at shutdown cannot hold the worker up; after LoopLink::close() nothing reaches the loop.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mcp::worker {

// The one way lane threads reach the loop. close() is called from the loop; after it returns,
// post() drops its work, so a thread that outlives its owner never touches the io_context.
class LoopLink {
 public:
  explicit LoopLink(asio::io_context& io) : io_(&io) {}
  template <class Fn>
  void post(Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (io_ != nullptr) asio::post(*io_, std::forward<Fn>(fn));
  }
  void close() {
    std::lock_guard lock(mutex_);
    io_ = nullptr;
  }

 private:
  std::mutex mutex_;
  asio::io_context* io_;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "POST", "GET" or "DELETE"
  std::string target;  // path and query on the lane's origin
  HeaderList headers;
  std::string body;  // sent as application/json when not empty
};

struct HttpEvent {
  enum class Kind {
    head,     // status line and headers arrived
    message,  // one JSON-RPC message of the body (JSON, or an SSE "message" event)
    event,    // an SSE event of another type (the legacy transport's "endpoint")
    done,     // the exchange is over
  };
  std::uint64_t tag = 0;
  Kind kind = Kind::head;
  int status = 0;             // head and done; 0 in done: no response arrived
  std::string session_id;     // head: the Mcp-Session-Id response header, if any
  bool event_stream = false;  // head: the body is text/event-stream
  std::string name;           // event: the SSE event type
  std::string data;           // message: one line of JSON; event: the data
  std::string response_id;    // message: a response's id as JSON text
  std::string event_id;       // message, event: the SSE "id" field
  std::string error;          // done: why the exchange broke off; empty if it completed
  std::string excerpt;        // done, for statuses >= 300: the start of the body
};

class HttpLane {
 public:
  struct Options {
    std::string origin;  // "http://host:port"
    std::size_t max_threads = 1;
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds read_timeout{600};
    std::size_t max_message_bytes = 16u << 20;
    std::string server_name;  // for log lines
  };
  // Called on lane threads, in the order things happen within one exchange.
  using Sink = std::function<void(HttpEvent)>;

  HttpLane(Options options, Sink sink);
  ~HttpLane();
  HttpLane(const HttpLane&) = delete;
  HttpLane& operator=(const HttpLane&) = delete;

  // Queues an exchange; a thread is started if none is idle and the maximum allows.
  void submit(std::uint64_t tag, HttpRequest request);
  // Drops the exchange if queued (no event then), or breaks it off if in flight (its done
  // event still comes).
  void cancel(std::uint64_t tag);
  // Drops queued exchanges and breaks off those in flight (their done events still come).
  void cancel_all();
  // cancel_all(), and the threads end; no event is delivered after this returns.
  void stop();
  // Threads not yet ended (a stopped lane's threads end once their exchange breaks off).
  std::size_t running_threads() const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace mcp::worker
