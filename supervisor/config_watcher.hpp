// Watches the config file for edits with inotify and calls back, debounced.
//
// It watches directories, not the file: editors save by writing a new file and renaming it
// over the old one, which a watch on the file itself would lose (design.md, "Traps"). It
// watches both the directory of the path as given and the directory of the file it resolves
// to, so symlink swaps (Kubernetes' "..data") and edits of the link's target are both seen;
// the resolution is redone after every change.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace mcp::supervisor {

class ConfigWatcher {
 public:
  ConfigWatcher(asio::io_context& io, std::string path, std::chrono::milliseconds debounce,
                std::function<void()> on_change);
  // False (with a reason) when inotify is unavailable; SIGHUP still works then.
  bool start(std::string& error);
  // Re-resolves symlinks and adjusts the watched directories.
  void refresh_watches();

 private:
  void read_events();
  bool concerns_us(const std::string& dir, const std::string& name) const;

  std::string path_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  asio::posix::stream_descriptor inotify_;
  asio::steady_timer debounce_timer_;
  std::map<int, std::string> watches_;        // watch descriptor -> directory
  std::map<std::string, std::string> names_;  // directory -> file name we care about there
  std::array<char, 8192> buffer_{};
};

}  // namespace mcp::supervisor
