#include "worker/catalog_fetcher.hpp"

#include "build_config.hpp"
#include "protocol/channel.hpp"
#include "protocol/jsonrpc.hpp"
#include "protocol/modern_meta.hpp"

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
  Step step;
  step.send.push_back(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  return start_lists(std::move(step));
}

CatalogFetcher::Step CatalogFetcher::on_discover_result(const json::Value& result,
                                                        std::string_view version,
                                                        std::string request_meta_json) {
  // The ready params keep initialize's shape: protocolVersion, capabilities, serverInfo and
  // instructions. A modern server names itself in the result's _meta (serverInfo in the body
  // before spec PR #3002).
  auto& a = init_result_.GetAllocator();
  init_result_.SetObject();
  init_result_.AddMember("protocolVersion", json::string_value(version, a), a);
  json::Value caps(rapidjson::kObjectType);
  if (const json::Value* c = json::object_member(result, "capabilities")) caps.CopyFrom(*c, a);
  init_result_.AddMember("capabilities", caps, a);
  const json::Value* meta = json::object_member(result, "_meta");
  const json::Value* info = meta ? json::object_member(*meta, modern::meta::server_info) : nullptr;
  if (info == nullptr) info = json::object_member(result, "serverInfo");
  json::Value server_info(rapidjson::kObjectType);
  if (info != nullptr) server_info.CopyFrom(*info, a);
  init_result_.AddMember("serverInfo", server_info, a);
  if (auto instructions = json::string_member(result, "instructions")) {
    init_result_.AddMember("instructions", json::string_value(*instructions, a), a);
  }
  modern_ = true;
  request_meta_json_ = std::move(request_meta_json);
  return start_lists({});
}

const json::Value* CatalogFetcher::capabilities() const {
  return initialized_ ? json::object_member(init_result_, "capabilities") : nullptr;
}

CatalogFetcher::Step CatalogFetcher::start_lists(Step step) {
  initialized_ = true;
  step.initialized = true;
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
        if (!item.IsObject()) continue;
        if (kind == ListKind::tools && tool_filter_ && !tool_filter_(item)) continue;
        partial_[kind].push_back(json::to_string(item));
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
  std::string params;
  if (!cursor.empty()) params += R"("cursor":)" + json::quote(cursor);
  if (modern_)
    params += (params.empty() ? "" : ",") + std::string(R"("_meta":)") + request_meta_json_;
  if (!params.empty()) out += R"(,"params":{)" + params + "}";
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
  out += R"("era":)";
  out += modern_ ? R"("modern")" : R"("legacy")";
  for (ListKind kind : all_list_kinds) {
    out += ',';
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
