// The supervisor's file-descriptor limit. It holds a socket per client connection, so it wants
// more than the soft limit most sessions start with (1024). Its children must not inherit the
// raised limit: programs that still use select() break on descriptors above 1023, which is why
// the soft default stays 1024 (systemd.exec(5), LimitNOFILE=). So the supervisor raises its own
// soft limit to the hard one, and each worker puts the inherited soft limit back before it
// starts its backend.
#pragma once

#include <cstdint>
#include <string>

namespace mcp::supervisor {

struct FdLimit {
  std::uint64_t inherited_soft = 0;  // what this process was started with: the children's
  std::uint64_t soft = 0;            // after raising
  std::uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE towards the hard limit (at most raise_cap) and says what it
// found and did.
FdLimit raise_fd_limit(std::uint64_t raise_cap = 1u << 20);

// A warning when max_connections could not all be open at once under limit, with `reserved`
// descriptors kept for everything else; empty when they fit.
std::string fd_limit_warning(const FdLimit& limit, std::uint64_t max_connections,
                             std::uint64_t reserved);

}  // namespace mcp::supervisor
