// Memory of a backend's whole process tree. Backends are trees (npx -> node, uvx -> python,
// a browser and its renderers); the limit is about all of them. The backend starts its own
// session (setsid), and its descendants stay in it unless they start their own, so the tree is
// "every process whose session id is the backend's pid".
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace mcp::worker {

struct TreeMemory {
  std::uint64_t rss_kb = 0;
  std::uint32_t processes = 0;
};

TreeMemory session_memory(pid_t session_id);

}  // namespace mcp::worker
