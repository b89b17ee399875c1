#include "core/ddl/validator.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "core/ddl/named_validators.hpp"
#include "core/ddl/text.hpp"

namespace drover::ddl {
namespace {

using Violations = std::vector<Violation>;

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string jsonTypeName(const Json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "float";
  if (value.is_object()) return "hash";
  return value.type_name();
}

bool isIntegral(const Json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  double d = value.get<double>();
  return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18;
}

// Characters, not bytes: a maxlength counts what a person typed.
std::size_t utf8Length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// An unknown validator is reported by refuseUnchecked(), for values of any type.
void checkNamed(const Input& input, const std::string& value, Violations& out) {
  NamedCheck check = findNamedValidator(input.validation);
  if (check == nullptr) return;
  if (auto why = check(value)) {
    out.push_back({input.name, input.validation,
                   "input " + quoted(input.name) + " fails validation " + quoted(input.validation) +
                       ": " + *why});
  }
}

void checkRegex(const Input& input, const std::string& value, Violations& out) {
  std::shared_ptr<const re2::RE2> regex = input.regex;
  std::string prefix = "input " + quoted(input.name) + " fails validation 'regex': ";
  try {
    if (!regex) regex = compileValidationRegex(input.validation);
  } catch (const std::invalid_argument&) {
    out.push_back({input.name, "regex", prefix + "invalid regex /" + input.validation + "/"});
    return;
  }
  if (!re2::RE2::PartialMatch(value, *regex)) {
    out.push_back({input.name, "regex", prefix + "does not match /" + input.validation + "/"});
  }
}

void checkString(const Input& input, const std::string& value, Violations& out) {
  std::size_t length = utf8Length(value);
  if (input.maxlength > 0 && length > input.maxlength) {
    out.push_back({input.name, "maxlength",
                   "input " + quoted(input.name) +
                       " fails validation 'maxlength': " + std::to_string(length) +
                       " characters, at most " + std::to_string(input.maxlength) + " allowed"});
  }
  if (input.validation.empty()) return;
  if (isValidatorName(input.validation)) {
    checkNamed(input, value, out);
  } else {
    checkRegex(input, value, out);
  }
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void checkList(const Input& input, const std::string& value, Violations& out) {
  if (std::find(input.list.begin(), input.list.end(), value) != input.list.end()) return;
  out.push_back({input.name, "list",
                 "input " + quoted(input.name) + " fails validation 'list': must be one of " +
                     joined(input.list)});
}

bool hasUnknownValidator(const Input& input) {
  return isValidatorName(input.validation) && findNamedValidator(input.validation) == nullptr;
}

// The DDL asks for a check this Drover cannot make, and the agent may rely on it: passing
// the value on unchecked is not safe, so it is refused after every check that can run.
void refuseUnchecked(const Input& input, Violations& out) {
  if (input.unknownType) {
    out.push_back({input.name, "unknown_type",
                   "input " + quoted(input.name) + " has type " + quoted(*input.unknownType) +
                       ", which this Drover does not know: values for it are refused"});
  }
  if (hasUnknownValidator(input)) {
    out.push_back({input.name, "unknown_validator",
                   "input " + quoted(input.name) + " uses validator " + quoted(input.validation) +
                       ", which this Drover does not know: values for it are refused"});
  }
}

void checkGiven(const Input& input, Json& value, Violations& out) {
  if (!hasType(input.type, value)) {
    out.push_back({input.name, "type",
                   "input " + quoted(input.name) + " fails validation 'type': must be " +
                       std::string(toString(input.type)) + ", got " + jsonTypeName(value)});
    return;
  }
  if (input.type == InputType::Integer && value.is_number_float()) {
    value = static_cast<std::int64_t>(value.get<double>());
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (input.type == InputType::List) checkList(input, text, out);
    checkString(input, text, out);
  }
  refuseUnchecked(input, out);
}

bool hasDefault(const Input& input) { return input.defaultValue && !input.defaultValue->is_null(); }

// Only what the caller sent is checked. An input left out is missing only when it is
// required and has no default: otherwise the agent gets its default (applyDefaults),
// which is the DDL author's word and is not held to the input's rule.
void checkInput(const Input& input, Json& args, Violations& out) {
  auto it = args.find(input.name);
  if (it != args.end() && it->is_null()) {
    args.erase(it);
    it = args.end();
  }
  if (it != args.end()) {
    checkGiven(input, *it, out);
  } else if (!input.optional && !hasDefault(input)) {
    out.push_back({input.name, "required",
                   "input " + quoted(input.name) + " fails validation 'required': it is missing"});
  }
}

void checkUnknown(const Action& action, const Json& args, Violations& out) {
  for (const auto& [key, value] : args.items()) {
    if (action.findInput(key) != nullptr) continue;
    out.push_back({key, "unknown",
                   "input " + quoted(key) + " fails validation 'unknown': action " +
                       quoted(action.name) + " declares no such input"});
  }
}

// --- command-line conversion ---------------------------------------------------------

[[noreturn]] void badArgument(const std::string& argument, const std::string& why) {
  throw std::invalid_argument("argument '" + argument + "': " + why);
}

template <typename T>
std::optional<T> parseNumber(const std::string& text) {
  T out{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(out)) return std::nullopt;
  }
  return out;
}

std::optional<bool> parseBoolean(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return std::nullopt;
}

Json parseJsonOf(const std::string& argument, const std::string& text, bool object) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object && !value.is_object()) badArgument(argument, "value is not a JSON object");
  if (!object && !value.is_array()) badArgument(argument, "value is not a JSON array");
  return value;
}

Json convertNumber(const std::string& argument, const std::string& text, InputType type) {
  if (type != InputType::Float) {
    if (auto integer = parseNumber<std::int64_t>(text)) return *integer;
    if (type == InputType::Integer) badArgument(argument, "value is not an integer");
  }
  if (auto real = parseNumber<double>(text)) return *real;
  badArgument(argument, "value is not a number");
}

Json convert(const Input& input, const std::string& argument, const std::string& text) {
  switch (input.type) {
    case InputType::Integer:
    case InputType::Float:
    case InputType::Number: return convertNumber(argument, text, input.type);
    case InputType::Boolean:
      if (auto b = parseBoolean(text)) return *b;
      badArgument(argument, "value is not a boolean (true/false, yes/no, 1/0)");
    case InputType::Hash: return parseJsonOf(argument, text, true);
    case InputType::Array: return parseJsonOf(argument, text, false);
    default: return text;
  }
}

}  // namespace

bool hasType(InputType type, const Json& value) {
  switch (type) {
    case InputType::String:
    case InputType::List: return value.is_string();
    case InputType::Boolean: return value.is_boolean();
    case InputType::Integer: return isIntegral(value);
    case InputType::Float:
    case InputType::Number: return value.is_number();
    case InputType::Hash: return value.is_object();
    case InputType::Array: return value.is_array();
    case InputType::Any: return true;
  }
  return false;
}

bool refusesEveryValue(const Input& input) {
  return input.unknownType.has_value() || hasUnknownValidator(input);
}

std::vector<Violation> validate(const Action& action, Json& args) {
  Violations out;
  if (!args.is_object()) {
    out.push_back({"", "type", "arguments must be a hash, got " + jsonTypeName(args)});
    return out;
  }
  checkUnknown(action, args, out);
  for (const auto& input : action.inputs) checkInput(input, args, out);
  return out;
}

void applyDefaults(const Action& action, Json& args) {
  if (!args.is_object()) return;
  for (const auto& input : action.inputs) {
    auto it = args.find(input.name);
    if (hasDefault(input) && (it == args.end() || it->is_null())) {
      args[input.name] = *input.defaultValue;
    }
  }
}

std::vector<Violation> validateValue(const Input& input, const Json& value) {
  Violations out;
  Json copy = value;
  checkGiven(input, copy, out);
  return out;
}

Json parseCliArguments(const Action& action, const std::vector<std::string>& keyValues) {
  Json args = Json::object();
  for (const auto& argument : keyValues) {
    std::size_t eq = argument.find('=');
    if (eq == std::string::npos || eq == 0) badArgument(argument, "expected key=value");
    std::string key = argument.substr(0, eq);
    std::string text = argument.substr(eq + 1);
    if (args.contains(key)) badArgument(argument, "'" + key + "' is given more than once");
    const Input* input = action.findInput(key);
    args[key] = input ? convert(*input, argument, text) : Json(text);
  }
  return args;
}

}  // namespace drover::ddl
