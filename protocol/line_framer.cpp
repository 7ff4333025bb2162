#include "protocol/line_framer.hpp"

namespace mcp {

namespace {

void emit(std::string_view line, const LineFramer::LineHandler& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) on_line(line);
}

}  // namespace

void LineFramer::feed(std::string_view data, const LineHandler& on_line,
                      const OversizeHandler& on_oversize) {
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    const std::string_view piece = data.substr(0, nl);
    const bool complete = nl != std::string_view::npos;
    data = complete ? data.substr(nl + 1) : std::string_view{};

    if (discarding_) {
      discarded_bytes_ += piece.size();
      if (complete) {
        on_oversize(discarded_bytes_);
        discarding_ = false;
        discarded_bytes_ = 0;
      }
      continue;
    }
    if (partial_.size() + piece.size() > max_line_bytes_) {
      discarded_bytes_ = partial_.size() + piece.size();
      partial_.clear();
      partial_.shrink_to_fit();
      if (complete) {
        on_oversize(discarded_bytes_);
        discarded_bytes_ = 0;
      } else {
        discarding_ = true;
      }
      continue;
    }
    if (!complete) {
      partial_.append(piece);
      continue;
    }
    if (partial_.empty()) {
      emit(piece, on_line);  // fast path: no copy
    } else {
      partial_.append(piece);
      emit(partial_, on_line);
      partial_.clear();
    }
  }
}

}  // namespace mcp
