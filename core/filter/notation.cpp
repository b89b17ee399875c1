#include "core/filter/notation.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

#include "core/filter/literal.hpp"

namespace drover::filter {
namespace {

// Longest plain decimal offered for an exponent; 1e-50 written out helps no one.
constexpr std::size_t kMaxSuggestion = 40;

// A number-like value taken apart: sign, base, digits and exponent as written.
struct Parts {
  std::string_view sign;  // "", "+" or "-"
  int base = 10;
  std::string_view integer;   // may be empty before a point (".5")
  std::string_view fraction;  // may be empty after a point ("5.")
  std::string_view exponent;  // after `e`, sign included; empty when there is none
};

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

bool isSeparator(char c) { return c == '_' || c == '\'' || c == ','; }

// Digits of `base`, with each separator between two digits.
bool isDigitRun(std::string_view run, int base) {
  bool previousDigit = false;
  for (const char c : run) {
    const bool digit = digitValue(c) < base;
    if (!digit && !(previousDigit && isSeparator(c))) return false;
    previousDigit = digit;
  }
  return previousDigit;
}

bool isExponent(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  return isDigitRun(text, 10) && text.find_first_of("_',") == std::string_view::npos;
}

int prefixBase(char c) {
  if (c == 'x' || c == 'X') return 16;
  if (c == 'o' || c == 'O') return 8;
  if (c == 'b' || c == 'B') return 2;
  return 0;
}

bool splitDecimal(std::string_view text, Parts& parts) {
  if (const auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    parts.exponent = text.substr(e + 1);
    text = text.substr(0, e);
    if (!isExponent(parts.exponent)) return false;
  }
  const auto point = text.find('.');
  parts.integer = text.substr(0, point);
  if (point != std::string_view::npos) parts.fraction = text.substr(point + 1);
  if (parts.integer.empty() && parts.fraction.empty()) return false;
  return (parts.integer.empty() || isDigitRun(parts.integer, 10)) &&
         (parts.fraction.empty() || isDigitRun(parts.fraction, 10));
}

std::optional<Parts> split(std::string_view text) {
  Parts parts;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    parts.sign = text.substr(0, 1);
    text.remove_prefix(1);
  }
  if (text.size() > 2 && text[0] == '0' && prefixBase(text[1]) != 0) {
    parts.base = prefixBase(text[1]);
    parts.integer = text.substr(2);
    return isDigitRun(parts.integer, parts.base) ? std::optional(parts) : std::nullopt;
  }
  return splitDecimal(text, parts) ? std::optional(parts) : std::nullopt;
}

std::string withoutSeparators(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != '_' && c != '\'') out += c;
  }
  return out;
}

// "" when the digits do not fit 64 bits.
std::string integerInBase(std::string_view digits, int base) {
  const auto clean = withoutSeparators(digits);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(clean.data(), clean.data() + clean.size(), value, base);
  if (error != std::errc() || end != clean.data() + clean.size()) return "";
  return std::to_string(value);
}

// Leading zeros dropped, a missing integer part written as 0, a bare point dropped.
std::string trimmedDecimal(const Parts& parts) {
  auto integer = withoutSeparators(parts.integer);
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size()));
  if (integer.empty()) integer = "0";
  const auto fraction = withoutSeparators(parts.fraction);
  return fraction.empty() ? integer : integer + "." + fraction;
}

// The exponent applied; "" when the result is huge, tiny or not exact enough to print.
std::string expanded(const Parts& parts) {
  const auto written = trimmedDecimal(parts) + "e" + std::string(parts.exponent);
  double value = 0;
  const auto [end, error] = std::from_chars(written.data(), written.data() + written.size(), value);
  if (error != std::errc() || !std::isfinite(value)) return "";
  std::array<char, kMaxSuggestion> buffer{};
  const auto printed =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
  if (printed.ec != std::errc()) return "";
  const auto text = std::string(buffer.data(), printed.ptr);
  return parseNumber(text) ? text : "";
}

std::string suggestion(const Parts& parts, std::string_view text) {
  if (text.find(',') != std::string_view::npos) return "";  // 1,000 or 2,5?
  std::string digits;
  if (parts.base != 10) {
    digits = integerInBase(parts.integer, parts.base);
  } else {
    digits = parts.exponent.empty() ? trimmedDecimal(parts) : expanded(parts);
  }
  if (digits.empty()) return "";
  return (parts.sign == "-" && digits != "0" ? "-" : "") + digits;
}

}  // namespace

std::optional<std::string> plainDecimalFor(std::string_view text) {
  if (parseNumber(text)) return std::nullopt;
  const auto parts = split(text);
  if (!parts) return std::nullopt;
  return suggestion(*parts, text);
}

}  // namespace drover::filter
