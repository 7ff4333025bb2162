#include "supervisor/catalog.hpp"

#include <algorithm>

namespace mcp::supervisor {

namespace {

// Copies item, replacing its "name" with exposed.
std::string renamed(const json::Value& item, std::string_view exposed) {
  json::Document copy;
  copy.CopyFrom(item, copy.GetAllocator());
  json::set_member(copy, "name", json::string_value(exposed, copy.GetAllocator()),
                   copy.GetAllocator());
  return json::to_string(copy);
}

std::string join(const std::vector<std::string>& items, std::size_t begin, std::size_t end) {
  std::string out = "[";
  for (std::size_t i = begin; i < end; ++i) {
    if (i != begin) out += ',';
    out += items[i];
  }
  out += ']';
  return out;
}

}  // namespace

void Catalog::rebuild(const std::vector<const ServerLists*>& servers, const NamingRules& rules) {
  for (auto& v : items_) v.clear();
  tools_.clear();
  prompts_.clear();
  resources_.clear();
  template_prefixes_.clear();
  templates_.clear();
  counts_.clear();

  for (const ServerLists* s : servers) {
    for (ListKind kind : {ListKind::tools, ListKind::prompts}) {
      auto& routes = kind == ListKind::tools ? tools_ : prompts_;
      for (const auto& item : s->list(kind)->GetArray()) {
        const auto name = json::string_member(item, "name");
        if (!name) continue;
        if (kind == ListKind::tools && !s->filter.allows(*name)) continue;
        std::string exposed = exposed_name(s->prefix, *name, rules);
        if (routes.count(exposed) != 0) {
          // Two servers claim one name (typically both with "prefix": ""): the later one in
          // name order gets a rewritten, server-qualified name, still stable across runs.
          exposed = exposed_name(s->prefix + "@" + s->server, *name, rules);
          if (routes.count(exposed) != 0) continue;
        }
        Route route{s->server, std::string(*name), {}};
        if (const json::Value* schema = json::object_member(item, "inputSchema");
            schema != nullptr && kind == ListKind::tools) {
          route.param_headers = modern::param_headers_of(*schema);
        }
        routes.emplace(exposed, std::move(route));
        items_[index(kind)].push_back(renamed(item, exposed));
        ++counts_[{index(kind), s->server}];
      }
    }
    for (const auto& item : s->list(ListKind::resources)->GetArray()) {
      const auto uri = json::string_member(item, "uri");
      if (!uri) continue;
      resources_.emplace(std::string(*uri), s->server);
      items_[index(ListKind::resources)].push_back(json::to_string(item));
      ++counts_[{index(ListKind::resources), s->server}];
    }
    for (const auto& item : s->list(ListKind::resource_templates)->GetArray()) {
      const auto uri_template = json::string_member(item, "uriTemplate");
      if (!uri_template) continue;
      templates_.emplace(std::string(*uri_template), s->server);
      template_prefixes_.emplace_back(std::string(uri_template->substr(0, uri_template->find('{'))),
                                      s->server);
      items_[index(ListKind::resource_templates)].push_back(json::to_string(item));
      ++counts_[{index(ListKind::resource_templates), s->server}];
    }
  }
  // Longest prefix first, so that the most specific template wins.
  std::stable_sort(template_prefixes_.begin(), template_prefixes_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

const Route* Catalog::tool(std::string_view exposed) const {
  auto it = tools_.find(std::string(exposed));
  return it == tools_.end() ? nullptr : &it->second;
}

const Route* Catalog::prompt(std::string_view exposed) const {
  auto it = prompts_.find(std::string(exposed));
  return it == prompts_.end() ? nullptr : &it->second;
}

std::optional<std::string> Catalog::resource_owner(std::string_view uri) const {
  if (auto it = resources_.find(std::string(uri)); it != resources_.end()) return it->second;
  for (const auto& [prefix, server] : template_prefixes_) {
    if (!prefix.empty() && uri.substr(0, prefix.size()) == prefix) return server;
  }
  return std::nullopt;
}

std::optional<std::string> Catalog::template_owner(std::string_view uri_template) const {
  auto it = templates_.find(std::string(uri_template));
  if (it == templates_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Catalog::list_result(ListKind kind, std::string_view cursor,
                                                std::size_t page_size) const {
  const auto& items = items_[index(kind)];
  std::size_t begin = 0;
  if (!cursor.empty()) {
    std::size_t parsed = 0;
    for (char c : cursor) {
      if (c < '0' || c > '9' || parsed > items.size()) return std::nullopt;
      parsed = parsed * 10 + static_cast<std::size_t>(c - '0');
    }
    if (parsed > items.size()) return std::nullopt;
    begin = parsed;
  }
  const std::size_t end = std::min(items.size(), begin + page_size);
  std::string out = "{\"";
  out += list_result_member(kind);
  out += "\":";
  out += join(items, begin, end);
  if (end < items.size()) out += ",\"nextCursor\":\"" + std::to_string(end) + "\"";
  out += '}';
  return out;
}

std::string Catalog::items_json(ListKind kind) const {
  const auto& items = items_[index(kind)];
  return join(items, 0, items.size());
}

std::size_t Catalog::count(ListKind kind, const std::string& server) const {
  auto it = counts_.find({index(kind), server});
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace mcp::supervisor
