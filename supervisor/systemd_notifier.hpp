// systemd's notify protocol (sd_notify(3)): READY, RELOADING, STOPPING, STATUS and the
// watchdog. Without NOTIFY_SOCKET every call is a no-op, so the gateway runs the same way
// under systemd, in a container, or by hand.
//
// The watchdog is the point of Type=notify with WatchdogSec=: systemd restarts us when we stop
// pinging. A ping that a timer thread sends regardless would prove nothing, so pings come from
// a thread that first checks that the event loop runs a posted task and that the HTTP front
// answers GET /health on our own socket (which itself goes through the loop).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace mcp::supervisor {

class SystemdNotifier {
 public:
  SystemdNotifier();
  ~SystemdNotifier();

  bool enabled() const { return enabled_; }
  void ready();
  // Sends RELOADING=1 with MONOTONIC_USEC, as systemd >= 253 requires for Type=notify-reload
  // and as older versions accept.
  void reloading();
  void stopping();
  // Sends STATUS= only when the text changed.
  void status(const std::string& text);

  // Starts the watchdog thread if systemd asked for one (WATCHDOG_USEC for our pid). check is
  // called on that thread and must return true only when the loop and the front answered.
  void start_watchdog(std::function<bool(std::chrono::milliseconds budget)> check);
  std::chrono::microseconds watchdog_interval() const { return watchdog_usec_; }

 private:
  void send(const std::string& message);
  void watchdog_loop(std::function<bool(std::chrono::milliseconds)> check);

  bool enabled_ = false;
  std::chrono::microseconds watchdog_usec_{0};
  std::string last_status_;
  std::thread watchdog_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
};

}  // namespace mcp::supervisor
