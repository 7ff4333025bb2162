// The status board: a shared-memory segment with one slot per worker (Boost.Interprocess).
// Workers write their own slot (heartbeat, pids, counters, backend memory, last error) without
// any message to the supervisor; the supervisor reads every slot for GET /status and to find
// a worker that stopped beating, which it kills and restarts: a worker stuck in a loop or
// stopped by a debugger answers no message, but it cannot fake a heartbeat.
//
// Every field is a lock-free atomic, so a reader never sees a torn value; the last-error text
// is guarded by a sequence counter. The supervisor creates the segment (removing a stale one
// left by a crashed run whose owner is gone) and removes it when it exits.
//
// Memory: the segment is sized for every slot but only the pages that are written exist. The
// supervisor constructs a slot when it hands it to a worker (reset_slot), and a worker maps
// only the page(s) of its own slot, so it can neither read nor scribble on another's.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mcp {

enum class WorkerPhase : std::uint32_t { starting = 0, initializing = 1, ready = 2, exiting = 3 };

struct StatusSlot {
  std::atomic<std::uint32_t> in_use;
  std::atomic<std::int32_t> worker_pid;
  std::atomic<std::int32_t> backend_pid;
  std::atomic<std::uint32_t> phase;
  std::atomic<std::uint64_t> heartbeat_ms;  // CLOCK_MONOTONIC, shared by all processes
  std::atomic<std::uint64_t> frames_to_backend;
  std::atomic<std::uint64_t> frames_from_backend;
  std::atomic<std::uint64_t> backend_rss_kb;  // the backend's whole process tree
  std::atomic<std::uint32_t> error_seq;       // odd while last_error is being written
  char last_error[240];

  void set_last_error(const std::string& text);
  std::string last_error_text() const;
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

class StatusBoard {
 public:
  ~StatusBoard();
  StatusBoard(const StatusBoard&) = delete;
  StatusBoard& operator=(const StatusBoard&) = delete;

  // Supervisor: creates a fresh segment named name (removing a stale one whose owner is dead).
  static std::unique_ptr<StatusBoard> create(const std::string& name, std::uint32_t slots,
                                             std::string& error);
  // Worker: maps slot `index` of the supervisor's segment, and nothing else of it.
  static std::unique_ptr<StatusBoard> open_slot(const std::string& name, std::uint32_t index,
                                                std::string& error);

  std::uint32_t slot_count() const { return slot_count_; }
  // The owner: any slot. A worker's board: its own slot, null for any other.
  StatusSlot* slot(std::uint32_t index);
  // Owner: a fresh slot (zero counters, no last error) for the worker it is handed to.
  StatusSlot* reset_slot(std::uint32_t index);
  const std::string& name() const { return name_; }
  // Owner: the segment goes by `name` from now on (the gateway's port moved); mappings stay.
  // Refused, with the old name kept, when a running process owns `name`.
  bool rename(const std::string& name, std::string& error);

  // Milliseconds on CLOCK_MONOTONIC, the clock of heartbeat_ms.
  static std::uint64_t now_ms();

 private:
  struct Impl;
  StatusBoard(std::string name, bool owner, std::uint32_t slot_count, std::unique_ptr<Impl> impl);

  std::string name_;
  bool owner_;
  std::uint32_t slot_count_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp
