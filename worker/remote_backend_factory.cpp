// Remote backends, in mcproxy-remote-worker only: cpp-httplib and OpenSSL cost every process
// that maps them about 4 MiB of resident memory, which stdio workers (most of them) never use.
#include "common/log.hpp"
#include "worker/remote_backend.hpp"
#include "worker/worker.hpp"

namespace mcp::worker {

std::variant<std::unique_ptr<Backend>, Backend::StartError> Worker::make_remote_backend() {
  if (options_.memory_limit_mb > 0) {
    log::notice("memoryLimitMB does not apply to a remote server (it has no process here); ignored",
                {options_.name});
  }
  auto made = RemoteBackend::create(io_, {.server_name = options_.name,
                                          .transport = options_.transport,
                                          .url = options_.url,
                                          .headers = options_.headers,
                                          .max_message_bytes = options_.max_message_bytes});
  if (auto* err = std::get_if<Backend::StartError>(&made)) return std::move(*err);
  return std::unique_ptr<Backend>(std::move(std::get<std::unique_ptr<RemoteBackend>>(made)));
}

}  // namespace mcp::worker
