// Fuzz target: protocol/line_framer, which cuts the supervisor<->worker channel and a stdio
// backend's output into messages. The framer is fed the input in several chunkings and, for a
// few line limits, must do exactly what a plain model on the whole input says: each line
// within the limit handed out once (a trailing CR stripped, empty lines skipped), each line
// over it reported once with its full length, and only the unfinished tail kept.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/line_framer.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace mcp::fuzz {
namespace {

constexpr std::size_t line_limits_bytes[] = {4, 64, 1u << 20};

// What came out: a line's text, or an oversize report ("!" and the byte count).
struct Framed {
  std::vector<std::string> out;
  std::size_t buffered = 0;
  bool operator==(const Framed&) const = default;
};

Framed frame(std::string_view input, Chunking how, std::size_t limit) {
  LineFramer framer(limit);
  Framed f;
  for (std::string_view chunk : cut(input, how)) {
    framer.feed(
        chunk, [&](std::string_view line) { f.out.emplace_back(line); },
        [&](std::size_t bytes) { f.out.push_back("!" + std::to_string(bytes)); });
  }
  f.buffered = framer.buffered_bytes();
  return f;
}

Framed model(std::string_view input, std::size_t limit) {
  Framed f;
  while (true) {
    const std::size_t nl = input.find('\n');
    if (nl == std::string_view::npos) break;
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl + 1);
    if (line.size() > limit) {
      f.out.push_back("!" + std::to_string(line.size()));
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) f.out.emplace_back(line);
  }
  f.buffered = input.size() > limit ? 0 : input.size();
  return f;
}

}  // namespace
}  // namespace mcp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcp::fuzz;
  const std::string_view input = as_text(data, size);
  for (const std::size_t limit : line_limits_bytes) {
    const Framed expected = model(input, limit);
    for (const Chunking how : all_chunkings) {
      check(frame(input, how, limit) == expected, "the framer disagrees with the model", input);
    }
  }
  return 0;
}
