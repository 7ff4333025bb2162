#include "supervisor/id_map.hpp"

namespace mcp::supervisor {

std::uint64_t IdMap::add(PendingCall call) {
  const std::uint64_t id = next_id_++;
  call.gateway_id = id;
  by_deadline_.emplace(call.deadline, id);
  by_client_[{call.session_id, call.client_id}] = id;
  calls_.emplace(id, std::move(call));
  return id;
}

PendingCall* IdMap::find(std::uint64_t gateway_id) {
  auto it = calls_.find(gateway_id);
  return it == calls_.end() ? nullptr : &it->second;
}

void IdMap::erase_index(const PendingCall& call) {
  auto range = by_deadline_.equal_range(call.deadline);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == call.gateway_id) {
      by_deadline_.erase(it);
      break;
    }
  }
  auto c = by_client_.find({call.session_id, call.client_id});
  if (c != by_client_.end() && c->second == call.gateway_id) by_client_.erase(c);
}

std::optional<PendingCall> IdMap::take(std::uint64_t gateway_id) {
  auto it = calls_.find(gateway_id);
  if (it == calls_.end()) return std::nullopt;
  PendingCall call = std::move(it->second);
  calls_.erase(it);
  erase_index(call);
  return call;
}

std::optional<std::uint64_t> IdMap::find_by_client(const std::string& session_id,
                                                   const std::string& client_id) const {
  auto it = by_client_.find({session_id, client_id});
  if (it == by_client_.end()) return std::nullopt;
  return it->second;
}

template <typename Pred>
std::vector<PendingCall> IdMap::take_if(Pred pred) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, call] : calls_) {
    if (pred(call)) ids.push_back(id);
  }
  std::vector<PendingCall> out;
  out.reserve(ids.size());
  for (auto id : ids) out.push_back(*take(id));
  return out;
}

std::vector<PendingCall> IdMap::take_server(const std::string& server) {
  return take_if([&](const PendingCall& c) { return c.server == server; });
}

std::vector<PendingCall> IdMap::take_session(const std::string& session_id) {
  return take_if([&](const PendingCall& c) { return c.session_id == session_id; });
}

std::vector<PendingCall> IdMap::take_expired(Clock::time_point now) {
  std::vector<std::uint64_t> ids;
  for (auto it = by_deadline_.begin(); it != by_deadline_.end() && it->first <= now; ++it) {
    ids.push_back(it->second);
  }
  std::vector<PendingCall> out;
  for (auto id : ids) out.push_back(*take(id));
  return out;
}

std::optional<IdMap::Clock::time_point> IdMap::next_deadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first;
}

std::size_t IdMap::count_server(const std::string& server) const {
  std::size_t n = 0;
  for (const auto& [id, call] : calls_) {
    (void)id;
    if (call.server == server) ++n;
  }
  return n;
}

std::size_t IdMap::count_session(const std::string& session_id) const {
  std::size_t n = 0;
  for (const auto& [id, call] : calls_) {
    (void)id;
    if (call.session_id == session_id) ++n;
  }
  return n;
}

void IdMap::reschedule(std::uint64_t gateway_id, Clock::time_point deadline) {
  auto it = calls_.find(gateway_id);
  if (it == calls_.end()) return;
  auto range = by_deadline_.equal_range(it->second.deadline);
  for (auto d = range.first; d != range.second; ++d) {
    if (d->second == gateway_id) {
      by_deadline_.erase(d);
      break;
    }
  }
  it->second.deadline = deadline;
  by_deadline_.emplace(deadline, gateway_id);
}

void IdMap::rebind(std::uint64_t gateway_id, const std::string& client_id,
                   std::shared_ptr<Outbox> reply) {
  auto it = calls_.find(gateway_id);
  if (it == calls_.end()) return;
  PendingCall& call = it->second;
  auto c = by_client_.find({call.session_id, call.client_id});
  if (c != by_client_.end() && c->second == gateway_id) by_client_.erase(c);
  call.client_id = client_id;
  call.reply = std::move(reply);
  by_client_[{call.session_id, call.client_id}] = gateway_id;
}

}  // namespace mcp::supervisor
