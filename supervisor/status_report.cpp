// GET /status: what an operator (or a test) needs to see at a glance.
#include <unistd.h>

#include "build_config.hpp"
#include "supervisor/heap_trim.hpp"
#include "supervisor/router.hpp"

#include "common/log.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp::supervisor {

std::string Router::status_json() const {
  json::Document d;
  auto& a = d.GetAllocator();
  d.SetObject();
  d.AddMember("version", json::string_value(MCPROXY_VERSION, a), a);
  d.AddMember("pid", static_cast<int>(::getpid()), a);
  json::Value servers(rapidjson::kArrayType);
  if (pool_) {
    pool_->for_each([&](const WorkerSlot& slot) {
      json::Value s(rapidjson::kObjectType);
      const std::string& name = slot.config.name;
      s.AddMember("name", json::string_value(name, a), a);
      s.AddMember("state", json::string_value(to_string(slot.state), a), a);
      // null, not -1, when there is no process: -1 reads as a pid to a careless script.
      s.AddMember("workerPid", slot.worker_pid > 0 ? json::Value(slot.worker_pid) : json::Value(),
                  a);
      s.AddMember("backendPid",
                  slot.backend_pid > 0 ? json::Value(slot.backend_pid) : json::Value(), a);
      s.AddMember("restarts", slot.restarts, a);
      s.AddMember("tools", static_cast<std::uint64_t>(catalog_.count(ListKind::tools, name)), a);
      s.AddMember("prompts", static_cast<std::uint64_t>(catalog_.count(ListKind::prompts, name)),
                  a);
      s.AddMember("resources",
                  static_cast<std::uint64_t>(catalog_.count(ListKind::resources, name)), a);
      s.AddMember("resourceTemplates",
                  static_cast<std::uint64_t>(catalog_.count(ListKind::resource_templates, name)),
                  a);
      s.AddMember("inFlight", static_cast<std::uint64_t>(calls_.count_server(name)), a);
      s.AddMember("lastExit", json::string_value(slot.last_exit, a), a);
      if (const StatusSlot* b = pool_->status_slot(name); b != nullptr && slot.worker_pid > 0) {
        const std::uint64_t beat = b->heartbeat_ms.load();
        const std::uint64_t now = StatusBoard::now_ms();
        s.AddMember("heartbeatAgeMs", now > beat ? now - beat : 0, a);
        s.AddMember("backendRssKB", b->backend_rss_kb.load(), a);
        s.AddMember("framesToBackend", b->frames_to_backend.load(), a);
        s.AddMember("framesFromBackend", b->frames_from_backend.load(), a);
      }
      if (!slot.stderr_tail.empty()) {
        json::Value tail(rapidjson::kArrayType);
        for (const auto& line : slot.stderr_tail) tail.PushBack(json::string_value(line, a), a);
        s.AddMember("lastStderr", tail, a);
      }
      if (const StatusSlot* b = pool_->status_slot(name)) {
        const std::string err = b->last_error_text();
        if (!err.empty()) s.AddMember("lastError", json::string_value(err, a), a);
      }
      servers.PushBack(s, a);
    });
  }
  d.AddMember("servers", servers, a);
  json::Value sessions(rapidjson::kObjectType);
  // Modern (2026-07-28) requests have no session; their transient entries are not counted.
  const std::size_t modern = sessions_.count(FrontTransport::modern);
  sessions.AddMember("total", static_cast<std::uint64_t>(sessions_.size() - modern), a);
  sessions.AddMember("sse", static_cast<std::uint64_t>(sessions_.count(FrontTransport::legacy_sse)),
                     a);
  sessions.AddMember("streamable",
                     static_cast<std::uint64_t>(sessions_.count(FrontTransport::streamable_http)),
                     a);
  sessions.AddMember("modernCalls", static_cast<std::uint64_t>(modern), a);
  sessions.AddMember("listeners", static_cast<std::uint64_t>(listeners_.size()), a);
  d.AddMember("sessions", sessions, a);
  d.AddMember("inFlight", static_cast<std::uint64_t>(calls_.size()), a);
  // The supervisor's heap: a leak shows as inUseKB that keeps growing; freeKB is what glibc holds
  // for reuse, given back to the system after bursts (supervisor/heap_trim.hpp).
  const HeapFigures figures = heap_figures();
  json::Value heap(rapidjson::kObjectType);
  heap.AddMember("inUseKB", static_cast<std::uint64_t>(figures.in_use_bytes / 1024), a);
  heap.AddMember("freeKB", static_cast<std::uint64_t>(figures.free_bytes / 1024), a);
  heap.AddMember("trims", figures.trims, a);
  d.AddMember("heap", heap, a);
  return json::to_string(d);
}

}  // namespace mcp::supervisor
