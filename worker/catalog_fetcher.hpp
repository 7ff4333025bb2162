// The worker's side of the MCP lifecycle as a client: initialize, initialized, then every page
// of every list the backend announced (specification 2025-11-25, basic/lifecycle and
// server/utilities/pagination). For a modern backend (2026-07-28, no handshake) a
// DiscoverResult takes the place of the initialize result, and every list request carries
// _meta. A state machine with no I/O: it says which requests to send and consumes their
// answers, so it is tested without a process.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/json.hpp"
#include "protocol/mcp.hpp"

namespace mcp::worker {

class CatalogFetcher {
 public:
  struct Step {
    std::vector<std::string> send;     // frames for the backend, in order
    bool initialized = false;          // the handshake just completed
    std::optional<ListKind> finished;  // this list is now complete
    std::optional<std::string> error;  // the backend broke the protocol; give up

    static Step failure(std::string why) {
      Step s;
      s.error = std::move(why);
      return s;
    }
  };

  // The initialize request, sent first.
  std::string initialize_request(std::string_view client_version) const;

  // True when msg is the answer to one of our requests (a string id with our prefix).
  static bool is_ours(const json::Value& msg);

  // Feeds the answer to one of our requests.
  Step on_response(const json::Value& msg);

  // A modern backend: result is its DiscoverResult, version the protocol version chosen, and
  // request_meta_json the _meta object every list request carries from now on.
  Step on_discover_result(const json::Value& result, std::string_view version,
                          std::string request_meta_json);

  // Starts (again) fetching one list, e.g. after notifications/*/list_changed.
  Step refetch(ListKind kind);

  bool initialized() const { return initialized_; }
  // All lists fetched at least once since initialize.
  bool complete() const { return initialized_ && in_flight_.empty() && initial_lists_done_; }

  // Params of mcproxy/ready: handshake result (or what discover said), the era, every list.
  std::string ready_params() const;
  // Tools the filter refuses are left out of every list from now on.
  void set_tool_filter(std::function<bool(const json::Value& tool)> filter) {
    tool_filter_ = std::move(filter);
  }
  // The backend's capabilities from initialize or discover (null until then).
  const json::Value* capabilities() const;
  // Params of mcproxy/list_changed for one list.
  std::string list_params(ListKind kind) const;

 private:
  std::string list_request(ListKind kind, const std::string& cursor);
  Step on_initialize_result(const json::Value& result);
  Step on_list_result(ListKind kind, const json::Value& msg);
  // After the handshake or discovery: fetch every list the capabilities announce.
  Step start_lists(Step step);

  json::Document init_result_;
  bool modern_ = false;
  std::string request_meta_json_;  // modern: the _meta of every list request
  std::function<bool(const json::Value& tool)> tool_filter_;
  bool initialized_ = false;
  bool initial_lists_done_ = false;
  unsigned next_request_ = 0;
  std::map<std::string, ListKind> in_flight_;             // request id -> list being fetched
  std::map<ListKind, std::vector<std::string>> items_;    // complete lists, items as JSON
  std::map<ListKind, std::vector<std::string>> partial_;  // pages gathered so far
  std::map<ListKind, unsigned> pages_;
};

}  // namespace mcp::worker
