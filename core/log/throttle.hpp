#pragma once
// Log lines about traffic an attacker controls: cut to a fixed size, and rate-limited.
//
// clip() makes any received string safe to put in a log line: at most `max` bytes of
// it, control and non-ASCII bytes escaped, and the length of what was cut said. A
// flood of hostile messages then costs the log a bounded line each, and a Throttle
// bounds the number of lines: the first `burst` lines of each `interval` pass, the
// rest are counted, and the next line that passes reports how many were suppressed.
//
// Throttle is not thread safe: one per thread (the node's bus thread owns its own).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace drover::log {

/// `text` made printable and cut to at most `max` bytes of it ("abc…(+4000000 bytes)").
std::string clip(std::string_view text, std::size_t max = 64);

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;

  Throttle(std::size_t burst, Clock::duration interval) : burst_(burst), interval_(interval) {}

  /// True when a line may be written now. False counts it as suppressed.
  bool allow(Clock::time_point now = Clock::now());

  /// Lines suppressed since the last call, which resets the count. Ask after allow()
  /// returned true to say "(N similar lines suppressed)".
  std::uint64_t takeSuppressed();

  /// Every line suppressed since construction.
  std::uint64_t suppressedTotal() const { return suppressedTotal_; }

 private:
  const std::size_t burst_;
  const Clock::duration interval_;
  Clock::time_point windowStart_{};
  std::size_t inWindow_ = 0;
  std::uint64_t suppressed_ = 0;
  std::uint64_t suppressedTotal_ = 0;
};

}  // namespace drover::log
