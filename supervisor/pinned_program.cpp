#include "supervisor/pinned_program.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace mcp::supervisor {

PinnedProgram::PinnedProgram(std::string path) : path_(std::move(path)), exec_path_(path_) {
  // O_PATH: no read permission needed (an execute-only binary pins too), and nothing is read.
  fd_.reset(::open(path_.c_str(), O_PATH | O_CLOEXEC));
  if (!fd_.valid()) return;
  // A child exec'ing this path resolves it through our fd table: it needs no fd of its own.
  std::string via_proc = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_.get());
  if (::access(via_proc.c_str(), X_OK) != 0) {
    fd_.reset();
    return;
  }
  exec_path_ = std::move(via_proc);
}

}  // namespace mcp::supervisor
