#include "common/listen_address.hpp"

namespace mcp {

std::optional<ListenAddress> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  ListenAddress a;
  a.host = text.substr(0, colon);
  // An IPv6 address needs brackets ("[::1]:80"): without them its own colons would be read as
  // the port separator, and "::1" would mean host ":" port 1.
  if (a.host.front() == '[') {
    if (a.host.size() < 4 || a.host.back() != ']') return std::nullopt;
    a.host = a.host.substr(1, a.host.size() - 2);
    if (a.host.find_first_of("[]") != std::string::npos || a.host.find(':') == std::string::npos) {
      return std::nullopt;
    }
  } else if (a.host.find_first_of(":[]") != std::string::npos) {
    return std::nullopt;
  }
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5) return std::nullopt;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  a.port = std::stoi(port);
  if (a.port > 65535) return std::nullopt;
  return a;
}

}  // namespace mcp
