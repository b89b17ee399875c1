#pragma once
// Durations in notifier config carry their unit ("500ms", "60s", "5m", "1h"), so a
// digest window of 60 cannot be misread as milliseconds.
#include <chrono>
#include <optional>
#include <string_view>

namespace drover::notifiers {

/// Parses a whole number followed by ms, s, m or h ("0s" is zero). nullopt otherwise,
/// including for a bare number and for values beyond 30 days.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace drover::notifiers
