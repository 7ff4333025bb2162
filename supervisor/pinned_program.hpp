// A program file held open from start-up, so that workers are started from the file this
// mcproxy found, not from whatever is at its path later. After a package upgrade replaced the
// binaries (or an uninstall removed them) and before mcproxy itself is restarted, a worker that
// crashed is restarted as the version this supervisor speaks with: crash recovery keeps working
// and no old supervisor ever talks to a new worker.
#pragma once

#include <string>

#include "common/unique_fd.hpp"

namespace mcp::supervisor {

class PinnedProgram {
 public:
  explicit PinnedProgram(std::string path);

  // What to exec: /proc/<our pid>/fd/<n>, which is the file as it was when pinned; or the path
  // itself when it could not be pinned (missing now, or no /proc).
  const std::string& exec_path() const { return exec_path_; }
  const std::string& path() const { return path_; }
  bool pinned() const { return fd_.valid(); }

 private:
  std::string path_;
  UniqueFd fd_;
  std::string exec_path_;
};

}  // namespace mcp::supervisor
