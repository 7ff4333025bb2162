#include "journal.hpp"

namespace testserver {

void Journal::record(const rapidjson::Value& message, std::string_view line) {
  Entry entry{0, get_string(message, "method").value_or(""), std::string(line)};
  std::lock_guard lock(mutex_);
  entry.seq = next_seq_++;
  entries_.push_back(std::move(entry));
  if (entries_.size() > kMaxEntries) entries_.pop_front();
}

std::string Journal::entries_json(const std::optional<std::string>& method) const {
  std::lock_guard lock(mutex_);
  std::string out = "[";
  bool first = true;
  for (const Entry& entry : entries_) {
    if (method && entry.method != *method) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"seq\":" + std::to_string(entry.seq) + ",\"message\":" + entry.message + "}";
  }
  out += ']';
  return out;
}

}  // namespace testserver
