#include "supervisor/config_watcher.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/inotify.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace mcp::supervisor {

namespace {

constexpr uint32_t watch_mask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR;

std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

ConfigWatcher::ConfigWatcher(asio::io_context& io, std::string path,
                             std::chrono::milliseconds debounce, std::function<void()> on_change)
    : path_(std::move(path)),
      debounce_(debounce),
      on_change_(std::move(on_change)),
      inotify_(io),
      debounce_timer_(io) {}

bool ConfigWatcher::start(std::string& error) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    error = std::string("inotify_init1: ") + std::strerror(errno);
    return false;
  }
  inotify_.assign(fd);
  refresh_watches();
  read_events();
  return true;
}

void ConfigWatcher::refresh_watches() {
  std::map<std::string, std::string> wanted;
  auto [dir, name] = split_path(path_);
  wanted[dir] = name;
  char resolved[PATH_MAX];
  if (::realpath(path_.c_str(), resolved) != nullptr) {
    auto [rdir, rname] = split_path(resolved);
    if (rdir != dir) wanted[rdir] = rname;
    // Kubernetes-style swaps replace a "..data" symlink in the link's directory.
    if (rdir != dir || rname != name) names_["..data"] = "..data";
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (wanted.count(it->second) == 0) {
      ::inotify_rm_watch(inotify_.native_handle(), it->first);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [d, n] : wanted) {
    names_[d] = n;
    bool have = false;
    for (const auto& [wd, wdir] : watches_) have = have || wdir == d;
    if (have) continue;
    const int wd = ::inotify_add_watch(inotify_.native_handle(), d.c_str(), watch_mask);
    if (wd < 0) {
      log::warning("cannot watch " + d + " for config changes: " + std::strerror(errno) +
                   " (SIGHUP still reloads)");
      continue;
    }
    watches_[wd] = d;
  }
}

bool ConfigWatcher::concerns_us(const std::string& dir, const std::string& name) const {
  auto it = names_.find(dir);
  if (it != names_.end() && it->second == name) return true;
  return name == "..data";
}

void ConfigWatcher::read_events() {
  inotify_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
    if (ec) {
      if (ec != asio::error::operation_aborted) log::error("inotify read failed: " + ec.message());
      return;
    }
    bool relevant = false;
    std::size_t off = 0;
    while (off + sizeof(inotify_event) <= n) {
      auto* ev = reinterpret_cast<const inotify_event*>(buffer_.data() + off);
      off += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        relevant = true;
        continue;
      }
      auto w = watches_.find(ev->wd);
      if (w == watches_.end() || ev->len == 0) continue;
      if (concerns_us(w->second, ev->name)) relevant = true;
    }
    if (relevant) {
      // Editors write in bursts (truncate, write, rename, chmod): act once, after the burst.
      debounce_timer_.expires_after(debounce_);
      debounce_timer_.async_wait([this](std::error_code e) {
        if (e) return;
        refresh_watches();
        on_change_();
      });
    }
    read_events();
  });
}

}  // namespace mcp::supervisor
