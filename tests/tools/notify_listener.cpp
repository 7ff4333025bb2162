// A stand-in for systemd's notification socket, for tests: binds an AF_UNIX datagram socket at
// the given path, prints "ready" once bound, then one line per datagram received:
//   <CLOCK_MONOTONIC ms> <datagram with newlines shown as '|'>
// Runs until stdin closes or it is killed. Node cannot bind AF_UNIX datagram sockets, so the
// end-to-end tests start this instead (the approach of podman's 260-sdnotify.bats).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: notify-listener SOCKET_PATH\n");
    return 2;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(argv[1]) >= sizeof addr.sun_path) {
    std::fprintf(stderr, "socket path too long\n");
    return 2;
  }
  std::strcpy(addr.sun_path, argv[1]);
  ::unlink(argv[1]);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("bind");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  pollfd fds[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  char buf[65536];
  while (::poll(fds, 2, -1) >= 0) {
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      char c;
      if (::read(STDIN_FILENO, &c, 1) <= 0) break;
    }
    if (!(fds[0].revents & POLLIN)) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) continue;
    std::string msg(buf, static_cast<std::size_t>(n));
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    for (char& c : msg) {
      if (c == '\n') c = '|';
    }
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    std::printf("%lld %s\n", static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000,
                msg.c_str());
    std::fflush(stdout);
  }
  ::unlink(argv[1]);
  return 0;
}
