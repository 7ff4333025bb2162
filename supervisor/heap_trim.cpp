#include "supervisor/heap_trim.hpp"

#include <malloc.h>

namespace mcp::supervisor {

namespace {

constexpr auto trim_interval = std::chrono::seconds(10);
constexpr std::size_t trim_slack = 1u << 20;

// The event loop's thread is the only caller.
std::chrono::steady_clock::time_point last_look;
std::size_t free_at_last_trim = 0;
std::uint64_t trims = 0;

}  // namespace

HeapFigures heap_figures() {
  const struct mallinfo2 mi = ::mallinfo2();
  return {mi.uordblks + mi.hblkhd, mi.fordblks, trims};
}

void give_back_free_heap(std::chrono::steady_clock::time_point now) {
  if (now - last_look < trim_interval) return;
  last_look = now;
  const std::size_t free_bytes = ::mallinfo2().fordblks;
  // Free bytes stay free after a trim (their pages are gone, the chunks stay): trim again only
  // when the heap moved since.
  if (free_bytes < trim_slack || free_bytes == free_at_last_trim) return;
  ::malloc_trim(0);
  free_at_last_trim = ::mallinfo2().fordblks;
  ++trims;
}

}  // namespace mcp::supervisor
