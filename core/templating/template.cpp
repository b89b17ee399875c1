#include "core/templating/template.hpp"

#include <algorithm>
#include <cctype>

namespace drover::templating {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

bool allowed(const std::string& path, const Names& names) {
  const auto& whole = names.whole;
  if (std::find(whole.begin(), whole.end(), path) != whole.end()) return true;
  auto dot = path.find('.');
  if (dot == std::string::npos) return false;
  return std::find(names.roots.begin(), names.roots.end(), path.substr(0, dot)) !=
         names.roots.end();
}

// "node, master[.NAME], facts.NAME": what the names allow, for error messages.
std::string describe(const Names& names) {
  std::string out;
  auto add = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  const auto& roots = names.roots;
  for (const auto& name : names.whole) {
    bool alsoRoot = std::find(roots.begin(), roots.end(), name) != roots.end();
    add(alsoRoot ? name + "[.NAME]" : name);
  }
  for (const auto& root : roots) {
    if (std::find(names.whole.begin(), names.whole.end(), root) == names.whole.end()) {
      add(root + ".NAME");
    }
  }
  return out;
}

void checkNames(const Expression& expr, const Names& names) {
  for (const auto& path : expr.paths) {
    if (allowed(path, names)) continue;
    bool alone = expr.paths.size() == 1 && !expr.literal && !expr.lower && !expr.join;
    throw Error("unknown placeholder '{{" + path + "}}'" +
                    (alone ? "" : " in '{{" + expr.inner + "}}'") + " (known: " + describe(names) +
                    ")",
                expr.offset);
  }
}

Expression parseAt(const std::string& inner, std::size_t offset) {
  try {
    Expression expr = parseExpression(inner);
    expr.offset = offset;
    return expr;
  } catch (const Error& e) {
    throw Error(e.what(), offset);
  }
}

// The position of the "}}" closing the "{{" at `open`. Throws for a missing close or a
// nested open.
std::size_t closeOf(const std::string& text, std::size_t open) {
  auto close = text.find(kClose, open + kOpen.size());
  if (close == std::string::npos) throw Error("'{{' without '}}' in \"" + text + "\"", open);
  auto nested = text.find(kOpen, open + kOpen.size());
  if (nested < close) throw Error("nested '{{' in \"" + text + "\"", nested);
  return close;
}

}  // namespace

Template Template::parse(const std::string& text) {
  Template out;
  out.text_ = text;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find(kOpen, pos);
    auto stray = text.find(kClose, pos);
    if (stray != std::string::npos && (open == std::string::npos || stray < open)) {
      throw Error("'}}' without '{{' in \"" + text + "\"", stray);
    }
    if (open == std::string::npos) open = text.size();
    if (open > pos) out.parts_.push_back(Part{text.substr(pos, open - pos), std::nullopt});
    if (open == text.size()) break;
    auto close = closeOf(text, open);
    auto inner = text.substr(open + kOpen.size(), close - open - kOpen.size());
    out.parts_.push_back(Part{"", parseAt(inner, open)});
    pos = close + kClose.size();
  }
  return out;
}

Template Template::parse(const std::string& text, const Names& names) {
  Template out = parse(text);
  for (const auto& part : out.parts_) {
    if (part.expression) checkNames(*part.expression, names);
  }
  return out;
}

Json Template::render(const Json& context, Unset unset) const {
  std::string out;
  Json whole;
  for (const auto& part : parts_) {
    if (!part.expression) {
      out += part.literal;
      continue;
    }
    auto value = evaluate(*part.expression, context, unset == Unset::Dash);
    if (!value && unset == Unset::Error) {
      throw Error("{{" + part.expression->inner + "}} is not set", part.expression->offset);
    }
    whole = value ? *value : Json("-");
    out += asText(whole);
  }
  if (parts_.size() == 1 && parts_.front().expression) return whole;
  return out;
}

std::string Template::renderText(const Json& context, Unset unset) const {
  return asText(render(context, unset));
}

std::vector<Template::Use> Template::uses() const {
  std::vector<Use> uses;
  for (const auto& part : parts_) {
    if (!part.expression) continue;
    for (const auto& path : part.expression->paths)
      uses.push_back(Use{path, part.expression->offset});
  }
  return uses;
}

std::vector<std::string> Template::roots() const {
  std::vector<std::string> roots;
  for (const auto& part : parts_) {
    if (!part.expression) continue;
    for (const auto& path : part.expression->paths) {
      std::string root = path.substr(0, path.find('.'));
      if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
    }
  }
  return roots;
}

Json renderValue(const Json& value, const Json& context) {
  if (value.is_string()) return Template::parse(value.get<std::string>()).render(context);
  if (!value.is_structured()) return value;
  Json out = value.is_object() ? Json::object() : Json::array();
  std::size_t index = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++index) {
    std::string where = value.is_object() ? it.key() : "[" + std::to_string(index) + "]";
    try {
      Json rendered = renderValue(it.value(), context);
      if (value.is_object()) {
        out[it.key()] = std::move(rendered);
      } else {
        out.push_back(std::move(rendered));
      }
    } catch (const Error& e) {
      throw Error(where + ": " + e.what(), e.offset());
    }
  }
  return out;
}

const Json* lookupPath(const Json& object, std::string_view path) {
  if (!object.is_object()) return nullptr;
  if (auto it = object.find(path); it != object.end()) return &*it;
  auto dot = path.find('.');
  if (dot == std::string_view::npos) return nullptr;
  auto it = object.find(path.substr(0, dot));
  if (it == object.end()) return nullptr;
  return lookupPath(*it, path.substr(dot + 1));
}

namespace {

// Compares keys with their runs of digits read as numbers: "w-2" before "w-10".
bool naturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool digits = std::isdigit(static_cast<unsigned char>(a[i])) != 0 &&
                  std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (!digits) {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
      continue;
    }
    auto endA = a.find_first_not_of("0123456789", i), endB = b.find_first_not_of("0123456789", j);
    std::string numA = a.substr(i, endA - i), numB = b.substr(j, endB - j);
    if (numA.size() != numB.size()) return numA.size() < numB.size();
    if (numA != numB) return numA < numB;
    i = endA == std::string::npos ? a.size() : endA;
    j = endB == std::string::npos ? b.size() : endB;
  }
  return a.size() - i < b.size() - j;
}

// The values of an object in the natural order of their keys, or an array's items.
std::vector<const Json*> membersOf(const Json& container) {
  std::vector<const Json*> out;
  if (container.is_array()) {
    for (const auto& item : container) out.push_back(&item);
    return out;
  }
  std::vector<std::string> keys;
  for (auto it = container.begin(); it != container.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end(), naturalLess);
  for (const auto& key : keys) out.push_back(&container.at(key));
  return out;
}

}  // namespace

std::optional<Json> lookupAll(const Json& object, std::string_view path) {
  auto star = path.find(".*");
  while (star != std::string_view::npos && star + 2 < path.size() && path[star + 2] != '.') {
    star = path.find(".*", star + 1);
  }
  if (star == std::string_view::npos) {
    const Json* found = lookupPath(object, path);
    return found == nullptr ? std::nullopt : std::optional<Json>(*found);
  }
  const Json* container = lookupPath(object, path.substr(0, star));
  if (container == nullptr || !container->is_structured()) return std::nullopt;
  std::string_view rest = star + 2 < path.size() ? path.substr(star + 3) : std::string_view();
  Json out = Json::array();
  for (const Json* item : membersOf(*container)) {
    std::optional<Json> value = rest.empty() ? std::optional<Json>(*item) : lookupAll(*item, rest);
    if (value && !value->is_null()) out.push_back(std::move(*value));
  }
  return out;
}

std::string asText(const Json& value) {
  // Values come from facts, deployment files and replies, whose strings may hold bytes
  // that are not UTF-8: a structure keeps them readable (U+FFFD) instead of refusing to
  // render, as a string on its own keeps its bytes.
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace drover::templating
