#include "notifiers/duration.hpp"

#include <charconv>

namespace drover::notifiers {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  long long count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end == text.data() || count < 0) return std::nullopt;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  long long factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m" || unit == "min")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    return std::nullopt;
  constexpr long long kMaxMs = 30LL * 24 * 3'600'000;
  if (count > kMaxMs / factor) return std::nullopt;
  return std::chrono::milliseconds(count * factor);
}

}  // namespace drover::notifiers
