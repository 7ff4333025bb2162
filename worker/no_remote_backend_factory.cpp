// mcproxy-worker runs stdio backends only; the supervisor starts mcproxy-remote-worker for
// servers with a "url" (see remote_backend_factory.cpp for why they are two programs).
#include "protocol/channel.hpp"
#include "worker/worker.hpp"

namespace mcp::worker {

std::variant<std::unique_ptr<Backend>, Backend::StartError> Worker::make_remote_backend() {
  return Backend::StartError{channel::exit_code::config,
                             "mcproxy-worker runs stdio servers only; remote servers need "
                             "mcproxy-remote-worker"};
}

}  // namespace mcp::worker
