#include "core/log/throttle.hpp"

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

bool Throttle::allow(Clock::time_point now) {
  if (now - windowStart_ >= interval_) {
    windowStart_ = now;
    inWindow_ = 0;
  }
  if (inWindow_ < burst_) {
    ++inWindow_;
    return true;
  }
  ++suppressed_;
  ++suppressedTotal_;
  return false;
}

std::uint64_t Throttle::takeSuppressed() {
  std::uint64_t n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace drover::log
