// mcproxy-worker: started by the supervisor (never by hand) with its channel on fd 3.
// See protocol/channel.hpp for what it says there.
#include <signal.h>
#include <sys/prctl.h>

#include <asio/io_context.hpp>
#include <cstring>
#include <string_view>

#include "common/log.hpp"
#include "protocol/channel.hpp"
#include "worker/worker.hpp"

int main(int argc, char** argv) {
  // The supervisor execs us through /proc/<its pid>/fd/<n> (supervisor/pinned_program.hpp), so
  // the kernel named this process after the fd number; ps, pgrep and top want the program.
  if (argc > 0) ::prctl(PR_SET_NAME, argv[0]);
  mcp::log::set_program("mcproxy-worker");
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--log-level" && i + 1 < argc) {
      if (auto level = mcp::log::parse_level(argv[i + 1])) mcp::log::set_min_level(*level);
    } else if (arg == "--journal") {
      mcp::log::set_sink(mcp::log::Sink::journal);
    }
  }
  // A worker outliving a SIGKILLed supervisor would keep its backend forever; the channel's
  // EOF normally tells it, this is the backstop.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ::signal(SIGPIPE, SIG_IGN);

  asio::io_context io(1);
  mcp::worker::Worker worker(io, mcp::UniqueFd(mcp::channel::worker_fd));
  if (auto code = worker.start()) return *code;
  io.run();
  return worker.exit_code();
}
