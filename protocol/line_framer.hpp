// Newline-delimited framing, as used by MCP's stdio transport and by our supervisor<->worker
// channel. Feeds arbitrary chunks; hands out whole lines. A line longer than the limit is
// dropped whole (its bytes are skipped up to the next newline) and reported once, so that one
// huge message never grows our buffer without bound nor desynchronizes the stream.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace mcp {

class LineFramer {
 public:
  using LineHandler = std::function<void(std::string_view line)>;
  // Called once per dropped line, with the number of bytes seen of it when it was dropped.
  using OversizeHandler = std::function<void(std::size_t bytes)>;

  explicit LineFramer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Empty lines (and a lone "\r") are skipped; a trailing "\r" is stripped.
  void feed(std::string_view data, const LineHandler& on_line, const OversizeHandler& on_oversize);

  std::size_t buffered_bytes() const { return partial_.size(); }
  // The first and last edge_bytes of the line dropped last, valid in the oversize handler:
  // enough to find the id of a JSON-RPC message that was too big (jsonrpc_id_at_edges), so
  // its request can fail at once instead of at its timeout.
  static constexpr std::size_t edge_bytes = 256;
  const std::string& dropped_head() const { return dropped_head_; }
  const std::string& dropped_tail() const { return dropped_tail_; }

 private:
  std::size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;
  std::size_t discarded_bytes_ = 0;
  std::string dropped_head_, dropped_tail_;
  void keep_tail(std::string_view piece);
};

// The id of a JSON-RPC message from the edges of its text, when the id sits where serializers
// put it: right after "jsonrpc":"2.0" at the start, or as the last member at the end. Returns
// the id's JSON text, or empty. A heuristic for messages too big to parse, never for routing.
std::string jsonrpc_id_at_edges(std::string_view head, std::string_view tail);

}  // namespace mcp
