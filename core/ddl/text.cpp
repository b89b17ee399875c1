#include "core/ddl/text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

namespace drover::ddl {
namespace {

// Keeps a DDL from asking for megabytes of padding ("%999999999s").
constexpr int kMaxWidth = 64;

struct Directive {
  bool left = false;
  bool zero = false;
  int width = 0;
  int precision = -1;
  char conversion = 0;
  std::size_t length = 0;  // characters of the format it spans, '%' included
};

// Reads digits at `pos` into `out`; false when there are more than kMaxWidth allows.
bool readNumber(std::string_view f, std::size_t& pos, int& out) {
  out = 0;
  while (pos < f.size() && f[pos] >= '0' && f[pos] <= '9') {
    out = out * 10 + (f[pos++] - '0');
    if (out > kMaxWidth) return false;
  }
  return true;
}

// Parses the directive starting at the '%' at `start`; nullopt when this code does not
// support it.
std::optional<Directive> parseDirective(std::string_view f, std::size_t start) {
  Directive d;
  std::size_t pos = start + 1;
  for (; pos < f.size() && (f[pos] == '-' || f[pos] == '0'); ++pos) {
    (f[pos] == '-' ? d.left : d.zero) = true;
  }
  if (!readNumber(f, pos, d.width)) return std::nullopt;
  if (pos < f.size() && f[pos] == '.') {
    if (!readNumber(f, ++pos, d.precision)) return std::nullopt;
  }
  if (pos >= f.size() || std::string_view("sdifv").find(f[pos]) == std::string_view::npos) {
    return std::nullopt;
  }
  d.conversion = f[pos];
  d.length = pos + 1 - start;
  return d;
}

std::optional<double> asDouble(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const auto& s = value.get_ref<const std::string&>();
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

std::string integerText(const Json& value) {
  if (value.is_number_integer()) return compactJson(value);  // also unsigned
  auto number = asDouble(value);
  if (!number || std::fabs(*number) > 9.2e18) return toText(value);
  return std::to_string(std::llround(*number));
}

std::string fixedText(const Json& value, int precision) {
  auto number = asDouble(value);
  if (!number) return toText(value);
  char buffer[400];  // fits any double in fixed notation with up to 64 decimals
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *number, std::chars_format::fixed,
                                 precision < 0 ? 6 : precision);
  return ec == std::errc() ? std::string(buffer, end) : toText(value);
}

std::string pad(std::string text, const Directive& d, bool numeric) {
  if (static_cast<int>(text.size()) >= d.width) return text;
  std::size_t fill = static_cast<std::size_t>(d.width) - text.size();
  if (d.left) return text + std::string(fill, ' ');
  if (!d.zero || !numeric) return std::string(fill, ' ') + text;
  std::size_t sign = (!text.empty() && text[0] == '-') ? 1 : 0;
  return text.insert(sign, fill, '0');
}

std::string convert(const Directive& d, const Json& value) {
  switch (d.conversion) {
    case 'd':
    case 'i': return pad(integerText(value), d, true);
    case 'f': return pad(fixedText(value, d.precision), d, true);
    default: {  // s, v: the precision of %.Ns truncates, as in printf
      std::string text = toText(value);
      if (d.precision >= 0 && text.size() > static_cast<std::size_t>(d.precision)) {
        text.resize(static_cast<std::size_t>(d.precision));
      }
      return pad(std::move(text), d, false);
    }
  }
}

}  // namespace

std::string compactJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string toText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return compactJson(value);
}

std::string formatPrintf(std::string_view format, const std::vector<Json>& args) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t pos = 0; pos < format.size();) {
    if (format[pos] != '%') {
      out += format[pos++];
      continue;
    }
    if (pos + 1 < format.size() && format[pos + 1] == '%') {
      out += '%';
      pos += 2;
      continue;
    }
    auto directive = parseDirective(format, pos);
    if (!directive || next >= args.size()) {
      out += format[pos++];
      continue;
    }
    out += convert(*directive, args[next++]);
    pos += directive->length;
  }
  return out;
}

}  // namespace drover::ddl
