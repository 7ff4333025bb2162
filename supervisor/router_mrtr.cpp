// The MRTR bridge (specification 2026-07-28, basic/patterns/mrtr): a handshake-era backend
// asks for sampling, elicitation or roots in the middle of a call by sending a request; a
// 2026-07-28 client takes no requests, it takes an input_required result and retries the call
// with inputResponses. So the gateway parks the backend's call (still in flight at the
// backend), answers the client with input_required and a sealed requestState naming the
// parked call, and on the retry answers the backend's requests and lets the call finish into
// the retry's reply. A client that never retries: the parked call expires, the backend's
// requests get errors and the call is cancelled at the backend (router.cpp, on_deadline).
//
// The other direction: a 2026-07-28 backend answers a legacy client's call with input_required.
// A legacy client takes requests, so the gateway sends it each input request as a real
// server-to-client request (only those its capabilities allow), gathers the answers, and
// retries the backend's call under a new id with inputResponses and the backend's requestState.
#include <chrono>

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/modern_request.hpp"
#include "supervisor/router.hpp"

namespace mcp::supervisor {

namespace {

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string error_with_data(std::string_view id, int code, std::string_view message,
                            std::string_view data_json) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id) +
         ",\"error\":{\"code\":" + std::to_string(code) + ",\"message\":" + json::quote(message) +
         ",\"data\":" + std::string(data_json) + "}}";
}

}  // namespace

void Router::ask_modern_client(PendingCall& call, const std::string& server, json::Document& msg,
                               const char* capability) {
  const std::string method(*json::string_member(msg, "method"));
  const std::string backend_id = jsonrpc::id_text(msg);
  Session* session = sessions_.find(call.session_id);
  if (session == nullptr || !session->has_capability(capability)) {
    // Specification 2026-07-28: a request that needs a capability the client did not declare
    // fails with MissingRequiredClientCapabilityError; the backend's call cannot go on.
    pool_->send(server,
                jsonrpc::error_response(backend_id, jsonrpc::code::method_not_found,
                                        "The client did not declare the capability for " + method));
    auto taken = calls_.take(call.gateway_id);
    if (!taken) return;
    end_parked(*taken, "the client lacks the " + std::string(capability) + " capability");
    cancel_at_backend(*taken, json::quote("the client lacks the capability the call needs"));
    const std::string data = "{\"requiredCapabilities\":{" + json::quote(capability) + ":{}}}";
    if (taken->reply) {
      deliver(
          taken->reply,
          error_with_data(taken->client_id, modern::code::missing_client_capability,
                          "Missing required client capability: " + std::string(capability), data),
          true, 400);
    }
    log::info(method + " from the backend needs the client's " + capability +
                  " capability, which it did not declare; the call failed",
              {server, taken->session_id});
    release_if_modern(taken->session_id);
    return;
  }
  ParkedCall& parked = parked_[call.gateway_id];
  InputAsk ask;
  // Keys are ours to choose (they only need to be unique within the request).
  const std::string kind = method.substr(0, method.find('/'));
  ask.key = kind + "_" + std::to_string(parked.next_key++);
  ask.backend_id = backend_id;
  const json::Value* params = json::member(msg, "params");
  ask.request = "{\"method\":" + json::quote(method) +
                ",\"params\":" + (params ? json::to_string(*params) : std::string("{}")) + "}";
  parked.asks.push_back(std::move(ask));
  if (call.parked) return;  // the client hears of it with the next round
  log::debug("parking " + call.method + " for the client's input (" + method + ")",
             {server, call.session_id});
  send_input_required(call, parked, call.reply, call.client_id);
  call.parked = true;
  calls_.rebind(call.gateway_id, call.client_id, nullptr);
  calls_.reschedule(call.gateway_id, std::chrono::steady_clock::now() + input_wait_for(server));
  arm_deadline_timer();
}

// mcproxy.inputWaitMs, or the server's timeoutMs where that is longer: a parked call gets at
// least the time any of the server's calls gets.
std::chrono::milliseconds Router::input_wait_for(const std::string& server) const {
  const auto* slot = pool_ ? pool_->slot(server) : nullptr;
  return std::max<std::chrono::milliseconds>(
      settings_.input_wait, std::chrono::milliseconds(slot ? slot->config.timeout_ms : 0));
}

void Router::send_input_required(PendingCall& call, ParkedCall& parked,
                                 const std::shared_ptr<Outbox>& reply,
                                 const std::string& client_id) {
  ++parked.round;
  // The state expires with the parked call, not before it: a retry in time is never refused.
  const auto expiry = std::chrono::system_clock::now() + input_wait_for(call.server);
  // The state names the parked call, the round, the request it belongs to and its expiry;
  // the seal makes it useless to anyone who changes a byte of it.
  const std::string payload =
      "{\"g\":" + std::to_string(call.gateway_id) + ",\"r\":" + std::to_string(parked.round) +
      ",\"m\":" + json::quote(call.method) + ",\"n\":" + json::quote(call.target) +
      ",\"s\":" + json::quote(call.server) + ",\"e\":" + std::to_string(unix_ms(expiry)) + "}";
  std::string requests = "{";
  for (const auto& ask : parked.asks) {
    if (requests.size() > 1) requests += ',';
    requests += json::quote(ask.key) + ":" + ask.request;
  }
  requests += "}";
  deliver(reply,
          jsonrpc::result_response(
              client_id, "{\"resultType\":\"input_required\",\"inputRequests\":" + requests +
                             ",\"requestState\":" + json::quote(seal_.seal(payload)) +
                             ",\"_meta\":" + result_meta() + "}"),
          true);
}

void Router::handle_retry(json::Document& msg, std::string_view state,
                          const std::shared_ptr<Outbox>& reply) {
  const std::string id = jsonrpc::id_text(msg);
  auto reject = [&](const std::string& why) {
    deliver(reply,
            jsonrpc::error_response(id, jsonrpc::code::invalid_params, "Invalid params: " + why),
            true);
  };
  const auto payload = seal_.open(state);
  if (!payload) {
    log::warning("rejected a retry whose requestState failed verification (tampered or forged)");
    reject("requestState failed verification");
    return;
  }
  json::Document p;
  p.Parse(payload->c_str());
  const json::Value* g = json::member(p, "g");
  const json::Value* r = json::member(p, "r");
  const json::Value* e = json::member(p, "e");
  if (g == nullptr || !g->IsUint64() || r == nullptr || !r->IsUint() || e == nullptr ||
      !e->IsInt64()) {
    reject("requestState is malformed");
    return;
  }
  if (unix_ms(std::chrono::system_clock::now()) > e->GetInt64()) {
    reject("requestState has expired");
    return;
  }
  const json::Value* params = json::object_member(msg, "params");
  const std::string_view method = json::string_member(msg, "method").value_or("");
  const std::string_view target =
      params ? json::string_member(*params, "name")
                   .value_or(json::string_member(*params, "uri").value_or(""))
             : std::string_view();
  // The call was parked under the backend's own name for the tool or prompt.
  const Route* route = method == "tools/call"    ? catalog_.tool(target)
                       : method == "prompts/get" ? catalog_.prompt(target)
                                                 : nullptr;
  const std::string_view backend_target = route ? std::string_view(route->original) : target;
  // ... and on the server that owns what the retry names (two servers may have a tool of the
  // same name).
  std::optional<std::string> owner;
  if (route != nullptr) owner = route->server;
  if (method == "resources/read") owner = catalog_.resource_owner(target);
  if (method != json::string_member(p, "m").value_or("") ||
      backend_target != json::string_member(p, "n").value_or("") ||
      owner.value_or("") != json::string_member(p, "s").value_or("")) {
    reject("requestState belongs to a different request");
    return;
  }
  const std::uint64_t gid = g->GetUint64();
  PendingCall* call = calls_.find(gid);
  auto pit = parked_.find(gid);
  if (call == nullptr || !call->parked || pit == parked_.end()) {
    reject("the request this requestState belongs to has ended (timed out or cancelled)");
    return;
  }
  ParkedCall& parked = pit->second;
  if (r->GetUint() != parked.round) {
    reject("requestState is from an earlier round of this request");
    return;
  }
  if (Session* session = sessions_.find(call->session_id)) {
    // Capabilities are declared per request: the retry's count.
    const json::Value* meta = params ? json::object_member(*params, "_meta") : nullptr;
    const json::Value* caps =
        meta ? json::object_member(*meta, modern::meta::client_capabilities) : nullptr;
    if (caps) session->set_capabilities(*caps);
  }
  const json::Value* responses = params ? json::object_member(*params, "inputResponses") : nullptr;
  for (auto it = parked.asks.begin(); it != parked.asks.end();) {
    const json::Value* answer =
        responses ? json::object_member(*responses, it->key.c_str()) : nullptr;
    if (answer == nullptr) {
      ++it;
      continue;
    }
    pool_->send(call->server, jsonrpc::result_response(it->backend_id, json::to_string(*answer)));
    it = parked.asks.erase(it);
  }
  if (!parked.early_response.empty()) {
    json::Document answer;
    answer.Parse(parked.early_response.c_str());
    auto taken = calls_.take(gid);
    parked_.erase(pit);
    json::Document client_id;
    client_id.Parse(id.c_str());
    answer["id"].CopyFrom(client_id, answer.GetAllocator());
    complete_modern_result(*taken, answer);
    deliver(reply, json::to_string(answer), true, modern_http_status(answer));
    release_if_modern(taken->session_id);
    return;
  }
  if (!parked.asks.empty()) {
    // Specification: missing input is asked for again rather than failed.
    send_input_required(*call, parked, reply, id);
    return;
  }
  calls_.rebind(gid, id, reply);
  call->parked = false;
  parked_.erase(pit);
  const auto* slot = pool_ ? pool_->slot(call->server) : nullptr;
  calls_.reschedule(gid, std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(slot ? slot->config.timeout_ms : 60000));
  arm_deadline_timer();
}

void Router::end_parked(const PendingCall& call, const std::string& why) {
  auto it = parked_.find(call.gateway_id);
  if (it == parked_.end()) return;
  for (const auto& ask : it->second.asks) {
    if (pool_) {
      pool_->send(call.server,
                  jsonrpc::error_response(ask.backend_id, jsonrpc::code::connection_closed, why));
    }
  }
  parked_.erase(it);
}

void Router::ask_legacy_client(PendingCall& call, json::Document& msg) {
  const json::Value& result = msg["result"];
  const json::Value* requests = json::object_member(result, "inputRequests");
  Session* session = sessions_.find(call.session_id);
  InputRound round;
  if (const json::Value* state = json::member(result, "requestState")) {
    round.request_state = json::to_string(*state);
  }
  struct Ask {
    std::string key, method, params;
  };
  std::vector<Ask> asks;
  if (requests != nullptr) {
    for (const auto& m : requests->GetObject()) {
      const auto method = json::string_member(m.value, "method").value_or("");
      const char* capability = method == "sampling/createMessage" ? "sampling"
                               : method == "elicitation/create"   ? "elicitation"
                               : method == "roots/list"           ? "roots"
                                                                  : nullptr;
      if (capability == nullptr || session == nullptr || !session->has_capability(capability)) {
        auto taken = calls_.take(call.gateway_id);
        fail_call(*taken, jsonrpc::code::invalid_request,
                  "Server '" + taken->server + "' needs " + std::string(method) +
                      " from the client, which did not declare the " +
                      (capability ? capability : "needed") + " capability");
        return;
      }
      const json::Value* params = json::member(m.value, "params");
      asks.push_back({std::string(m.name.GetString(), m.name.GetStringLength()),
                      std::string(method), params ? json::to_string(*params) : "{}"});
    }
  }
  const std::uint64_t gid = call.gateway_id;
  round.outstanding = asks.size();
  input_rounds_[gid] = std::move(round);
  if (asks.empty()) {  // only requestState: retry at once
    retry_with_inputs(gid);
    return;
  }
  for (const auto& ask : asks) {
    const std::uint64_t ours = next_client_bound_id_++;
    client_bound_[ours] = ClientBoundRequest{call.server, "", call.session_id, gid, ask.key};
    // On the stream of the call it belongs to, as a backend's own request would travel.
    deliver(call.reply,
            "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(ours) +
                ",\"method\":" + json::quote(ask.method) + ",\"params\":" + ask.params + "}",
            false);
  }
  log::debug("asked the client for " + std::to_string(asks.size()) +
                 " input(s) the backend's input_required named",
             {call.server, call.session_id});
}

void Router::take_input_answer(const ClientBoundRequest& asked, json::Document& msg) {
  auto it = input_rounds_.find(asked.call_id);
  if (it == input_rounds_.end()) return;  // the call ended meanwhile
  if (const json::Value* error = json::object_member(msg, "error")) {
    // MRTR has no way to hand a client's error to the backend; the call ends with it.
    input_rounds_.erase(it);
    if (auto taken = calls_.take(asked.call_id)) {
      fail_client_bound_requests_of_call(asked.call_id);
      fail_call(*taken, jsonrpc::code::internal_error,
                "The client could not provide the input the server asked for: " +
                    std::string(json::string_member(*error, "message").value_or("(no message)")));
    }
    return;
  }
  const json::Value* result = json::member(msg, "result");
  it->second.responses[asked.input_key] = result ? json::to_string(*result) : "{}";
  if (it->second.outstanding > 0) --it->second.outstanding;
  if (it->second.outstanding == 0) retry_with_inputs(asked.call_id);
}

void Router::retry_with_inputs(std::uint64_t gateway_id) {
  auto round_it = input_rounds_.find(gateway_id);
  auto call = calls_.take(gateway_id);
  if (round_it == input_rounds_.end() || !call) return;
  InputRound round = std::move(round_it->second);
  input_rounds_.erase(round_it);
  json::Document request;
  request.Parse(call->request_json.c_str());
  auto& a = request.GetAllocator();
  if (!request.HasMember("params") || !request["params"].IsObject()) {
    json::set_member(request, "params", json::Value(rapidjson::kObjectType), a);
  }
  json::Value& params = request["params"];
  json::Document responses;
  std::string text = "{";
  for (const auto& [key, value] : round.responses) {
    if (text.size() > 1) text += ',';
    text += json::quote(key) + ":" + value;
  }
  responses.Parse((text + "}").c_str());
  json::Value copy;
  copy.CopyFrom(responses, a);
  json::set_member(params, "inputResponses", std::move(copy), a);
  if (!round.request_state.empty()) {
    json::Document state;
    state.Parse(round.request_state.c_str());
    json::Value state_copy;
    state_copy.CopyFrom(state, a);
    json::set_member(params, "requestState", std::move(state_copy), a);
  }
  // A retry is a new request (basic/patterns/mrtr: "The JSON-RPC id MUST be different"), so
  // the call gets a new gateway id, which is also its progress token.
  const std::string server = call->server;
  const bool had_token = !call->client_progress_token.empty();
  const std::uint64_t gid = calls_.add(std::move(*call));
  request["id"].SetUint64(gid);
  if (had_token && params.HasMember("_meta") && params["_meta"].IsObject() &&
      params["_meta"].HasMember("progressToken")) {
    params["_meta"]["progressToken"].SetUint64(gid);
  }
  std::string frame = json::to_string(request);
  calls_.find(gid)->request_json = frame;
  if (!pool_ || !pool_->send(server, std::move(frame))) {
    auto taken = calls_.take(gid);
    fail_call(*taken, jsonrpc::code::internal_error, "Server '" + server + "' is not available");
  }
  arm_deadline_timer();
}

}  // namespace mcp::supervisor
