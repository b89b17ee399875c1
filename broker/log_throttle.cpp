#include "broker/log_throttle.hpp"

namespace drover::broker {

bool LogThrottle::admit(Clock::time_point now) {
  if (!windowOpen_ || now - windowStart_ >= window_) {
    windowOpen_ = true;
    windowStart_ = now;
    written_ = 0;
  }
  if (written_ < lines_) {
    ++written_;
    return true;
  }
  ++suppressed_;
  ++suppressedTotal_;
  return false;
}

std::uint64_t LogThrottle::takeSuppressed(Clock::time_point now) {
  if (suppressed_ == 0 || now - windowStart_ < window_) return 0;
  std::uint64_t count = suppressed_;
  suppressed_ = 0;
  return count;
}

std::uint64_t LogThrottle::takeAllSuppressed() {
  std::uint64_t count = suppressed_;
  suppressed_ = 0;
  return count;
}

}  // namespace drover::broker
