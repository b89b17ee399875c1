#include "core/filter/literal.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace drover::filter {
namespace {

// ASCII only, whatever the process locale.
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Words made only of these read back as themselves in any VALUE or NAME position.
bool isBareSafe(char c) {
  return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '@' || c == '+';
}

// Digits with no leading zero (a lone "0" is fine).
bool isDecimalInteger(std::string_view digits) {
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), isDigit)) return false;
  return digits.size() == 1 || digits.front() != '0';
}

bool isDecimal(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return isDecimalInteger(text);
  const auto fraction = text.substr(dot + 1);
  return isDecimalInteger(text.substr(0, dot)) && !fraction.empty() &&
         std::all_of(fraction.begin(), fraction.end(), isDigit);
}

}  // namespace

bool isNameChar(char c) { return isAlnum(c) || c == '_' || c == '-' || c == ':' || c == '.'; }

std::string toLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string quoteValue(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), isBareSafe)) {
    return std::string(text);
  }
  return doubleQuoted(text);
}

std::string doubleQuoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string regexLiteral(std::string_view pattern) {
  std::string out = "/";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      out += pattern.substr(i++, 2);  // an escape pair stays as written
    } else {
      if (pattern[i] == '/') out += '\\';
      out += pattern[i];
    }
  }
  return out + '/';
}

std::optional<Number> parseNumber(std::string_view text) {
  if (!isDecimal(text)) return std::nullopt;
  Number number;
  const char* end = text.data() + text.size();
  std::from_chars(text.data(), end, number.real);
  const auto [ptr, error] = std::from_chars(text.data(), end, number.integer);
  // Integers beyond 64 bits still compare, as doubles.
  number.isInteger = error == std::errc() && ptr == end;
  return number;
}

}  // namespace drover::filter
