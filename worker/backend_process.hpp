// A stdio MCP backend: a child process in its own session and process group, with its stdin,
// stdout and stderr on pipes. Backends started through npx, uvx or a shell are process trees,
// so every signal goes to the whole group, never to the one pid.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/unique_fd.hpp"

namespace mcp::worker {

struct BackendSpec {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to (and overriding) the worker's environment
  std::string cwd;
};

struct BackendProcess {
  pid_t pid = -1;  // also the process group id
  UniqueFd stdin_fd;
  UniqueFd stdout_fd;
  UniqueFd stderr_fd;
};

struct SpawnError {
  std::string message;
};

// fork+exec. The worker is single-threaded, so fork is safe here. A failing exec (missing
// command, bad cwd) is reported through a close-on-exec pipe with its errno, not as a
// mysterious exit 127.
std::variant<BackendProcess, SpawnError> spawn_backend(const BackendSpec& spec);

// Signals the whole process group; harmless if it is already gone.
void signal_group(pid_t pgid, int sig);

// "exited with status 1", "killed by signal 9 (SIGKILL)".
std::string describe_wait_status(int status);

}  // namespace mcp::worker
