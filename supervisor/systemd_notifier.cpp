#include "supervisor/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

#include "common/log.hpp"

namespace mcp::supervisor {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0)
    watchdog_usec_ = std::chrono::microseconds(usec);
}

SystemdNotifier::~SystemdNotifier() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void SystemdNotifier::send(const std::string& message) {
  if (!enabled_) return;
  const int rc = sd_notify(0, message.c_str());
  if (rc < 0) log::warning("sd_notify failed: " + std::string(std::strerror(-rc)));
}

void SystemdNotifier::ready() {
  send("READY=1");
}

void SystemdNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ull +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ull;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() {
  send("STOPPING=1");
}

void SystemdNotifier::status(const std::string& text) {
  if (text == last_status_) return;
  last_status_ = text;
  send("STATUS=" + text);
}

void SystemdNotifier::start_watchdog(std::function<bool(std::chrono::milliseconds)> check) {
  if (!enabled_ || watchdog_usec_.count() == 0) return;
  log::info("systemd watchdog: " + std::to_string(watchdog_usec_.count() / 1000) +
            " ms, pinging every " + std::to_string(watchdog_usec_.count() / 2000) + " ms");
  watchdog_ = std::thread([this, check = std::move(check)] { watchdog_loop(check); });
}

void SystemdNotifier::watchdog_loop(std::function<bool(std::chrono::milliseconds)> check) {
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_usec_ / 2);
  const auto budget = period / 2;
  bool was_healthy = true;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const bool healthy = check(budget);
    if (healthy) {
      send("WATCHDOG=1");
      if (!was_healthy) log::notice("self-check passes again; watchdog pings resumed");
    } else if (was_healthy) {
      log::error(
          "self-check failed (event loop or HTTP front not answering); withholding the "
          "watchdog ping, systemd will restart us if this lasts");
    }
    was_healthy = healthy;
    lock.lock();
    stop_cv_.wait_until(lock, started + period, [this] { return stop_; });
  }
}

}  // namespace mcp::supervisor
