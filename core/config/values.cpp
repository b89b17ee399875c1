#include "core/config/values.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace drover::config {
namespace {

std::optional<long long> parseInteger(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parseNumber(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value)) return std::nullopt;  // "inf" and "nan" are not settings
  return value;
}

std::optional<bool> parseBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

bool inRange(const OptionSpec& spec, double value) {
  return !spec.range || (value >= spec.range->min && value <= spec.range->max);
}

std::string got(const std::string& text) {
  return text.empty() ? "got nothing" : "got '" + text + "'";
}

std::string complaint(const OptionSpec& spec, const std::string& text) {
  return "expected " + expectation(spec) + ", " + got(text);
}

std::string rangeText(const OptionSpec& spec) {
  if (!spec.range) return "";
  return fmt::format(" between {} and {}", spec.range->min, spec.range->max);
}

// One overload per field type; each returns whether `text` was accepted and stored.
bool parseInto(const OptionSpec& spec, const std::string& text, std::string& out) {
  if (spec.check && !spec.check->accepts(text)) return false;
  out = text;
  return true;
}

bool parseInto(const OptionSpec& spec, const std::string& text, std::filesystem::path& out) {
  if (spec.check && !spec.check->accepts(text)) return false;
  out = text;
  return true;
}

bool parseInto(const OptionSpec& spec, const std::string& text, int& out) {
  auto value = parseInteger(text);
  if (!value || !inRange(spec, static_cast<double>(*value))) return false;
  out = static_cast<int>(*value);
  return true;
}

bool parseInto(const OptionSpec& spec, const std::string& text, double& out) {
  auto value = parseNumber(text);
  if (!value || !inRange(spec, *value)) return false;
  out = *value;
  return true;
}

bool parseInto(const OptionSpec&, const std::string& text, bool& out) {
  auto value = parseBool(text);
  if (!value) return false;
  out = *value;
  return true;
}

template <typename Duration>
bool parseInto(const OptionSpec& spec, const std::string& text, Duration& out) {
  int count = 0;
  if (!parseInto(spec, text, count)) return false;
  out = Duration(count);
  return true;
}

bool parseInto(const OptionSpec& spec, const std::string& text, std::vector<std::string>& out) {
  if (text.empty()) {
    out.clear();
    return true;
  }
  if (!checkItem(spec, text).empty()) return false;
  out = {text};
  return true;
}

std::string yamlScalar(const std::string& text) {
  YAML::Emitter out;
  out << text;
  return out.c_str();
}

}  // namespace

std::string expectation(const OptionSpec& spec) {
  switch (spec.type) {
    case Type::Int: return "an integer" + rangeText(spec);
    case Type::Double: return "a number" + rangeText(spec);
    case Type::Bool: return "true or false";
    case Type::Milliseconds: return "a whole number of milliseconds" + rangeText(spec);
    case Type::Seconds: return "a whole number of seconds" + rangeText(spec);
    case Type::StringList:
      return spec.check ? "a list of items, each " + spec.check->expects : "a list of strings";
    case Type::Path: return spec.check ? spec.check->expects : "a path";
    case Type::String: break;
  }
  return spec.check ? spec.check->expects : "a string";
}

std::string assignText(const OptionSpec& spec, const FieldRef& field, const std::string& text) {
  bool ok = std::visit([&](auto* target) { return parseInto(spec, text, *target); }, field);
  if (ok) return "";
  if (spec.type == Type::StringList) return checkItem(spec, text);
  return complaint(spec, text);
}

std::string checkItem(const OptionSpec& spec, const std::string& item) {
  if (!spec.check || spec.check->accepts(item)) return "";
  return "expected " + spec.check->expects + ", " + got(item);
}

std::string assignList(const OptionSpec& spec, const FieldRef& field,
                       const std::vector<std::string>& items) {
  auto* list = std::get_if<std::vector<std::string>*>(&field);
  if (list == nullptr) {
    if (items.size() == 1) return assignText(spec, field, items.front());
    return wrongShape(spec, "a list");
  }
  for (const auto& item : items) {
    if (auto problem = checkItem(spec, item); !problem.empty()) return problem;
  }
  **list = items;
  return "";
}

std::string wrongShape(const OptionSpec& spec, const std::string& gotWhat) {
  return "expected " + expectation(spec) + ", got " + gotWhat;
}

std::string formatValue(const FieldRef& field) {
  struct Formatter {
    std::string operator()(const std::string* v) const { return yamlScalar(*v); }
    std::string operator()(const std::filesystem::path* v) const { return yamlScalar(v->string()); }
    std::string operator()(const int* v) const { return std::to_string(*v); }
    std::string operator()(const bool* v) const { return *v ? "true" : "false"; }
    std::string operator()(const double* v) const { return fmt::format("{}", *v); }
    std::string operator()(const std::chrono::milliseconds* v) const {
      return std::to_string(v->count());
    }
    std::string operator()(const std::chrono::seconds* v) const {
      return std::to_string(v->count());
    }
    std::string operator()(const std::vector<std::string>* v) const {
      YAML::Emitter out;
      out << YAML::Flow << *v;
      return out.c_str();
    }
  };
  return std::visit(Formatter{}, field);
}

}  // namespace drover::config
