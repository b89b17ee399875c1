#include "provisioner/template.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace drover::provisioner {
namespace {

constexpr const char* kOpen = "{{";
constexpr const char* kClose = "}}";

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

struct Expression {
  std::vector<std::string> paths;  // alternatives, in order
  std::optional<Json> literal;     // the default after them: a number or a string
  bool lower = false;
};

std::string braced(const std::string& inner) { return "'{{" + inner + "}}'"; }

bool validPath(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string::npos) return false;
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.';
  });
}

bool allDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
}

// "8140", "-1" or "0.5" as a number; anything else nullopt.
std::optional<Json> parseNumber(const std::string& inner, const std::string& text) {
  std::string_view digits(text);
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  auto dot = digits.find('.');
  bool integer = dot == std::string_view::npos;
  if (integer ? !allDigits(digits)
              : !allDigits(digits.substr(0, dot)) || !allDigits(digits.substr(dot + 1))) {
    return std::nullopt;
  }
  const char* end = text.data() + text.size();
  std::from_chars_result result{};
  Json number;
  if (integer) {
    std::int64_t value = 0;
    result = std::from_chars(text.data(), end, value);
    number = value;
  } else {
    double value = 0;
    result = std::from_chars(text.data(), end, value);
    number = value;
  }
  if (result.ec != std::errc() || result.ptr != end) {
    throw TemplateError(braced(inner) + ": the number " + text + " is out of range");
  }
  return number;
}

// A quoted string ("production" or 'production') or a number; nullopt for anything else.
std::optional<Json> parseLiteral(const std::string& inner, const std::string& text) {
  if (!text.empty() && (text.front() == '"' || text.front() == '\'')) {
    if (text.size() < 2 || text.find(text.front(), 1) != text.size() - 1) {
      throw TemplateError(braced(inner) + ": " + text +
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
    throw TemplateError(braced(inner) + ": unterminated " + quote +
                        " quote (a quoted string cannot contain '}}')");
  }
  parts.alternatives.push_back(trim(current));
  return parts;
}

Expression parseExpression(const std::string& inner) {
  Expression expr;
  Parts parts = split(inner);
  if (parts.filter) {
    if (*parts.filter != "lower") {
      throw TemplateError("unknown filter '" + *parts.filter + "' in {{" + inner +
                          "}} (known: lower)");
    }
    expr.lower = true;
  }
  for (const auto& text : parts.alternatives) {
    if (expr.literal) {
      throw TemplateError(braced(inner) + ": a literal must be the last alternative");
    }
    expr.literal = parseLiteral(inner, text);
    if (expr.literal) continue;
    if (!validPath(text)) {
      throw TemplateError("bad expression {{" + inner + "}}: '" + text +
                          "' is not a dotted name such as node.facts.region, a number or a"
                          " quoted string");
    }
    expr.paths.push_back(text);
  }
  return expr;
}

// Splits text into literal parts and expressions; calls onLiteral/onExpr in order.
template <typename OnLiteral, typename OnExpr>
void scan(const std::string& text, OnLiteral onLiteral, OnExpr onExpr) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find(kOpen, pos);
    auto strayClose = text.find(kClose, pos);
    if (strayClose != std::string::npos && (open == std::string::npos || strayClose < open)) {
      throw TemplateError("'}}' without '{{' in \"" + text + "\"");
    }
    if (open == std::string::npos) {
      onLiteral(text.substr(pos));
      return;
    }
    auto close = text.find(kClose, open + 2);
    if (close == std::string::npos) throw TemplateError("'{{' without '}}' in \"" + text + "\"");
    if (open > pos) onLiteral(text.substr(pos, open - pos));
    std::string inner = text.substr(open + 2, close - open - 2);
    if (inner.find(kOpen) != std::string::npos) {
      throw TemplateError("nested '{{' in \"" + text + "\"");
    }
    onExpr(inner, parseExpression(inner));
    pos = close + 2;
  }
}

std::string rootOf(const std::string& path) { return path.substr(0, path.find('.')); }

std::string asText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The first set alternative, else the literal; throws when neither is there.
Json pick(const std::string& inner, const Expression& expr, const Json& context) {
  for (const auto& path : expr.paths) {
    const Json* value = lookupPath(context, path);
    if (value != nullptr && !value->is_null()) return *value;
  }
  if (expr.literal) return *expr.literal;
  throw TemplateError("{{" + inner + "}} is not set");
}

Json evaluate(const std::string& inner, const Expression& expr, const Json& context) {
  Json value = pick(inner, expr, context);
  if (!expr.lower) return value;
  std::string text = asText(value);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

const Json* lookupPath(const Json& object, const std::string& path) {
  const Json* current = &object;
  std::size_t start = 0;
  for (;;) {
    auto dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!current->is_object()) return nullptr;
    auto it = current->find(part);
    if (it == current->end()) return nullptr;
    current = &*it;
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

std::vector<std::string> checkTemplate(const std::string& text) {
  std::vector<std::string> roots;
  scan(text, [](const std::string&) {},
       [&](const std::string& inner, const Expression& expr) {
         for (const auto& path : expr.paths) {
           std::string root = rootOf(path);
           if (root != "node" && root != "master" && root != "provisioner" && root != "lookup") {
             throw TemplateError("{{" + inner + "}}: '" + path +
                                 "' must start with node., master., provisioner. or lookup.");
           }
           if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
         }
       });
  return roots;
}

Json renderString(const std::string& text, const Json& context) {
  std::string out;
  std::size_t pieces = 0;
  Json whole;
  scan(text,
       [&](const std::string& literal) {
         ++pieces;
         out += literal;
       },
       [&](const std::string& inner, const Expression& expr) {
         ++pieces;
         whole = evaluate(inner, expr, context);
         out += asText(whole);
       });
  if (pieces == 1 && !whole.is_null()) return whole;
  return out;
}

Json render(const Json& value, const Json& context) {
  if (value.is_string()) return renderString(value.get<std::string>(), context);
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      try {
        out[it.key()] = render(it.value(), context);
      } catch (const TemplateError& e) {
        throw TemplateError(it.key() + ": " + e.what());
      }
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (std::size_t i = 0; i < value.size(); ++i) {
      try {
        out.push_back(render(value[i], context));
      } catch (const TemplateError& e) {
        throw TemplateError("[" + std::to_string(i) + "]: " + e.what());
      }
    }
    return out;
  }
  return value;
}

}  // namespace drover::provisioner
