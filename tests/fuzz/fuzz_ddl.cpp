// Fuzz target for ddl::parseText: DDL files come from agent directories and from
// third-party collections (Choria's JSON DDLs). A bad file must be a LoadError. A DDL
// that loads is then used the way droverd and `drover` use it: documented by
// `plugin doc`, checked against arguments (types, validators) and its defaults given to
// the agent, none of which may throw on a DDL the loader accepted. A call that sends
// nothing may only be refused for required inputs without a default: defaults are never
// held to their input's rule. An input whose type or validator this Drover does not know
// never lets a value through.
#include <cstddef>
#include <cstdint>

#include "core/ddl/loader.hpp"
#include "core/ddl/plugin_doc.hpp"
#include "core/ddl/validator.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

// A value a client could send for `input`: its first allowed value, its default, or a
// string, so validation runs each rule at least once.
Json sampleValue(const ddl::Input& input) {
  if (!input.list.empty()) return input.list.front();
  if (input.defaultValue) return *input.defaultValue;
  return input.name;
}

Json sampleArguments(const ddl::Action& action) {
  Json args = Json::object();
  for (const auto& input : action.inputs) args[input.name] = sampleValue(input);
  return args;
}

// A check the DDL asks for and this Drover cannot make must not let a value through.
void checkUncheckedInputs(const ddl::Action& action) {
  for (const auto& input : action.inputs) {
    if (!ddl::refusesEveryValue(input)) continue;
    Json args = {{input.name, sampleValue(input)}};
    bool refused = false;
    for (const auto& violation : ddl::validate(action, args)) {
      refused = refused || violation.input == input.name;
    }
    if (!refused) {
      fuzz::violated("a value for an input with an unknown type or validator is refused",
                     action.name + "." + input.name);
    }
  }
}

// The only complaint about an empty call is a required input that has no default.
void checkEmptyCall(const ddl::Action& action) {
  Json empty = Json::object();
  for (const auto& violation : ddl::validate(action, empty)) {
    const ddl::Input* input = action.findInput(violation.input);
    bool required = input != nullptr && !input->optional &&
                    (!input->defaultValue || input->defaultValue->is_null());
    if (violation.rule != "required" || !required) {
      fuzz::violated("an empty call is refused only for required inputs without a default",
                     action.name + ": " + violation.message);
    }
  }
  if (!empty.empty()) fuzz::violated("validate adds nothing to a call", action.name);
  ddl::applyDefaults(action, empty);
}

void use(const ddl::Ddl& loaded) {
  ddl::pluginDoc(loaded);
  for (const auto& action : loaded.actions) {
    checkEmptyCall(action);
    checkUncheckedInputs(action);
    Json sample = sampleArguments(action);
    ddl::validate(action, sample);
    if (loaded.findAction(action.name) == nullptr) {
      fuzz::violated("every loaded action can be found by name", action.name);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ddl::Ddl loaded;
  try {
    loaded = ddl::parseText(fuzz::asText(data, size), "fuzz.json");
  } catch (const ddl::LoadError&) {
    return 0;
  }
  use(loaded);
  return 0;
}
