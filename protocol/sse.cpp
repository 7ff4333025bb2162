#include "protocol/sse.hpp"

namespace mcp::sse {

std::string encode(std::string_view event, std::string_view data, std::string_view id) {
  std::string out;
  out.reserve(data.size() + event.size() + 32);
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

bool Decoder::feed(std::string_view chunk, const EventHandler& on_event) {
  if (overflow_) return false;
  for (char c : chunk) {
    // Lines end in CRLF, LF or CR; a CR followed by LF is one terminator.
    if (c == '\n' && last_was_cr_) {
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      process_line(line_, on_event);
      line_.clear();
      continue;
    }
    line_ += c;
    if (line_.size() + pending_.data.size() > max_event_bytes_) {
      overflow_ = true;
      return false;
    }
  }
  return true;
}

void Decoder::process_line(std::string_view line, const EventHandler& on_event) {
  if (line.empty()) {
    if (has_data_) on_event(pending_);
    pending_ = Event{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  const std::size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) pending_.data += '\n';
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    pending_.id.assign(value);
  }
}

}  // namespace mcp::sse
