// Fuzz target: an SSE stream from a remote server as the remote worker reads it
// (worker/http_lane.cpp): sse::Decoder fed the chunks as they arrive, and the data of each
// "message" event turned into JSON-RPC messages (worker/remote_message.hpp). Checked besides
// "no crash, no sanitizer report": the events do not depend on where the stream was cut, no
// event outgrows the limit, a stream once over the limit stays refused, and what goes on to
// the channel is one message per line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sse.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/remote_message.hpp"

namespace mcp::fuzz {
namespace {

// A small limit exercises the refusal; a large one lets every event through.
constexpr std::size_t event_limits_bytes[] = {32, 1u << 20};

struct Decoded {
  std::vector<sse::Event> events;
  bool accepted = true;  // the decoder never refused a chunk
};

bool same_events(const std::vector<sse::Event>& a, const std::vector<sse::Event>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  }
  return true;
}

Decoded decode(std::string_view input, Chunking how, std::size_t limit) {
  sse::Decoder decoder(limit);
  Decoded out;
  auto on_event = [&](const sse::Event& e) { out.events.push_back(e); };
  for (std::string_view chunk : cut(input, how)) {
    if (!decoder.feed(chunk, on_event)) {
      out.accepted = false;
      break;
    }
  }
  if (!out.accepted) {
    const std::size_t before = out.events.size();
    check(!decoder.feed("data: x\n\n", on_event) && out.events.size() == before,
          "a decoder over its limit took more input", input);
  }
  return out;
}

void check_event(const sse::Event& e, std::size_t limit, std::string_view input) {
  // Lines end at CR, LF or CRLF (WHATWG HTML 9.2.5), so no field keeps a line break; data lines
  // are joined with LF only.
  check(e.event.find_first_of("\r\n") == std::string::npos, "event type holds a line break", input);
  check(e.id.find_first_of("\r\n") == std::string::npos, "event id holds a line break", input);
  check(e.data.find('\r') == std::string::npos, "event data holds a CR", input);
  check(e.data.size() <= limit && e.event.size() <= limit && e.id.size() <= limit,
        "an event outgrew the decoder's limit", input);
}

// What http_lane.cpp does with a "message" event that carries data.
void check_messages(const sse::Event& e, std::string_view input) {
  const bool is_message = e.event.empty() || e.event == "message";
  if (!is_message || e.data.find_first_not_of(" \t\r\n") == std::string::npos) return;
  std::string error;
  for (const auto& m : worker::split_incoming(e.data, error)) {
    check(m.text.find_first_of("\r\n") == std::string::npos,
          "a message from an SSE event spans lines", input);
  }
}

}  // namespace
}  // namespace mcp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcp::fuzz;
  const std::string_view input = as_text(data, size);
  for (const std::size_t limit : event_limits_bytes) {
    const Decoded whole = decode(input, Chunking::whole, limit);
    for (const Chunking how : all_chunkings) {
      if (how == Chunking::whole) continue;
      const Decoded other = decode(input, how, limit);
      check(other.accepted == whole.accepted && same_events(other.events, whole.events),
            "the events depend on where the stream was cut", input);
    }
    for (const auto& e : whole.events) {
      check_event(e, limit, input);
      if (limit == event_limits_bytes[1]) check_messages(e, input);
    }
  }
  return 0;
}
