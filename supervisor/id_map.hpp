// Requests in flight from clients to backends. Every forwarded request gets a gateway id from
// one counter, so requests from many sessions that reuse the same ids ("1", 1, ...) never meet
// at a backend; the answer finds its way back through this map. Client ids are kept as JSON
// text, so 1 and "1" stay different (design.md, "Traps"). Pure: no I/O, no timers; the caller
// asks for what has expired.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mcp::supervisor {

class Outbox;

struct PendingCall {
  std::uint64_t gateway_id = 0;
  std::string session_id;
  std::string client_id;  // JSON text of the client's id
  std::string server;
  std::string method;
  std::string target;                 // params.name or params.uri of the request, when it has one
  std::string client_progress_token;  // JSON text; empty when the client asked for no progress
  std::shared_ptr<Outbox> reply;
  std::chrono::steady_clock::time_point deadline;
  // A modern client's call whose backend asked for input: it stays in flight at the backend
  // while its client gathers the input, with no reply to write to (router_mrtr.cpp).
  bool parked = false;
  // tools/call, prompts/get, resources/read: the request as the backend got it, to retry it
  // with inputResponses when a 2026-07-28 backend answers input_required.
  std::string request_json;
};

class IdMap {
 public:
  using Clock = std::chrono::steady_clock;

  // Stores the call under a fresh gateway id and returns it.
  std::uint64_t add(PendingCall call);
  PendingCall* find(std::uint64_t gateway_id);
  std::optional<PendingCall> take(std::uint64_t gateway_id);
  std::optional<std::uint64_t> find_by_client(const std::string& session_id,
                                              const std::string& client_id) const;
  std::vector<PendingCall> take_server(const std::string& server);
  std::vector<PendingCall> take_session(const std::string& session_id);
  std::vector<PendingCall> take_expired(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const;
  std::size_t size() const { return calls_.size(); }
  std::size_t count_server(const std::string& server) const;
  std::size_t count_session(const std::string& session_id) const;
  // Moves a call to a new deadline.
  void reschedule(std::uint64_t gateway_id, Clock::time_point deadline);
  // Gives a call a new client id and reply (an MRTR retry takes over a parked call).
  void rebind(std::uint64_t gateway_id, const std::string& client_id,
              std::shared_ptr<Outbox> reply);
  template <typename Fn>
  void for_each(Fn fn) const {
    for (const auto& [id, call] : calls_) fn(call);
  }
  template <typename Fn>
  void for_each_to_server(const std::string& server, Fn fn) const {
    for (const auto& [id, call] : calls_) {
      if (call.server == server) fn(call);
    }
  }

 private:
  void erase_index(const PendingCall& call);
  template <typename Pred>
  std::vector<PendingCall> take_if(Pred pred);

  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, PendingCall> calls_;
  std::multimap<Clock::time_point, std::uint64_t> by_deadline_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_client_;
};

}  // namespace mcp::supervisor
