#include "core/ddl/names.hpp"

#include <algorithm>

namespace drover::ddl {

bool isShortName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<std::string> keyNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxKeyName) return "is longer than " + std::to_string(kMaxKeyName) + " bytes";
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    std::string at = " at byte " + std::to_string(i + 1);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "contains whitespace" + at;
    if (c < 0x20 || c == 0x7F) return "contains a control character" + at;
    if (c >= 0x80) return "contains a non-ASCII byte" + at;
    if (c == '=') return "contains '='" + at + ", which `key=value` arguments cannot carry";
  }
  return std::nullopt;
}

std::string shownName(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : name.substr(0, 64)) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      out += std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
    }
  }
  return name.size() > 64 ? out + "..." : out;
}

}  // namespace drover::ddl
