#include "worker/catalog_fetcher.hpp"

#include "build_config.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp::worker {

namespace {

constexpr const char* init_id = "mcproxy:init";
// A backend that pages forever (a cursor that never ends) must not hold the worker hostage.
constexpr unsigned max_pages_per_list = 1000;

std::string join_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += ']';
  return out;
}

const char* kind_key(ListKind k) {
  return list_result_member(k);
}

}  // namespace

std::string CatalogFetcher::initialize_request(std::string_view client_version) const {
  // The gateway relays sampling, elicitation and roots requests to the client whose call caused
  // them (supervisor/router_backend_events.cpp), so it declares them; a request no client can
  // take is answered with an error at once.
  return std::string(R"({"jsonrpc":"2.0","id":")") + init_id +
         R"(","method":"initialize","params":{"protocolVersion":)" + json::quote(client_version) +
         R"(,"capabilities":{"roots":{"listChanged":true},"sampling":{},"elicitation":{}},)" +
         R"("clientInfo":{"name":"mcproxy","version":)" + json::quote(MCPROXY_VERSION) + "}}}";
}

bool CatalogFetcher::is_ours(const json::Value& msg) {
  const auto id = json::string_member(msg, "id");
  return id && id->substr(0, channel::worker_id_prefix.size()) == channel::worker_id_prefix &&
         json::member(msg, "method") == nullptr;
}

CatalogFetcher::Step CatalogFetcher::on_response(const json::Value& msg) {
  const std::string id(*json::string_member(msg, "id"));
  if (id == init_id) {
    if (const json::Value* err = json::object_member(msg, "error")) {
      const auto m = json::string_member(*err, "message");
      return Step::failure("initialize failed: " + std::string(m.value_or("(no message)")));
    }
    const json::Value* result = json::object_member(msg, "result");
    if (result == nullptr) return Step::failure("initialize answered without a result object");
    return on_initialize_result(*result);
  }
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return {};  // an answer we no longer wait for
  const ListKind kind = it->second;
  in_flight_.erase(it);
  return on_list_result(kind, msg);
}

CatalogFetcher::Step CatalogFetcher::on_initialize_result(const json::Value& result) {
  if (!json::string_member(result, "protocolVersion")) {
    return Step::failure("initialize result has no protocolVersion");
  }
  init_result_.CopyFrom(result, init_result_.GetAllocator());
  initialized_ = true;
  Step step;
  step.initialized = true;
  step.send.push_back(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  const json::Value* caps = json::object_member(init_result_, "capabilities");
  for (ListKind kind : all_list_kinds) {
    if (caps != nullptr && json::member(*caps, list_capability(kind)) != nullptr) {
      partial_[kind].clear();
      pages_[kind] = 0;
      step.send.push_back(list_request(kind, {}));
    } else {
      items_[kind].clear();
    }
  }
  initial_lists_done_ = in_flight_.empty();
  return step;
}

CatalogFetcher::Step CatalogFetcher::on_list_result(ListKind kind, const json::Value& msg) {
  Step step;
  if (json::object_member(msg, "error") != nullptr) {
    // A server that announces "resources" but not templates answers -32601 for the template
    // list; an empty list is the truthful reading.
    partial_[kind].clear();
  } else if (const json::Value* result = json::object_member(msg, "result")) {
    if (const json::Value* arr = json::array_member(*result, kind_key(kind))) {
      for (const auto& item : arr->GetArray()) {
        if (item.IsObject()) partial_[kind].push_back(json::to_string(item));
      }
    }
    const auto cursor = json::string_member(*result, "nextCursor");
    if (cursor && !cursor->empty() && ++pages_[kind] < max_pages_per_list) {
      step.send.push_back(list_request(kind, std::string(*cursor)));
      return step;
    }
  } else {
    return Step::failure(std::string(list_method(kind)) + " answered without a result");
  }
  items_[kind] = std::move(partial_[kind]);
  partial_[kind].clear();
  pages_[kind] = 0;
  step.finished = kind;
  if (in_flight_.empty()) initial_lists_done_ = true;
  return step;
}

CatalogFetcher::Step CatalogFetcher::refetch(ListKind kind) {
  Step step;
  if (!initialized_) return step;
  for (const auto& [id, k] : in_flight_) {
    if (k == kind) return step;  // already fetching; the fresh answer covers this change too
  }
  partial_[kind].clear();
  pages_[kind] = 0;
  step.send.push_back(list_request(kind, {}));
  return step;
}

std::string CatalogFetcher::list_request(ListKind kind, const std::string& cursor) {
  const std::string id =
      std::string(channel::worker_id_prefix) + "list:" + std::to_string(++next_request_);
  in_flight_.emplace(id, kind);
  std::string out = R"({"jsonrpc":"2.0","id":)" + json::quote(id) + R"(,"method":)" +
                    json::quote(list_method(kind));
  if (!cursor.empty()) out += R"(,"params":{"cursor":)" + json::quote(cursor) + "}";
  out += "}";
  return out;
}

std::string CatalogFetcher::ready_params() const {
  std::string out = "{";
  for (const auto& m : init_result_.GetObject()) {
    out += json::quote(m.name.GetString());
    out += ':';
    out += json::to_string(m.value);
    out += ',';
  }
  bool first = true;
  for (ListKind kind : all_list_kinds) {
    if (!first) out += ',';
    first = false;
    out += json::quote(kind_key(kind));
    out += ':';
    auto it = items_.find(kind);
    out += it == items_.end() ? "[]" : join_array(it->second);
  }
  out += '}';
  return out;
}

std::string CatalogFetcher::list_params(ListKind kind) const {
  auto it = items_.find(kind);
  return std::string(R"({"kind":)") + json::quote(kind_key(kind)) + R"(,"items":)" +
         (it == items_.end() ? "[]" : join_array(it->second)) + "}";
}

}  // namespace mcp::worker
