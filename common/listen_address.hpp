// HOST:PORT, as --listen and mcproxy.listen write it. Here, not with the command line, because
// the config loader checks mcproxy.listen too: a reload with a bad address is refused whole.
#pragma once

#include <optional>
#include <string>

namespace mcp {

struct ListenAddress {
  std::string host;  // a name, an IPv4 address, or an IPv6 address (written "[::1]:80")
  int port = 0;      // 0: any free port
};
std::optional<ListenAddress> parse_listen(const std::string& text);

inline constexpr const char* default_listen = "127.0.0.1:12009";

}  // namespace mcp
