// supervisor/heap_trim.hpp: free heap is given back after a burst, and not again and again.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "supervisor/heap_trim.hpp"

namespace mcp::supervisor {
namespace {

// The sanitizers bring their own allocator, whose mallinfo2 says nothing about glibc's heap.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool glibc_heap = false;
#else
constexpr bool glibc_heap = true;
#endif

TEST(HeapTrim, TrimsAfterABurstOnceThenWaitsForTheHeapToChange) {
  if (!glibc_heap) GTEST_SKIP() << "a sanitizer's allocator, not glibc's heap";
  using namespace std::chrono_literals;
  // Past any earlier call's interval, a run of this same test (--gtest_repeat) included: the
  // trimmer's clock is process-wide.
  static auto last_run = std::chrono::steady_clock::now();
  last_run += 1h;
  const auto t = last_run;
  // A burst: 4 MiB in small blocks, freed but for the last one, which pins the heap's top.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 4096; ++i) blocks.emplace_back(new char[1024]());
  auto pin = std::move(blocks.back());
  blocks.clear();
  ASSERT_GE(heap_figures().free_bytes, 1u << 20);

  const auto before = heap_figures().trims;
  give_back_free_heap(t);
  EXPECT_EQ(heap_figures().trims, before + 1);
  give_back_free_heap(t + 5s);
  EXPECT_EQ(heap_figures().trims, before + 1) << "not twice within 10 s";
  give_back_free_heap(t + 20s);
  EXPECT_EQ(heap_figures().trims, before + 1) << "the heap did not change since";
  EXPECT_GT(heap_figures().in_use_bytes, 0u);
}

}  // namespace
}  // namespace mcp::supervisor
