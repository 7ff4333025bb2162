#include "worker/process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace mcp::worker {

namespace {

// The start of /proc/PID/<leaf> (at most buf's size), read with one read(): this runs for every
// process on the machine, every second, in every worker with a memory limit, so no stdio.
std::string_view read_proc(const char* pid, const char* leaf, char (&buf)[512]) {
  char path[300];  // d_name is at most 255 bytes
  std::snprintf(path, sizeof path, "/proc/%s/%s", pid, leaf);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n > 0 ? std::string_view(buf, static_cast<std::size_t>(n)) : std::string_view();
}

// Skips spaces, then reads one decimal number; false if there is none.
template <typename Number>
bool next_number(std::string_view& text, Number& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

// Field 6 of /proc/PID/stat is the session id. The command name (field 2) may contain spaces
// and parentheses, so parsing starts after its last ')': " S ppid pgrp sid ...".
bool read_session(const char* pid, pid_t& session) {
  char buf[512];
  std::string_view stat = read_proc(pid, "stat", buf);
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || stat.size() < close + 4) return false;
  stat.remove_prefix(close + 4);  // ") S "
  pid_t ppid = 0, pgrp = 0;
  return next_number(stat, ppid) && next_number(stat, pgrp) && next_number(stat, session);
}

// /proc/PID/statm: "size resident shared ..." in pages.
std::uint64_t read_rss_kb(const char* pid) {
  char buf[512];
  std::string_view statm = read_proc(pid, "statm", buf);
  std::uint64_t size = 0, resident = 0;
  if (!next_number(statm, size) || !next_number(statm, resident)) return 0;
  static const std::uint64_t page_kb = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
  return resident * page_kb;
}

}  // namespace

TreeMemory session_memory(pid_t session_id) {
  TreeMemory total;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return total;
  while (const dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    pid_t sid = 0;
    if (!read_session(e->d_name, sid) || sid != session_id) continue;
    total.rss_kb += read_rss_kb(e->d_name);
    ++total.processes;
  }
  ::closedir(proc);
  return total;
}

}  // namespace mcp::worker
