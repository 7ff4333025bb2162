#include "worker/process_tree.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace mcp::worker {

namespace {

// Field 6 of /proc/PID/stat is the session id. The command name (field 2) may contain spaces
// and parentheses, so parsing starts after its last ')'.
bool read_session(const char* pid, pid_t& session) {
  char path[300];  // d_name is at most 255 bytes
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return false;
  char buf[512];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr) return false;
  char state;
  int ppid, pgrp, sid;
  if (std::sscanf(close + 1, " %c %d %d %d", &state, &ppid, &pgrp, &sid) != 4) return false;
  session = sid;
  return true;
}

std::uint64_t read_rss_kb(const char* pid) {
  char path[300];  // d_name is at most 255 bytes
  std::snprintf(path, sizeof path, "/proc/%s/statm", pid);
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  static const long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(page_kb);
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
