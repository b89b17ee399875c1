#include "core/templating/expression.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "core/templating/template.hpp"

namespace drover::templating {
namespace {

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string braced(const std::string& inner) { return "'{{" + inner + "}}'"; }

// Segments of letters, digits, '_' and '-' joined by dots; a segment may be "*" (every
// value at that level) but not the first one.
bool validPath(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string::npos || path.front() == '*') return false;
  for (auto star = path.find('*'); star != std::string::npos; star = path.find('*', star + 1)) {
    bool alone = path[star - 1] == '.' && (star + 1 == path.size() || path[star + 1] == '.');
    if (!alone) return false;
  }
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.' || c == '*';
  });
}

bool allDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool numberShaped(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return allDigits(text);
  return allDigits(text.substr(0, dot)) && allDigits(text.substr(dot + 1));
}

// "8140", "-1" or "0.5" as a number; anything else nullopt.
std::optional<Json> parseNumber(const std::string& inner, const std::string& text) {
  if (!numberShaped(text)) return std::nullopt;
  const char* end = text.data() + text.size();
  std::from_chars_result result{};
  Json number;
  if (text.find('.') == std::string::npos) {
    std::int64_t value = 0;
    result = std::from_chars(text.data(), end, value);
    number = value;
  } else {
    double value = 0;
    result = std::from_chars(text.data(), end, value);
    number = value;
  }
  if (result.ec != std::errc() || result.ptr != end) {
    throw Error(braced(inner) + ": the number " + text + " is out of range");
  }
  return number;
}

// A quoted string ("production" or 'production') or a number; nullopt for anything else.
std::optional<Json> parseLiteral(const std::string& inner, const std::string& text) {
  if (!text.empty() && (text.front() == '"' || text.front() == '\'')) {
    if (text.size() < 2 || text.find(text.front(), 1) != text.size() - 1) {
      throw Error(braced(inner) + ": " + text +
                  " is not one quoted string (it ends at the matching quote)");
    }
    return Json(text.substr(1, text.size() - 2));
  }
  return parseNumber(inner, text);
}

// The alternatives of `inner` (split at "||") and the filter after a single '|', if any.
// '|' inside a quoted literal splits nothing.
struct Parts {
  std::vector<std::string> alternatives;
  std::optional<std::string> filter;
};

Parts split(const std::string& inner) {
  Parts parts;
  std::string current;
  char quote = 0;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (quote != 0 || c == '"' || c == '\'') {
      if (quote == 0) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      }
      current += c;
    } else if (c == '|' && i + 1 < inner.size() && inner[i + 1] == '|') {
      parts.alternatives.push_back(trim(current));
      current.clear();
      ++i;
    } else if (c == '|') {
      parts.filter = trim(inner.substr(i + 1));
      break;
    } else {
      current += c;
    }
  }
  if (quote != 0) {
    throw Error(braced(inner) + ": unterminated " + quote +
                " quote (a quoted string cannot contain '}}')");
  }
  parts.alternatives.push_back(trim(current));
  return parts;
}

std::string asLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool isSet(const Json* value, bool emptyIsUnset) {
  if (value == nullptr || value->is_null()) return false;
  return !(emptyIsUnset && value->is_string() && value->get_ref<const std::string&>().empty());
}

// "join('SEP')" or "join(\"SEP\")": the separator; nullopt for any other text.
std::optional<std::string> joinSeparator(const std::string& filter) {
  const std::string head = "join(";
  if (filter.rfind(head, 0) != 0 || filter.back() != ')') return std::nullopt;
  std::string quoted = trim(filter.substr(head.size(), filter.size() - head.size() - 1));
  if (quoted.size() < 2 || (quoted.front() != '"' && quoted.front() != '\'')) return std::nullopt;
  if (quoted.find(quoted.front(), 1) != quoted.size() - 1) return std::nullopt;
  return quoted.substr(1, quoted.size() - 2);
}

void parseFilter(Expression& expr, const std::string& filter) {
  if (filter == "lower") {
    expr.lower = true;
    return;
  }
  expr.join = joinSeparator(filter);
  if (!expr.join) {
    throw Error("unknown filter '" + filter + "' in {{" + expr.inner +
                "}} (known: lower, join('SEP'))");
  }
}

// A list's items as text joined by `separator`; any other value as text.
std::string joined(const Json& value, const std::string& separator) {
  if (!value.is_array()) return asText(value);
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i)
    out += (i == 0 ? "" : separator) + asText(value[i]);
  return out;
}

}  // namespace

Expression parseExpression(const std::string& inner) {
  Expression expr;
  expr.inner = inner;
  Parts parts = split(inner);
  if (parts.filter) parseFilter(expr, *parts.filter);
  for (const auto& text : parts.alternatives) {
    if (expr.literal) throw Error(braced(inner) + ": a literal must be the last alternative");
    expr.literal = parseLiteral(inner, text);
    if (expr.literal) continue;
    if (!validPath(text)) {
      throw Error("bad expression {{" + inner + "}}: '" + text +
                  "' is not a dotted name such as node.facts.region, a number or a"
                  " quoted string");
    }
    expr.paths.push_back(text);
  }
  return expr;
}

std::optional<Json> evaluate(const Expression& expr, const Json& context, bool emptyIsUnset) {
  std::optional<Json> value;
  for (const auto& path : expr.paths) {
    std::optional<Json> found = lookupAll(context, path);
    if (found && isSet(&*found, emptyIsUnset)) {
      value = std::move(found);
      break;
    }
  }
  if (!value) value = expr.literal;
  if (value && expr.join) return Json(joined(*value, *expr.join));
  if (!value || !expr.lower) return value;
  return Json(asLower(asText(*value)));
}

}  // namespace drover::templating
