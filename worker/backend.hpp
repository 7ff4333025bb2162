// What the worker drives: a local stdio process (StdioBackend) or a remote server over HTTP
// (RemoteBackend). Both live on the worker's loop, deliver whole JSON-RPC messages there, and
// say when they are gone; the worker does the rest (handshake, catalog, pings, reporting)
// the same way for both.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/json.hpp"
#include "worker/process_tree.hpp"

namespace mcp::worker {

// provisional: a better reason may come when the backend is stopped (a process's exit
// status says more than "it closed its stdout").
enum class ReasonKind { final, provisional };
// kill: no grace period (a backend over its memory limit).
enum class StopMode { graceful, kill };

class Backend {
 public:
  struct Handlers {
    // One JSON-RPC message from the backend, as one line of JSON text.
    std::function<void(std::string_view message)> on_message;
    // A line worth keeping for /status: a stdio backend's stderr, a remote one's HTTP errors.
    std::function<void(std::string_view line)> on_diagnostic;
    // The backend went away or became unusable by itself; the worker exits with exit_code.
    std::function<void(int exit_code, std::string reason, ReasonKind kind)> on_lost;
  };
  struct StartError {
    int exit_code;
    std::string reason;
  };

  virtual ~Backend() = default;

  virtual std::optional<StartError> start(Handlers handlers) = 0;
  // One JSON-RPC message for the backend.
  virtual void send(std::string_view message) = 0;
  // Ends the backend. done runs once, on the loop (possibly before stop returns), when it is
  // gone, with how it ended if known ("backend exited with status 1"), else empty. Messages
  // may still arrive until then (a process's output is read to the end); on_lost never comes
  // after stop().
  virtual void stop(StopMode mode, std::function<void(std::string ended)> done) = 0;

  // The process (and process group) id of a local backend; -1 when there is none.
  virtual pid_t pid() const { return -1; }
  // Memory of the backend's process tree, when there is one to measure.
  virtual std::optional<TreeMemory> memory() const { return std::nullopt; }
  // For logs: what runs.
  virtual std::string description() const = 0;
  // A modern backend's tool, as tools/list gave it: whether to keep it. A transport with rules
  // about tool definitions (Streamable HTTP's x-mcp-header) says no to those that break them,
  // and remembers what it needs for calls to the others.
  virtual bool accepts_tool(const json::Value& /*tool*/) { return true; }
};

}  // namespace mcp::worker
