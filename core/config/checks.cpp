#include "core/config/checks.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/bus/curve.hpp"
#include "core/bus/topics.hpp"

namespace drover::config::checks {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool hasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0 || std::iscntrl(c) != 0; });
}

// tcp://HOST:PORT with a port of 1..65535, or * for "any free port" when binding.
bool isTcpAddress(std::string_view rest) {
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto port = rest.substr(colon + 1);
  if (port == "*") return true;
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int number = std::stoi(std::string(port));
  return number >= 1 && number <= 65535;
}

bool isEndpoint(std::string_view text, bool allowInproc) {
  if (hasSpaceOrControl(text)) return false;
  if (startsWith(text, "tcp://")) return isTcpAddress(text.substr(6));
  if (startsWith(text, "ipc://")) return text.size() > 6;
  return allowInproc && startsWith(text, "inproc://") && text.size() > 9;
}

}  // namespace

Check endpoint() {
  return {"an endpoint such as tcp://HOST:PORT, ipc://PATH or inproc://NAME",
          [](const std::string& v) { return isEndpoint(v, true); }};
}

Check bindEndpoint() {
  return {"a bind endpoint such as tcp://HOST:PORT (PORT may be *) or ipc://PATH",
          [](const std::string& v) { return isEndpoint(v, false); }};
}

Check optionalBindEndpoint() {
  return {"empty, or a bind endpoint such as tcp://HOST:PORT or ipc://PATH",
          [](const std::string& v) { return v.empty() || isEndpoint(v, false); }};
}

Check logLevel() {
  static constexpr std::array<std::string_view, 7> kLevels{"trace", "debug",    "info", "warn",
                                                           "error", "critical", "off"};
  return {"one of trace, debug, info, warn, error, critical, off", [](const std::string& v) {
            return std::find(kLevels.begin(), kLevels.end(), v) != kLevels.end();
          }};
}

Check collectiveName() {
  return {"a collective name of letters, digits, '_' and '-'", [](const std::string& v) {
            return !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) {
              return std::isalnum(c) != 0 || c == '_' || c == '-';
            });
          }};
}

Check identity() {
  // It is a part of the node's topic: what the bus cannot carry is refused here.
  return {"a name without spaces, '*', '>' or empty dot-separated parts",
          [](const std::string& v) { return !hasSpaceOrControl(v) && bus::validTopicPart(v); }};
}

Check optionalCurveKey() {
  return {"a 40-character Z85 CURVE public key, or empty",
          [](const std::string& v) { return v.empty() || bus::validZ85Key(v); }};
}

}  // namespace drover::config::checks

namespace drover::config {
namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closestMatch(const std::string& word, const std::vector<std::string>& candidates) {
  std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::string best;
  std::size_t bestDistance = limit + 1;
  for (const auto& candidate : candidates) {
    std::size_t distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

}  // namespace drover::config
