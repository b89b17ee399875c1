#include "core/log/throttle.hpp"

#include <algorithm>
#include <cstdio>

namespace drover::log {

std::string clip(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t shown = std::min(text.size(), max);
  out.reserve(shown + 24);
  for (std::size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out.append(escaped);
    }
  }
  if (text.size() > shown) out += "...(+" + std::to_string(text.size() - shown) + " bytes)";
  return out;
}

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

LogThrottle::Clock::time_point LogThrottle::reportDue() const {
  return suppressed_ == 0 ? Clock::time_point::max() : windowStart_ + window_;
}

std::uint64_t LogThrottle::takeAllSuppressed() {
  std::uint64_t count = suppressed_;
  suppressed_ = 0;
  return count;
}

}  // namespace drover::log
