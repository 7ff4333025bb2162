#include "supervisor/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace mcp::supervisor {

FdLimit raise_fd_limit(std::uint64_t raise_cap) {
  FdLimit out;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
  out.inherited_soft = out.soft = rl.rlim_cur;
  out.hard = rl.rlim_max;
  // RLIM_INFINITY is the largest rlim_t, so min() caps it too.
  const rlim_t target = std::max<rlim_t>(rl.rlim_cur, std::min<rlim_t>(rl.rlim_max, raise_cap));
  if (target > rl.rlim_cur) {
    rl.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &rl) == 0) out.soft = target;
  }
  return out;
}

std::string fd_limit_warning(const FdLimit& limit, std::uint64_t max_connections,
                             std::uint64_t reserved) {
  if (limit.soft == 0 || max_connections + reserved <= limit.soft) return {};
  const std::uint64_t fit = limit.soft > reserved ? limit.soft - reserved : 0;
  return "the fd limit (" + std::to_string(limit.soft) + ", hard " + std::to_string(limit.hard) +
         ") leaves room for about " + std::to_string(fit) + " of mcproxy.maxConnections (" +
         std::to_string(max_connections) +
         "); beyond that, new connections wait until one closes. Raise the hard limit "
         "(LimitNOFILE= in the unit, or ulimit -Hn) or lower maxConnections";
}

}  // namespace mcp::supervisor
