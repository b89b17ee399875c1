#include "core/ddl/ddl.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace drover::ddl {
namespace {

constexpr std::array<std::pair<std::string_view, InputType>, 10> kTypeNames{{
    {"string", InputType::String},
    {"list", InputType::List},
    {"boolean", InputType::Boolean},
    {"integer", InputType::Integer},
    {"float", InputType::Float},
    {"number", InputType::Number},
    {"hash", InputType::Hash},
    {"array", InputType::Array},
    {"any", InputType::Any},
    {"int", InputType::Integer},  // Choria's validator takes it for integer
}};

// Choria compares type names in lower case, which also covers the schema's "Hash" and
// "Array" (MCollective's Ruby class names).
bool sameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <typename T>
const T* findByName(const std::vector<T>& items, const std::string& name) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view toString(InputType type) {
  for (const auto& [name, value] : kTypeNames) {
    if (value == type) return name;  // the lower-case spelling comes first
  }
  return "any";
}

std::optional<InputType> inputTypeFromString(std::string_view name) {
  for (const auto& [spelling, value] : kTypeNames) {
    if (sameIgnoringCase(spelling, name)) return value;
  }
  return std::nullopt;
}

std::string_view toString(DisplayPolicy policy) {
  switch (policy) {
    case DisplayPolicy::Always: return "always";
    case DisplayPolicy::Ok: return "ok";
    case DisplayPolicy::Failed: return "failed";
  }
  return "failed";
}

const Input* Action::findInput(const std::string& inputName) const {
  return findByName(inputs, inputName);
}

const Output* Action::findOutput(const std::string& outputName) const {
  return findByName(outputs, outputName);
}

const Action* Ddl::findAction(const std::string& actionName) const {
  return findByName(actions, actionName);
}

ActionLookup lookupAction(const Ddl& ddl, const std::string& name) {
  ActionLookup found{ddl.findAction(name), {}};
  if (found.action != nullptr) return found;
  std::string known;
  for (const auto& action : ddl.actions) known += (known.empty() ? "" : ", ") + action.name;
  found.error =
      "agent '" + ddl.metadata.name + "' has no action '" + name + "' (actions: " + known + ")";
  return found;
}

}  // namespace drover::ddl
