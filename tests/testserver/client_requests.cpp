#include "client_requests.hpp"

#include <vector>

namespace testserver {

std::string ClientRequests::send(std::string_view method, const std::string& params_json) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = "\"ask-" + std::to_string(next_id_++) + "\"";
    requests_.emplace(id, Pending{});
  }
  output_.request(id, method, [&](JsonWriter& writer) { put_raw(writer, params_json); });
  return id;
}

bool ClientRequests::on_response(const rapidjson::Value& message) {
  const rapidjson::Value* id = find_member(message, "id");
  if (id == nullptr || !(id->IsString() || id->IsNumber())) return false;
  const std::string key = to_json_text(*id);
  std::string answer;
  if (const rapidjson::Value* result = find_member(message, "result")) {
    answer = "{\"result\":" + to_json_text(*result) + "}";
  } else if (const rapidjson::Value* error = find_member(message, "error")) {
    answer = "{\"error\":" + to_json_text(*error) + "}";
  } else {
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(key);
    if (it == requests_.end() || it->second.outcome != Outcome::pending) return false;
    it->second.outcome = Outcome::answered;
    it->second.answer = std::move(answer);
  }
  tasks_.wake();
  return true;
}

std::size_t ClientRequests::cancel_pending(const std::string& reason) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, pending] : requests_) {
      if (pending.outcome != Outcome::pending) continue;
      pending.outcome = Outcome::cancelled;
      ids.push_back(id);
    }
  }
  for (const std::string& id : ids) send_cancelled(id, reason);
  tasks_.wake();
  return ids.size();
}

void ClientRequests::cancel(const std::string& id, const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    if (it == requests_.end() || it->second.outcome != Outcome::pending) return;
    it->second.outcome = Outcome::cancelled;
  }
  send_cancelled(id, reason);
  tasks_.wake();
}

void ClientRequests::send_cancelled(const std::string& id, const std::string& reason) {
  // Specification, basic/utilities/cancellation: either side may cancel a request it sent.
  output_.notify("notifications/cancelled", [&](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("requestId");
    put_raw(writer, id);
    writer.Key("reason");
    put_string(writer, reason);
    writer.EndObject();
  });
}

std::pair<ClientRequests::Outcome, std::string> ClientRequests::wait(
    const TaskRunner::Ticket& ticket, const std::string& id,
    TaskRunner::Clock::time_point deadline) {
  tasks_.wait_until(ticket, deadline, [&] {
    std::lock_guard lock(mutex_);
    auto it = requests_.find(id);
    return it == requests_.end() || it->second.outcome != Outcome::pending;
  });
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return {Outcome::cancelled, ""};
  return {it->second.outcome, it->second.answer};
}

void ClientRequests::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  requests_.erase(id);
}

}  // namespace testserver
