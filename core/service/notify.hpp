#pragma once
// The daemons' word to their service manager (systemd's sd_notify protocol, through
// libsystemd): ready once the broker answers, reloading on SIGHUP, stopping, and the
// watchdog. Outside a unit with Type=notify (no NOTIFY_SOCKET) every call does nothing,
// so the daemons behave the same when run by hand or by the tests.
#include <chrono>
#include <string>

namespace drover::service {

/// READY=1 with a one-line STATUS: the unit's start ends here.
void ready(const std::string& status);
/// RELOADING=1 (a SIGHUP is being handled); ready() again when done.
void reloading();
/// STOPPING=1: the stop has begun.
void stopping();
/// STATUS= alone: what `systemctl status` shows.
void status(const std::string& status);

/// The watchdog systemd asked for (WatchdogSec=), if any. kick() from the loop that must
/// not wedge: it sends WATCHDOG=1 at most every half interval, so a loop that stops
/// turning is restarted by systemd after the interval.
class Watchdog {
 public:
  Watchdog();  // reads WATCHDOG_USEC/WATCHDOG_PID through sd_watchdog_enabled
  bool enabled() const { return interval_.count() > 0; }
  /// The longest a loop may sleep between kicks (half the interval); 1 h when off.
  std::chrono::milliseconds pollBudget() const;
  void kick();

 private:
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace drover::service
