// What the fuzz targets share: a property check that fails loudly, and the ways one input is cut
// into chunks. A failed check aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace mcp::fuzz {

[[noreturn]] inline void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property violated: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(input.size() > 512 ? 512 : input.size()), input.data());
  std::abort();
}

inline void check(bool ok, const char* what, std::string_view input) {
  if (!ok) fail(what, input);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// How a stream reader is fed the same bytes: all at once, one byte at a time, and in chunks
// whose sizes (1 to 17 bytes) come from the bytes themselves. The seeds stay readable streams,
// and every cut point, a CR here and its LF in the next chunk among them, gets tried.
enum class Chunking { whole, bytewise, by_content };
inline constexpr Chunking all_chunkings[] = {Chunking::whole, Chunking::bytewise,
                                             Chunking::by_content};

inline std::vector<std::string_view> cut(std::string_view input, Chunking how) {
  std::vector<std::string_view> chunks;
  std::size_t at = 0;
  while (at < input.size()) {
    std::size_t n = input.size() - at;
    if (how == Chunking::bytewise) n = 1;
    if (how == Chunking::by_content) {
      n = std::min<std::size_t>(n, static_cast<unsigned char>(input[at]) % 17 + 1);
    }
    chunks.push_back(input.substr(at, n));
    at += n;
  }
  return chunks;
}

}  // namespace mcp::fuzz
