#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "json_io.hpp"

namespace testserver {

// What the client sent us, message by message, so that a test can ask the server what reached
// it (tool `received`): which id a call had here, whether notifications/cancelled named that id,
// whether roots/list_changed or resources/subscribe arrived. Bounded: the oldest entries go.
class Journal {
 public:
  static constexpr std::size_t kMaxEntries = 2000;

  // line: the message's text exactly as it arrived, kept as it is (what the gateway wrote).
  void record(const rapidjson::Value& message, std::string_view line);
  // A JSON array of {"seq", "message"} entries, oldest first; only messages whose "method" is
  // `method` when given (responses have no method and match only when `method` is empty).
  std::string entries_json(const std::optional<std::string>& method) const;

 private:
  struct Entry {
    std::size_t seq;
    std::string method;   // empty for responses
    std::string message;  // the JSON text exactly as received
  };

  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  std::size_t next_seq_ = 1;
};

}  // namespace testserver
