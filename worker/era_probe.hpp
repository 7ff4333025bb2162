// Which era a backend speaks, decided the way the specification tells a dual-era client to
// (2026-07-28, basic/versioning "Backward Compatibility with Initialization-Based Versions"):
// send a modern request first (server/discover over stdio, the same POSTed over HTTP); a
// DiscoverResult, or a recognized modern error such as UnsupportedProtocolVersionError, means
// modern (retrying with a version from its "supported" list); any other error, an HTTP 4xx
// without a modern error body, or no answer in time means legacy: fall back to initialize.
// Pure: no I/O, so every answer is judged in a unit test.
#pragma once

#include <string>
#include <string_view>

#include "protocol/json.hpp"

namespace mcp::worker {

enum class Era { modern, legacy };

struct EraVerdict {
  enum class Kind {
    modern,  // speak version from now on
    retry,   // modern, but ask again with version (from the error's "supported" list)
    legacy,  // fall back to initialize
  };
  Kind kind = Kind::legacy;
  std::string version;  // modern, retry
  std::string why;      // for the log line
};

// The server/discover request of the probe, with our _meta (meta_json: a _meta object).
std::string discover_request(std::string_view id, std::string_view meta_json);

// Judges the answer (a parsed JSON-RPC response) to a probe that asked for tried_version.
EraVerdict judge_discover_answer(const json::Value& response, std::string_view tried_version);

// The same for a probe that got no answer in time, or whose HTTP exchange ended with status
// and no JSON-RPC answer.
EraVerdict legacy_verdict(std::string why);

}  // namespace mcp::worker
