#include "worker/era_probe.hpp"

#include "protocol/modern_meta.hpp"

namespace mcp::worker {

namespace {

// The first of our modern versions that list (a JSON array of strings) names, or empty.
std::string first_common_version(const json::Value* list) {
  if (list == nullptr || !list->IsArray()) return {};
  for (auto ours : modern::client_versions) {
    for (const auto& v : list->GetArray()) {
      if (v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == ours) {
        return std::string(ours);
      }
    }
  }
  return {};
}

}  // namespace

std::string discover_request(std::string_view id, std::string_view meta_json) {
  return std::string(R"({"jsonrpc":"2.0","id":)") + json::quote(id) +
         R"(,"method":"server/discover","params":{"_meta":)" + std::string(meta_json) + "}}";
}

EraVerdict legacy_verdict(std::string why) {
  EraVerdict v;
  v.kind = EraVerdict::Kind::legacy;
  v.why = std::move(why);
  return v;
}

EraVerdict judge_discover_answer(const json::Value& response, std::string_view tried_version) {
  EraVerdict v;
  if (const json::Value* result = json::object_member(response, "result")) {
    const json::Value* supported = json::array_member(*result, "supportedVersions");
    if (supported == nullptr || json::object_member(*result, "capabilities") == nullptr) {
      return legacy_verdict("server/discover answered without supportedVersions and capabilities");
    }
    std::string version = first_common_version(supported);
    if (version.empty()) {
      // A DiscoverResult naming only versions we do not speak as modern ones: the server may
      // still take a legacy handshake (a dual-era server without our modern revision).
      return legacy_verdict("server/discover lists no modern version we speak: " +
                            json::to_string(*supported));
    }
    v.kind = version == tried_version ? EraVerdict::Kind::modern : EraVerdict::Kind::retry;
    v.version = std::move(version);
    v.why = "server/discover answered";
    return v;
  }
  const json::Value* error = json::object_member(response, "error");
  const json::Value* code = error ? json::member(*error, "code") : nullptr;
  if (code == nullptr || !code->IsInt()) return legacy_verdict("no result and no error code");
  const int c = code->GetInt();
  const std::string message(json::string_member(*error, "message").value_or(""));
  if (c == modern::code::unsupported_protocol_version) {
    const json::Value* data = json::object_member(*error, "data");
    std::string version = first_common_version(data ? json::member(*data, "supported") : nullptr);
    if (version.empty() || version == tried_version) {
      // Modern, but no modern version in common: its "supported" list may hold a legacy one.
      return legacy_verdict("UnsupportedProtocolVersionError with no modern version we speak");
    }
    v.kind = EraVerdict::Kind::retry;
    v.version = std::move(version);
    v.why = "UnsupportedProtocolVersionError listed " + v.version;
    return v;
  }
  if (modern::is_modern_error(c)) {
    // HeaderMismatch or MissingRequiredClientCapability: only a modern server says these.
    v.kind = EraVerdict::Kind::modern;
    v.version = std::string(tried_version);
    v.why = "server/discover answered a modern error (" + std::to_string(c) + ")";
    return v;
  }
  return legacy_verdict("server/discover answered error " + std::to_string(c) +
                        (message.empty() ? "" : " (" + message + ")"));
}

}  // namespace mcp::worker
