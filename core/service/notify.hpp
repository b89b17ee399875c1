#pragma once
// The daemons' word to their service manager (systemd's sd_notify protocol): ready once
// the broker answers, reloading on SIGHUP, stopping, and the watchdog. Outside a unit
// with Type=notify (no NOTIFY_SOCKET) every call does nothing, so the daemons behave the
// same when run by hand or by the tests.
//
// The protocol is one datagram of newline-separated assignments to the unix socket
// $NOTIFY_SOCKET names, which sd_notify(3) documents as a stable interface others may
// speak. It is spoken here rather than through libsystemd, which would bring seven
// shared libraries (about 1 MB of an idle node's memory) into every daemon for it.
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <string>
#include <string_view>

namespace drover::service {

/// READY=1 with a one-line STATUS: the unit's start ends here.
void ready(const std::string& status);
/// RELOADING=1 (a SIGHUP is being handled); ready() again when done.
void reloading();
/// STOPPING=1: the stop has begun.
void stopping();
/// STATUS= alone: what `systemctl status` shows.
void status(const std::string& status);

/// The address $NOTIFY_SOCKET names: a path, or '@' and a name in the abstract
/// namespace; false for anything else (empty, relative, too long).
bool notifySocketAddress(std::string_view where, sockaddr_un& address, socklen_t& length);

/// WATCHDOG_USEC when it is set for this process (WATCHDOG_PID, if set, is ours); zero
/// when there is no watchdog.
std::chrono::microseconds watchdogInterval();

/// The watchdog systemd asked for (WatchdogSec=), if any. kick() from the loop that must
/// not wedge: it sends WATCHDOG=1 at most every half interval, so a loop that stops
/// turning is restarted by systemd after the interval.
class Watchdog {
 public:
  Watchdog();  // watchdogInterval()
  bool enabled() const { return interval_.count() > 0; }
  /// The longest a loop may sleep between kicks (half the interval); 1 h when off.
  std::chrono::milliseconds pollBudget() const;
  void kick();

 private:
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace drover::service
