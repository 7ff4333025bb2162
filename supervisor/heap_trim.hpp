// The supervisor's heap after a burst. A flood of large messages or hundreds of clients at once
// leave free memory inside glibc's heap, which free() gives back only from the top of it: the
// RSS a user watches would stay at the burst's height. The gateway's 1 s tick calls
// give_back_free_heap, which returns the free pages (malloc_trim) at most every 10 s, when at
// least 1 MiB is free and the heap changed since the last time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mcp::supervisor {

struct HeapFigures {
  std::size_t in_use_bytes = 0;  // allocated, mmapped blocks included
  std::size_t free_bytes = 0;    // held for reuse (after a trim, mostly not resident)
  std::uint64_t trims = 0;       // how often give_back_free_heap trimmed
};

HeapFigures heap_figures();
void give_back_free_heap(std::chrono::steady_clock::time_point now);

}  // namespace mcp::supervisor
