#include "common/journal_writer.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

namespace mcp {

namespace {

constexpr const char* journal_socket = "/run/systemd/journal/socket";

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  if (value.find('\n') == std::string_view::npos) {
    out += '=';
    out += value;
  } else {
    // Binary form: name, newline, 64-bit little-endian length, the value.
    out += '\n';
    std::uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += value;
  }
  out += '\n';
}

int journal_fd() {
  static int fd = [] {
    const int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return s;
  }();
  return fd;
}

}  // namespace

bool write_journal_entry(const std::vector<JournalField>& fields) {
  std::string datagram;
  for (const auto& [name, value] : fields) append_field(datagram, name, value);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, journal_socket);
  const int fd = journal_fd();
  if (fd < 0) return false;
  const ssize_t n = ::sendto(fd, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  // Entries too large for one datagram would need a memfd; our log lines are far below the
  // limit, and a lost line is better than a blocked logger.
  return n == static_cast<ssize_t>(datagram.size());
}

}  // namespace mcp
