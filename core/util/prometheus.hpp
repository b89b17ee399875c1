#pragma once
// Prometheus text exposition helpers shared by every /metrics producer.
#include <string>
#include <string_view>

namespace drover::util {

/// A label value escaped as the text format asks: backslash, double quote, newline.
inline std::string prometheusLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace drover::util
