#include "core/service/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace drover::service {
namespace {

// Newlines would start a new assignment in the notify datagram.
std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

void send(const std::string& state) { sd_notify(0, state.c_str()); }

}  // namespace

void ready(const std::string& status) { send("READY=1\nSTATUS=" + oneLine(status)); }

void reloading() { send("RELOADING=1\nSTATUS=reloading"); }

void stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void status(const std::string& text) { send("STATUS=" + oneLine(text)); }

Watchdog::Watchdog() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
}

std::chrono::milliseconds Watchdog::pollBudget() const {
  if (!enabled()) return std::chrono::hours(1);
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(interval_ / 2));
}

void Watchdog::kick() {
  if (!enabled()) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_ / 4) return;  // a busy loop pings four times an interval, no more
  last_ = now;
  send("WATCHDOG=1");
}

}  // namespace drover::service
