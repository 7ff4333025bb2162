// The small pieces every part of mcp-raw-latency uses: the run-ending Failure, the monotonic
// clock, and non-blocking reads and writes that report instead of throwing.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace raw_client {

// A failure that ends the run (start-up, or a call in latency mode); main() prints it.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what);
[[noreturn]] void fail_errno(const std::string& what);

// CLOCK_MONOTONIC, in ns.
std::int64_t now_ns();

void set_nonblocking(int fd);

enum class IoResult { progress, would_block, eof, error };

// One read() from a non-blocking fd, appended to `buf`. On error, errno says why.
IoResult read_into(int fd, std::string& buf);

// Writes `out` from `offset` on until done or the fd would block; advances `offset`.
IoResult write_from(int fd, const std::string& out, std::size_t& offset);

// "what: strerror(errno)".
std::string errno_text(const std::string& what);

}  // namespace raw_client
