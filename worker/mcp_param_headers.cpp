#include "worker/mcp_param_headers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "protocol/ascii.hpp"
#include "protocol/modern_request.hpp"
#include "worker/remote_message.hpp"

namespace mcp::worker {

namespace {

constexpr const char* annotation = "x-mcp-header";
// JavaScript's safe integers: an integer header value must lie within them.
constexpr double max_safe_integer = 9007199254740991.0;

// RFC 9110 section 5.6.2: token = 1*tchar.
bool is_token(std::string_view s) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

// Every "x-mcp-header" member anywhere in v.
std::size_t count_annotations(const json::Value& v) {
  std::size_t n = 0;
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == annotation) ++n;
      n += count_annotations(m.value);
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) n += count_annotations(e);
  }
  return n;
}

// The annotations reachable from schema through "properties" chains, each checked.
bool collect(const json::Value& schema, std::vector<HeaderParam>& out, std::string& error) {
  bool ok = true;
  modern::for_each_schema_property(schema, [&](const auto& path, const json::Value& property) {
    const json::Value* a = json::member(property, annotation);
    if (a == nullptr) return true;
    const std::string where = "property " + path.back();
    if (!a->IsString() || !is_token(std::string_view(a->GetString(), a->GetStringLength()))) {
      error = where + ": x-mcp-header must be a non-empty HTTP token";
      return ok = false;
    }
    const auto type = json::string_member(property, "type");
    if (!type || (*type != "string" && *type != "integer" && *type != "boolean")) {
      error = where + ": x-mcp-header needs type string, integer or boolean";
      return ok = false;
    }
    out.push_back(HeaderParam{path, a->GetString(), std::string(*type)});
    return true;
  });
  return ok;
}

}  // namespace

std::optional<std::vector<HeaderParam>> header_params(const json::Value& input_schema,
                                                      std::string& error) {
  std::vector<HeaderParam> out;
  if (!input_schema.IsObject()) return out;
  if (!collect(input_schema, out, error)) return std::nullopt;
  if (count_annotations(input_schema) != out.size()) {
    error = "an x-mcp-header is not reachable through properties alone";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t j = i + 1; j < out.size(); ++j) {
      if (ascii::iequals(out[i].name, out[j].name)) {
        error = "x-mcp-header \"" + out[j].name + "\" is not unique";
        return std::nullopt;
      }
    }
  }
  return out;
}

HeaderList param_headers(const std::vector<HeaderParam>& params, const json::Value* arguments) {
  HeaderList out;
  if (arguments == nullptr || !arguments->IsObject()) return out;
  for (const auto& p : params) {
    const json::Value* v = arguments;
    for (const auto& key : p.path) {
      v = v && v->IsObject() ? json::member(*v, key.c_str()) : nullptr;
    }
    if (v == nullptr || v->IsNull()) continue;
    std::string text;
    if (v->IsString()) {
      text.assign(v->GetString(), v->GetStringLength());
    } else if (v->IsBool()) {
      text = v->GetBool() ? "true" : "false";
    } else if (v->IsInt64()) {
      text = std::to_string(v->GetInt64());
    } else if (v->IsUint64()) {
      text = std::to_string(v->GetUint64());
    } else if (v->IsDouble() && std::trunc(v->GetDouble()) == v->GetDouble() &&
               std::fabs(v->GetDouble()) <= max_safe_integer) {
      text = std::to_string(static_cast<long long>(v->GetDouble()));
    } else {
      continue;  // not a value a header can carry; the server will say so
    }
    out.emplace_back("Mcp-Param-" + p.name, encode_header_value(text));
  }
  return out;
}

}  // namespace mcp::worker
