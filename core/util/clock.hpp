#pragma once
#include <chrono>
#include <cstdint>

namespace drover::util {

/// Wall-clock milliseconds since the Unix epoch (the envelope's `time`).
inline std::int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Monotonic time for measuring durations and deadlines.
using SteadyClock = std::chrono::steady_clock;

}  // namespace drover::util
