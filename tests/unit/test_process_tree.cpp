// worker/process_tree.hpp: the memory of a session's processes, read from /proc.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "worker/process_tree.hpp"

namespace mcp::worker {
namespace {

// Our own RSS from /proc/self/status, for comparison.
std::uint64_t own_rss_kb() {
  FILE* f = std::fopen("/proc/self/status", "re");
  char line[256];
  std::uint64_t kb = 0;
  while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::strtoull(line + 6, nullptr, 10);
  }
  if (f != nullptr) std::fclose(f);
  return kb;
}

// A child in a session of its own with `extra` children of its own; they wait to be killed.
pid_t start_session(int extra, int ready_fd) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  for (int i = 0; i < extra; ++i) {
    if (::fork() == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  const char c = 'r';
  if (::write(ready_fd, &c, 1) != 1) ::_exit(1);
  ::pause();
  ::_exit(0);
}

TEST(ProcessTree, CountsEveryProcessOfTheSession) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t leader = start_session(3, fds[1]);
  char c;
  ASSERT_EQ(::read(fds[0], &c, 1), 1);  // the leader forked its three before it wrote
  const TreeMemory m = session_memory(leader);
  ::kill(-leader, SIGKILL);
  ::waitpid(leader, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(m.processes, 4u);
  EXPECT_GT(m.rss_kb, 0u);
}

TEST(ProcessTree, OurOwnSessionHoldsAtLeastUs) {
  const TreeMemory m = session_memory(::getsid(0));
  EXPECT_GE(m.processes, 1u);
  EXPECT_GE(m.rss_kb, own_rss_kb() / 2) << "our RSS is part of it (statm and status may differ)";
}

TEST(ProcessTree, NoSuchSessionIsEmpty) {
  const TreeMemory m = session_memory(0x7ffffff0);
  EXPECT_EQ(m.processes, 0u);
  EXPECT_EQ(m.rss_kb, 0u);
}

}  // namespace
}  // namespace mcp::worker
