#include "provisioner/template.hpp"

#include <algorithm>
#include <cctype>

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
  bool lower = false;
};

bool validPath(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string::npos) return false;
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.';
  });
}

Expression parseExpression(const std::string& inner) {
  Expression expr;
  std::string body = inner;
  auto pipe = body.find('|');
  while (pipe != std::string::npos && pipe + 1 < body.size() && body[pipe + 1] == '|') {
    pipe = body.find('|', pipe + 2);
  }
  if (pipe != std::string::npos) {
    std::string filter = trim(body.substr(pipe + 1));
    if (filter != "lower") {
      throw TemplateError("unknown filter '" + filter + "' in {{" + inner + "}} (known: lower)");
    }
    expr.lower = true;
    body = body.substr(0, pipe);
  }
  std::size_t start = 0;
  for (;;) {
    auto bar = body.find("||", start);
    std::string path = trim(body.substr(start, bar == std::string::npos ? std::string::npos
                                                                         : bar - start));
    if (!validPath(path)) {
      throw TemplateError("bad expression {{" + inner + "}}: '" + path +
                          "' is not a dotted name such as node.facts.region");
    }
    expr.paths.push_back(path);
    if (bar == std::string::npos) break;
    start = bar + 2;
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

Json evaluate(const std::string& inner, const Expression& expr, const Json& context) {
  for (const auto& path : expr.paths) {
    const Json* value = lookupPath(context, path);
    if (value == nullptr || value->is_null()) continue;
    if (!expr.lower) return *value;
    std::string text = asText(*value);
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  }
  throw TemplateError("{{" + inner + "}} is not set");
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
           if (root != "node" && root != "master" && root != "provisioner") {
             throw TemplateError("{{" + inner + "}}: '" + path +
                                 "' must start with node., master. or provisioner.");
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
