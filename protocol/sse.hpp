// Server-Sent Events encoding and decoding (WHATWG HTML, "Server-sent events", 9.2).
// Pure: no I/O. The encoder is used by the HTTP front; the decoder by tests and, later,
// by workers talking to remote SSE backends.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace mcp::sse {

struct Event {
  std::string event;  // empty means "message"
  std::string data;
  std::string id;
};

// One event, ready to write. Data containing newlines becomes several "data:" lines.
std::string encode(std::string_view event, std::string_view data, std::string_view id = {});

// A comment line; keeps idle streams alive through proxies that cut silent connections.
inline std::string keepalive() {
  return ": keepalive\n\n";
}

class Decoder {
 public:
  using EventHandler = std::function<void(const Event&)>;
  explicit Decoder(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  // Returns false once an event exceeded the limit; the stream should then be dropped.
  bool feed(std::string_view chunk, const EventHandler& on_event);

 private:
  void process_line(std::string_view line, const EventHandler& on_event);

  std::size_t max_event_bytes_;
  std::string line_;
  Event pending_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
  bool overflow_ = false;
};

}  // namespace mcp::sse
