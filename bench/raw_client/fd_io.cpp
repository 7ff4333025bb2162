#include "fd_io.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace raw_client {

namespace {
constexpr std::size_t read_chunk_bytes = 64 * 1024;
}

void fail(const std::string& what) {
  throw Failure(what);
}

void fail_errno(const std::string& what) {
  fail(errno_text(what));
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail_errno("fcntl O_NONBLOCK");
}

IoResult read_into(int fd, std::string& buf) {
  // Not read straight into `buf`: growing a std::string zero-fills, a cost on every call. One
  // thread reads, so one buffer serves every connection.
  static char chunk[read_chunk_bytes];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<std::size_t>(n));
      return IoResult::progress;
    }
    if (n == 0) return IoResult::eof;
    if (errno == EAGAIN) return IoResult::would_block;
    if (errno != EINTR) return IoResult::error;
  }
}

IoResult write_from(int fd, const std::string& out, std::size_t& offset) {
  while (offset < out.size()) {
    const ssize_t n = ::write(fd, out.data() + offset, out.size() - offset);
    if (n >= 0) {
      offset += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN) {
      return IoResult::would_block;
    } else if (errno != EINTR) {
      return IoResult::error;
    }
  }
  return IoResult::progress;
}

}  // namespace raw_client
