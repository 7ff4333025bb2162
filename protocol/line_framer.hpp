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

 private:
  std::size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;
  std::size_t discarded_bytes_ = 0;
};

}  // namespace mcp
