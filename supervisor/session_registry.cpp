#include "supervisor/session_registry.hpp"

namespace mcp::supervisor {

Session& SessionRegistry::create(const std::string& id, FrontTransport transport) {
  auto s = std::make_unique<Session>();
  s->id = id;
  s->transport = transport;
  s->last_seen = std::chrono::steady_clock::now();
  Session& ref = *s;
  sessions_[id] = std::move(s);
  return ref;
}

Session* SessionRegistry::find(const std::string& id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void SessionRegistry::remove(const std::string& id) {
  sessions_.erase(id);
}

std::size_t SessionRegistry::count(FrontTransport t) const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s->transport == t;
  return n;
}

}  // namespace mcp::supervisor
