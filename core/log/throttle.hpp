#pragma once
// Log lines about traffic an attacker controls (refused handshakes, dropped messages):
// each cut to a fixed size, and their number bounded.
//
// clip() makes a received string safe to put in a log line: at most `max` bytes of it,
// control and non-ASCII bytes escaped, and the length of what was cut said.
// LogThrottle keeps a flood of similar lines from flooding the log: at most `lines`
// lines per `window`; past that, lines are counted, and the count is reported once the
// window is over. Time is passed in, so tests need no clock.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace drover::log {

/// `text` made printable and cut to at most `max` bytes of it ("abc...(+4000000 bytes)").
std::string clip(std::string_view text, std::size_t max = 64);

/// Thread ownership: one thread (the loop that logs: the broker's, a node's bus thread).
class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LogThrottle(int lines, Clock::duration window) : lines_(lines), window_(window) {}

  /// True if a line may be written at `now`; false counts it as suppressed.
  /// Call takeSuppressed() first, so a window's count is reported before a new window.
  bool admit(Clock::time_point now);

  /// How many lines were suppressed in the window that is over at `now`; 0 while the
  /// window runs or when nothing was suppressed. Resets the count it returns.
  std::uint64_t takeSuppressed(Clock::time_point now);

  /// When takeSuppressed() will next return a count (the window's end); Clock's max()
  /// when nothing is suppressed. A loop that sleeps until then reports on time.
  Clock::time_point reportDue() const;

  /// Lines suppressed and not yet reported, window over or not (at shutdown). Resets.
  std::uint64_t takeAllSuppressed();

  /// Lines suppressed since the start.
  std::uint64_t suppressedTotal() const { return suppressedTotal_; }

  Clock::duration window() const { return window_; }

 private:
  const int lines_;
  const Clock::duration window_;
  Clock::time_point windowStart_{};
  bool windowOpen_ = false;
  int written_ = 0;
  std::uint64_t suppressed_ = 0;
  std::uint64_t suppressedTotal_ = 0;
};

}  // namespace drover::log
