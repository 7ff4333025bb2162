#include "worker/backend_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace mcp::worker {

namespace {

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

bool make_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read_end.reset(fds[0]);
  p.write_end.reset(fds[1]);
  return true;
}

std::vector<std::string> build_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string key(entry.substr(0, entry.find('=')));
    if (extra.count(key) != 0) continue;
    out.emplace_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const BackendSpec& spec, char* const argv[], char* const envp[],
                             const Pipe& in, const Pipe& out, const Pipe& err, int report_fd) {
  // Own session and process group: the worker signals the group, and the backend gets no
  // controlling terminal it could read from.
  ::setsid();
  // If the worker dies without cleaning up, the backend is told at once. Its own children
  // are reached by the supervisor signalling the group.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  if (::dup2(in.read_end.get(), STDIN_FILENO) < 0 ||
      ::dup2(out.write_end.get(), STDOUT_FILENO) < 0 ||
      ::dup2(err.write_end.get(), STDERR_FILENO) < 0) {
    const int e = errno;
    (void)!::write(report_fd, &e, sizeof e);
    ::_exit(127);
  }
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    const int e = -errno;  // negative: the chdir failed, not the exec
    (void)!::write(report_fd, &e, sizeof e);
    ::_exit(127);
  }
  ::execvpe(argv[0], argv, envp);
  const int e = errno;
  (void)!::write(report_fd, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

std::variant<BackendProcess, SpawnError> spawn_backend(const BackendSpec& spec) {
  Pipe in, out, err, report;
  if (!make_pipe(in) || !make_pipe(out) || !make_pipe(err) || !make_pipe(report)) {
    return SpawnError{std::string("pipe: ") + std::strerror(errno)};
  }
  // Everything the child needs is prepared before fork.
  std::vector<std::string> args_storage;
  args_storage.push_back(spec.command);
  args_storage.insert(args_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : args_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = build_environment(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return SpawnError{std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) exec_child(spec, argv.data(), envp.data(), in, out, err, report.write_end.get());

  report.write_end.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report.read_end.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (child_errno < 0) {
      return SpawnError{"cannot change directory to '" + spec.cwd +
                        "': " + std::strerror(-child_errno)};
    }
    return SpawnError{"cannot execute '" + spec.command + "': " + std::strerror(child_errno)};
  }
  BackendProcess p;
  p.pid = pid;
  p.stdin_fd = std::move(in.write_end);
  p.stdout_fd = std::move(out.read_end);
  p.stderr_fd = std::move(err.read_end);
  return p;
}

void signal_group(pid_t pgid, int sig) {
  if (pgid > 0) ::kill(-pgid, sig);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "stopped (status " + std::to_string(status) + ")";
}

}  // namespace mcp::worker
