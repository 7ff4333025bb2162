// Client sessions, owned by the event loop. A legacy session lives as long as its SSE stream;
// a Streamable HTTP session from initialize until DELETE or idle expiry.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/json.hpp"
#include "supervisor/outbox.hpp"

namespace mcp::supervisor {

// modern: one stateless 2026-07-28 request; its session lives only while its call does.
enum class FrontTransport { legacy_sse, streamable_http, modern };

struct Session {
  std::string id;
  FrontTransport transport = FrontTransport::streamable_http;
  std::string protocol_version;  // negotiated at initialize
  bool initialized = false;      // initialize answered
  // The capabilities the client declared (their names: only whether one was declared is ever
  // asked). Not a json::Document: its allocator takes 64 KiB at the first value, and a gateway
  // at maxSessions held 64 MB of them.
  std::vector<std::string> client_capabilities;
  bool has_capability(std::string_view name) const {
    return std::find(client_capabilities.begin(), client_capabilities.end(), name) !=
           client_capabilities.end();
  }
  void set_capabilities(const json::Value& declared) {
    client_capabilities.clear();
    if (!declared.IsObject()) return;
    for (const auto& m : declared.GetObject()) {
      client_capabilities.emplace_back(m.name.GetString(), m.name.GetStringLength());
    }
  }
  std::string client_name;
  std::string log_level;  // legacy: logging/setLevel; modern: _meta …/logLevel (empty: no logs)
  // Where messages not tied to one POST go: the SSE stream (legacy) or the GET stream
  // (Streamable HTTP, when one is open).
  std::shared_ptr<Outbox> stream;
  std::chrono::steady_clock::time_point last_seen;
};

class SessionRegistry {
 public:
  Session& create(const std::string& id, FrontTransport transport);
  Session* find(const std::string& id);
  void remove(const std::string& id);
  std::size_t size() const { return sessions_.size(); }
  std::size_t count(FrontTransport t) const;
  template <typename Fn>
  void for_each(Fn fn) {
    for (auto& [id, s] : sessions_) fn(*s);
  }

 private:
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace mcp::supervisor
