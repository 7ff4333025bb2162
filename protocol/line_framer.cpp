#include "protocol/line_framer.hpp"

namespace mcp {

namespace {

constexpr std::size_t retained_capacity_bytes = 64u << 10;

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
      keep_tail(piece);
      if (complete) {
        on_oversize(discarded_bytes_);
        discarding_ = false;
        discarded_bytes_ = 0;
      }
      continue;
    }
    if (partial_.size() + piece.size() > max_line_bytes_) {
      discarded_bytes_ = partial_.size() + piece.size();
      dropped_head_ = (partial_ + std::string(piece.substr(0, edge_bytes))).substr(0, edge_bytes);
      dropped_tail_.clear();
      keep_tail(partial_);
      keep_tail(piece);
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
      // clear() keeps the capacity: one 12 MB message would pin 16 MB in this stream for
      // good (every worker channel and backend pipe has a framer). Keep only a small buffer.
      if (partial_.capacity() > retained_capacity_bytes) partial_.shrink_to_fit();
    }
  }
}

void LineFramer::keep_tail(std::string_view piece) {
  if (piece.size() >= edge_bytes) {
    dropped_tail_.assign(piece.substr(piece.size() - edge_bytes));
    return;
  }
  dropped_tail_.append(piece);
  if (dropped_tail_.size() > edge_bytes) dropped_tail_.erase(0, dropped_tail_.size() - edge_bytes);
}

namespace {

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool take(std::string_view& s, std::string_view token) {
  s = skip_space(s);
  if (s.substr(0, token.size()) != token) return false;
  s.remove_prefix(token.size());
  return true;
}

// A JSON number (integer) or a string without escapes at the start of s.
std::string take_id(std::string_view& s) {
  s = skip_space(s);
  std::size_t n = 0;
  if (!s.empty() && s.front() == '"') {
    n = s.find('"', 1);
    if (n == std::string_view::npos || s.substr(0, n).find('\\') != std::string_view::npos)
      return {};
    ++n;
  } else {
    while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || (n == 0 && s[n] == '-'))) ++n;
  }
  std::string id(s.substr(0, n));
  s.remove_prefix(n);
  return id;
}

}  // namespace

std::string jsonrpc_id_at_edges(std::string_view head, std::string_view tail) {
  // {"jsonrpc":"2.0","id":ID, ...
  std::string_view h = head;
  if (take(h, "{") && take(h, "\"jsonrpc\"") && take(h, ":") && take(h, "\"2.0\"") &&
      take(h, ",") && take(h, "\"id\"") && take(h, ":")) {
    std::string id = take_id(h);
    if (!id.empty() && (take(h, ",") || take(h, "}"))) return id;
  }
  // ... ,"id":ID}  (the TypeScript SDK writes {result, jsonrpc, id})
  std::string_view t = tail;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\r' || t.back() == '\t'))
    t.remove_suffix(1);
  if (t.empty() || t.back() != '}') return {};
  t.remove_suffix(1);
  const std::size_t key = t.rfind("\"id\"");
  if (key == std::string_view::npos || key == 0) return {};
  std::string_view before = t.substr(0, key);
  while (!before.empty() && (before.back() == ' ' || before.back() == '\t'))
    before.remove_suffix(1);
  if (before.empty() || before.back() != ',') return {};
  std::string_view rest = t.substr(key + 4);
  if (!take(rest, ":")) return {};
  std::string id = take_id(rest);
  return skip_space(rest).empty() ? id : std::string();
}

}  // namespace mcp
