// One read buffer for every stream and connection of a thread. All of them run on their
// thread's event loop and read only once their descriptor is readable, then hand the bytes on
// at once, so none needs a buffer of its own: a worker channel, a backend pipe or an idle HTTP
// connection then holds only what it has not parsed yet.
#pragma once

#include <span>
#include <vector>

namespace mcp {

inline std::span<char> shared_read_buffer() {
  static thread_local std::vector<char> buffer(64 * 1024);
  return buffer;
}

}  // namespace mcp
