// The router: everything between the HTTP front and the worker pool happens here, on the
// event loop thread, which owns all of its state (sessions, catalog, calls in flight). HTTP
// threads reach it only through asio::post, and it answers them through Outboxes.
//
// The gateway is the MCP server its clients see (design.md): it answers initialize, ping and
// every list from its own catalog, and forwards calls to the owning backend under a gateway id.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/config.hpp"
#include "supervisor/catalog.hpp"
#include "supervisor/id_map.hpp"
#include "supervisor/outbox.hpp"
#include "supervisor/request_state_seal.hpp"
#include "supervisor/session_registry.hpp"
#include "supervisor/worker_pool.hpp"

namespace mcp::supervisor {

struct RouterSettings {
  NamingRules naming;
  std::size_t list_page_size = 1000;
  // ttlMs on modern list results. The catalog changes on reload and when a backend's lists
  // change, which nobody can predict, so the default promises nothing (0: re-fetch at will);
  // subscriptions/listen tells a client at once when a list changed.
  std::uint64_t list_ttl_ms = 0;
  // How long a parked MRTR call waits for its client's retry (at least the server's timeout).
  std::chrono::milliseconds input_wait{300000};
  // A Streamable HTTP session with no stream and no call, unheard from this long, ends.
  std::chrono::milliseconds session_idle_timeout{3600000};
  std::size_t max_sessions = 1000;
  // At max_sessions, a Streamable HTTP session this idle, with no stream and no call, may give
  // its place to a new one (Router::make_room_for_session).
  std::chrono::seconds evictable_after{10};
};

// The HTTP status a 2026-07-28 client gets with a JSON-RPC error (0: the default, 200).
int modern_http_status(const json::Document& msg);

class Router : public WorkerEvents {
 public:
  Router(asio::io_context& io, RouterSettings settings);
  void set_pool(WorkerPool* pool) { pool_ = pool; }
  // The servers of the current config: their prefix and filters shape the catalog.
  void set_servers(const std::vector<ServerConfig>& servers);

  // --- from the HTTP front (posted to the loop) ---
  // False when mcproxy.maxSessions are already open and none can make room.
  bool open_legacy_session(const std::string& id, std::shared_ptr<Outbox> stream);
  // One JSON-RPC message from a client. For Streamable HTTP, reply receives this POST's
  // frames and a final one; for legacy SSE, reply is null and frames go to the session stream.
  void handle_message(const std::string& session_id, FrontTransport transport,
                      json::Document message, std::shared_ptr<Outbox> reply);
  // One request of a 2026-07-28 client on /mcp: stateless, its context in params._meta; the
  // HTTP front has checked its headers and version (protocol/modern_request.hpp).
  // param_headers: its Mcp-Param-* headers (lowercased name without the prefix, value).
  void handle_modern(json::Document message,
                     const std::vector<std::pair<std::string, std::string>>& param_headers,
                     std::shared_ptr<Outbox> reply);
  // A modern request's client closed its response stream: that cancels the request.
  void abandon(const std::shared_ptr<Outbox>& reply);
  // Streamable HTTP GET: the stream for messages not tied to a request.
  void attach_stream(const std::string& session_id, std::shared_ptr<Outbox> stream);
  // Streamable HTTP DELETE; answers 200 or 404 through reply.
  void delete_session(const std::string& session_id, std::shared_ptr<Outbox> reply);
  // The client went away (its SSE stream ended).
  void close_session(const std::string& session_id, const std::string& why);
  std::string status_json() const;
  // Fails every call in flight and closes every stream.
  void shutdown();

  std::size_t session_count() const {
    return sessions_.size() - sessions_.count(FrontTransport::modern);
  }
  std::size_t in_flight(const std::string& server) const { return calls_.count_server(server); }
  // A lowered cap refuses new sessions only; the open ones stay.
  void set_max_sessions(std::size_t n) { settings_.max_sessions = n; }
  // mcproxy.sessionIdleTimeoutMs and inputWaitMs, changed by a reload: the idle timeout applies
  // to the open sessions too (they are looked at again now), the input wait to calls parked
  // from now on.
  void set_waits(std::chrono::milliseconds session_idle_timeout,
                 std::chrono::milliseconds input_wait);
  void set_naming(const NamingRules& naming) {
    settings_.naming = naming;
    rebuild_catalog();
  }
  bool has_session(const std::string& id, FrontTransport transport) {
    const Session* s = sessions_.find(id);
    return s != nullptr && s->transport == transport;
  }
  const Catalog& catalog() const { return catalog_; }

  // --- WorkerEvents ---
  void on_worker_ready(const std::string& server, json::Document params) override;
  void on_worker_list_changed(const std::string& server, json::Document params) override;
  void on_worker_message(const std::string& server, json::Document message) override;
  void on_worker_down(const std::string& server, const std::string& reason) override;

 private:
  // Below maxSessions, or room was made: true.
  bool make_room_for_session();
  // A request a backend made of a client (sampling, elicitation, roots), relayed under an id
  // of ours; the client's answer goes back under the backend's own id.
  struct ClientBoundRequest {
    std::string server;
    std::string backend_id;  // JSON text
    std::string session_id;
    std::uint64_t call_id = 0;  // the client call it rode on
    // Not empty: an input a 2026-07-28 backend asked for (MRTR); the answer goes into the
    // call's next retry under this key instead of back to the backend.
    std::string input_key;
  };
  // The inputs gathered from a legacy client for a modern backend's input_required result.
  struct InputRound {
    std::string request_state;  // JSON text of the backend's requestState; empty: none
    std::map<std::string, std::string> responses;  // key -> JSON text of the client's result
    std::size_t outstanding = 0;
  };

  // A subscriptions/listen stream of a modern client (specification 2026-07-28,
  // basic/patterns/subscriptions): the notification types it opted in to, tagged with its id.
  struct Listener {
    std::string subscription_id;  // JSON text: the listen request's id
    std::shared_ptr<Outbox> stream;
    bool tools = false, prompts = false, resources = false;
    std::set<std::string> uris;
  };
  // What a legacy backend asked a modern client for while its call is parked (MRTR bridge).
  struct InputAsk {
    std::string key;         // the key in inputRequests / inputResponses
    std::string backend_id;  // JSON text of the backend's request id
    std::string request;     // {"method":…,"params":…} as JSON text
  };
  struct ParkedCall {
    std::vector<InputAsk> asks;
    unsigned round = 0;
    std::string tool_name;       // params.name / params.uri of the original request
    std::string early_response;  // the backend answered while parked: JSON text
    unsigned next_key = 1;
  };

  struct ServerState {
    ServerLists lists;
    json::StoredValue capabilities{rapidjson::kObjectType};
    std::string instructions;
    bool announced = false;  // has been ready at least once
  };

  void handle_request(Session& session, json::Document& msg, const std::shared_ptr<Outbox>& reply);
  void handle_notification(Session& session, json::Document& msg);
  void answer_initialize(Session& session, const json::Document& msg,
                         const std::shared_ptr<Outbox>& reply);
  void answer_list(ListKind kind, const json::Document& msg, const std::shared_ptr<Outbox>& reply);
  // One page of a list as result JSON; an invalid cursor is answered here (nullopt).
  std::optional<std::string> list_page(ListKind kind, const json::Document& msg,
                                       const std::shared_ptr<Outbox>& reply);
  // The backends' instructions, one section per server.
  std::string merged_instructions() const;
  // Forwards a request to server; original_name, when given, replaces params.name (tools and
  // prompts) or params.ref.name (completions).
  void forward(Session& session, json::Document& msg, const std::string& server,
               const std::shared_ptr<Outbox>& reply);
  void forward_to_all(std::string_view method, const json::Value& params);
  void route_by_uri(Session& session, json::Document& msg, const std::shared_ptr<Outbox>& reply);
  void route_completion(Session& session, json::Document& msg,
                        const std::shared_ptr<Outbox>& reply);
  void on_backend_response(const std::string& server, json::Document& msg);
  void on_backend_notification(const std::string& server, json::Document& msg);
  void on_backend_request(const std::string& server, json::Document& msg);
  void on_client_response(Session& session, json::Document& msg);
  void relay_backend_cancel(const std::string& server, json::Document& msg);
  void fail_client_bound_requests(const std::string& session_id);
  void fail_client_bound_requests_of_call(std::uint64_t gateway_id);
  void fail_call(const PendingCall& call, int code, const std::string& message);
  // notifications/cancelled for call under its gateway id (basic/utilities/cancellation);
  // reason_json is a JSON value, or empty for none.
  void cancel_at_backend(const PendingCall& call, const std::string& reason_json);
  void deliver(const std::shared_ptr<Outbox>& target, std::string json, bool final,
               int http_status = 0);
  void broadcast(const std::string& json);
  // A backend's notifications/message to the sessions whose level it meets.
  void deliver_log(const std::string& server, const json::Document& msg);
  // list_changed to legacy sessions and to the listeners that opted in.
  void announce_list_changed(std::string_view method);

  // --- modern clients (router_modern.cpp) ---
  void answer_discover(const json::Document& msg, const std::shared_ptr<Outbox>& reply);
  void answer_list_modern(ListKind kind, const json::Document& msg,
                          const std::shared_ptr<Outbox>& reply);
  void open_listener(const json::Document& msg, const std::shared_ptr<Outbox>& reply);
  void notify_listeners(std::string_view method, std::string_view params_json,
                        const std::function<bool(const Listener&)>& wants);
  void drop_closed_listeners();
  // Removes a modern request's transient session once nothing is in flight for it.
  void release_if_modern(const std::string& session_id);
  bool is_modern(const std::string& session_id);
  // Makes a backend's answer one a 2026-07-28 client can take (resultType, caching hints).
  void complete_modern_result(const PendingCall& call, json::Document& msg);
  std::string result_meta() const;

  // --- resource subscriptions, shared by legacy sessions and listeners ---
  // subscriber: "s:<session id>" or "l:<listener id>".
  bool subscribe_resource(const std::string& uri, const std::string& subscriber);
  bool unsubscribe_resource(const std::string& uri, const std::string& subscriber);
  void drop_subscriber(const std::string& subscriber);
  void deliver_resource_updated(const std::string& server, json::Document& msg);
  // A request to a backend whose answer nobody waits for.
  void send_untracked(const std::string& server, std::string_view method,
                      const std::string& params_json);

  // --- MRTR bridge (router_mrtr.cpp) ---
  void ask_modern_client(PendingCall& call, const std::string& server, json::Document& msg,
                         const char* capability);
  std::chrono::milliseconds input_wait_for(const std::string& server) const;
  void send_input_required(PendingCall& call, ParkedCall& parked,
                           const std::shared_ptr<Outbox>& reply, const std::string& client_id);
  void handle_retry(json::Document& msg, std::string_view state,
                    const std::shared_ptr<Outbox>& reply);
  void end_parked(const PendingCall& call, const std::string& why);
  // A modern backend answered a legacy client's call with input_required: ask the client.
  void ask_legacy_client(PendingCall& call, json::Document& msg);
  void take_input_answer(const ClientBoundRequest& asked, json::Document& msg);
  void retry_with_inputs(std::uint64_t gateway_id);
  void rebuild_catalog();
  void arm_deadline_timer();
  void on_deadline();
  void sweep_idle_sessions();
  std::string merged_capabilities() const;

  asio::io_context& io_;
  RouterSettings settings_;
  WorkerPool* pool_ = nullptr;
  SessionRegistry sessions_;
  IdMap calls_;
  Catalog catalog_;
  std::map<std::string, ServerState> servers_;
  std::map<std::string, ServerConfig> configs_;
  std::map<std::uint64_t, ClientBoundRequest> client_bound_;
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t next_listener_id_ = 1;
  std::uint64_t next_modern_session_ = 1;
  std::map<std::string, std::set<std::string>> resource_subscribers_;
  std::map<std::uint64_t, ParkedCall> parked_;
  std::map<std::uint64_t, InputRound> input_rounds_;
  RequestStateSeal seal_;
  std::uint64_t next_client_bound_id_ = 1;
  asio::steady_timer deadline_timer_;
  std::optional<std::chrono::steady_clock::time_point> armed_deadline_;
  asio::steady_timer idle_timer_;
  bool shutting_down_ = false;
};

}  // namespace mcp::supervisor
