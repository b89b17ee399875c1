#pragma once
// Prometheus text exposition helpers shared by every /metrics producer.
#include <string>
#include <string_view>

#include <fmt/format.h>

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

/// A metric family's header: "# HELP name help" and "# TYPE name type".
inline void prometheusFamily(std::string& out, std::string_view name, std::string_view type,
                             std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

/// A family of one unlabelled sample: its header, then "name value".
template <typename Value>
void prometheusSingle(std::string& out, std::string_view name, std::string_view type,
                      std::string_view help, Value value) {
  prometheusFamily(out, name, type, help);
  out.append(name).append(" ").append(fmt::format("{}", value)).append("\n");
}

}  // namespace drover::util
