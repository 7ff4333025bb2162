#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "json_io.hpp"
#include "tasks.hpp"

namespace testserver {

// Requests this server sends to its client (sampling/createMessage, elicitation/create,
// roots/list, ping) and what became of each: answered, cancelled by us, or timed out. Ids are
// strings ("ask-1", ...) so that a gateway has to map them to ids of its own.
class ClientRequests {
 public:
  enum class Outcome { pending, answered, cancelled };

  explicit ClientRequests(Output& output, TaskRunner& tasks) : output_(output), tasks_(tasks) {}

  // Sends the request; returns its id as JSON text. `params_json` is a JSON object text.
  std::string send(std::string_view method, const std::string& params_json);
  // A response from the client: true if it answers one of ours (then recorded).
  bool on_response(const rapidjson::Value& message);
  // Sends notifications/cancelled for every pending request; returns how many.
  std::size_t cancel_pending(const std::string& reason);
  // Sends notifications/cancelled for one request (timed out, or its call was cancelled).
  void cancel(const std::string& id, const std::string& reason);
  // Waits (on a task thread) until the request is answered or cancelled, or until `deadline`.
  // Returns the outcome and, when answered, the response's "result" or "error" member as
  // {"result": ...} / {"error": ...} JSON text.
  std::pair<Outcome, std::string> wait(const TaskRunner::Ticket& ticket, const std::string& id,
                                       TaskRunner::Clock::time_point deadline);
  // Forgets a request whose outcome was taken.
  void forget(const std::string& id);

 private:
  struct Pending {
    Outcome outcome = Outcome::pending;
    std::string answer;  // {"result": ...} or {"error": ...}
  };

  void send_cancelled(const std::string& id, const std::string& reason);

  Output& output_;
  TaskRunner& tasks_;
  std::mutex mutex_;
  std::map<std::string, Pending> requests_;  // by id as JSON text
  std::uint64_t next_id_ = 1;
};

}  // namespace testserver
