#include "core/ddl/loader.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>

#include "core/ddl/aggregate.hpp"
#include "core/ddl/named_validators.hpp"
#include "core/ddl/names.hpp"
#include "core/ddl/text.hpp"
#include "core/ddl/validator.hpp"
#include "core/util/files.hpp"

namespace drover::ddl {
namespace {

// Keeps the order of inputs and outputs as the file gives them.
using OJson = nlohmann::ordered_json;

// Deeper nesting than any DDL needs; refusing it bounds the work on hostile files.
constexpr int kMaxDepth = 64;

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// validate() refusing a value only because the input asks for a check this Drover does
// not know: the loader has warned about that input already.
bool isUncheckedRefusal(const Violation& violation) {
  return violation.rule == "unknown_validator" || violation.rule == "unknown_type";
}

// Reads one document; every error names the source and the JSON path.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  Ddl document(const OJson& doc) {
    expect(doc, doc.is_object(), "a JSON object", "document");
    warnUnknownKeys(doc, {"$schema", "metadata", "actions"}, "");
    const OJson* metadata = member(doc, "metadata");
    if (metadata == nullptr) fail("metadata", "missing required key");
    Ddl ddl;
    ddl.source = source_;
    ddl.metadata = readMetadata(*metadata, "metadata");
    if (const OJson* actions = member(doc, "actions")) readActions(*actions, "actions", ddl);
    ddl.warnings = std::move(warnings_);
    return ddl;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw LoadError(source_ + ": " + path + ": " + what);
  }

  // Loads but deserves a look: logged by droverd, listed by `drover plugin doc`.
  void warn(const std::string& path, const std::string& what) {
    warnings_.push_back(source_ + ": " + path + ": " + what);
  }

  // Keys outside Choria's schema load, so later versions of it still do, but are named:
  // one may be a rule (on an input) that this Drover would otherwise skip silently.
  void warnUnknownKeys(const OJson& object, std::initializer_list<std::string_view> known,
                       const std::string& path) {
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      warn(child(path, shownName(key)), "key unknown to this Drover, ignored");
    }
  }

  void expect(const OJson& value, bool ok, const char* what, const std::string& path) const {
    if (!ok) fail(path, std::string("must be ") + what + ", got " + value.type_name());
  }

  // The member `key` of `object`, or nullptr when it is absent or null.
  static const OJson* member(const OJson& object, std::string_view key) {
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  std::string text(const OJson& object, std::string_view key, const std::string& path,
                   bool required = false) const {
    const OJson* value = member(object, key);
    if (value == nullptr && required) fail(child(path, key), "missing required key");
    if (value == nullptr) return "";
    expect(*value, value->is_string(), "a string", child(path, key));
    return value->get<std::string>();
  }

  std::string shortName(const OJson& object, std::string_view key, const std::string& path) const {
    std::string name = text(object, key, path, true);
    if (!isShortName(name)) {
      fail(child(path, key), "invalid name '" + name + "' (use a-z, 0-9 and _)");
    }
    return name;
  }

  void checkKeyName(const char* kind, const std::string& name, const std::string& path) const {
    if (auto problem = keyNameProblem(name)) {
      fail(path, std::string("invalid ") + kind + " name '" + shownName(name) + "': " + *problem);
    }
  }

  bool flag(const OJson& object, std::string_view key, const std::string& path) const {
    const OJson* value = member(object, key);
    if (value != nullptr) expect(*value, value->is_boolean(), "a boolean", child(path, key));
    return value != nullptr && value->get<bool>();
  }

  std::optional<std::int64_t> count(const OJson& object, std::string_view key,
                                    const std::string& path) const {
    const OJson* value = member(object, key);
    if (value == nullptr) return std::nullopt;
    bool ok = value->is_number_integer() && value->get<std::int64_t>() >= 0 &&
              value->get<std::int64_t>() <= INT_MAX;
    expect(*value, ok, "a non-negative integer", child(path, key));
    return value->get<std::int64_t>();
  }

  Metadata readMetadata(const OJson& value, const std::string& path) {
    expect(value, value.is_object(), "an object", path);
    warnUnknownKeys(value,
                    {"name", "description", "author", "license", "version", "url", "provider",
                     "service", "timeout"},
                    path);
    Metadata m;
    m.name = shortName(value, "name", path);
    m.description = text(value, "description", path);
    m.author = text(value, "author", path);
    m.license = text(value, "license", path);
    m.version = text(value, "version", path);
    m.url = text(value, "url", path);
    m.provider = text(value, "provider", path);
    m.service = flag(value, "service", path);
    m.timeout = static_cast<int>(count(value, "timeout", path).value_or(m.timeout));
    return m;
  }

  void readActions(const OJson& value, const std::string& path, Ddl& ddl) {
    expect(value, value.is_array(), "an array", path);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < value.size(); ++i) {
      Action action = readAction(value[i], element(path, i));
      if (!seen.insert(action.name).second) {
        fail(child(element(path, i), "action"), "duplicate action '" + action.name + "'");
      }
      ddl.actions.push_back(std::move(action));
    }
  }

  Action readAction(const OJson& value, const std::string& path) {
    expect(value, value.is_object(), "an object", path);
    warnUnknownKeys(value, {"action", "description", "display", "input", "output", "aggregate"},
                    path);
    Action action;
    action.name = shortName(value, "action", path);
    action.description = text(value, "description", path);
    action.display = readDisplay(value, path);
    if (const OJson* in = member(value, "input")) readInputs(*in, child(path, "input"), action);
    if (const OJson* out = member(value, "output")) {
      readOutputs(*out, child(path, "output"), action);
    }
    if (const OJson* agg = member(value, "aggregate")) {
      readAggregates(*agg, child(path, "aggregate"), action);
    }
    return action;
  }

  DisplayPolicy readDisplay(const OJson& action, const std::string& path) const {
    std::string display = text(action, "display", path);
    if (display.empty() || display == "failed") return DisplayPolicy::Failed;
    if (display == "always") return DisplayPolicy::Always;
    if (display == "ok") return DisplayPolicy::Ok;
    fail(child(path, "display"), "must be one of always, ok, failed; got '" + display + "'");
  }

  void readInputs(const OJson& value, const std::string& path, Action& action) {
    expect(value, value.is_object(), "an object", path);
    for (const auto& [name, input] : value.items()) {
      action.inputs.push_back(readInput(name, input, child(path, shownName(name))));
    }
  }

  Input readInput(const std::string& name, const OJson& value, const std::string& path) {
    expect(value, value.is_object(), "an object", path);
    checkKeyName("input", name, path);
    warnUnknownKeys(
        value,
        {"prompt", "description", "type", "optional", "default", "validation", "maxlength", "list"},
        path);
    Input input;
    input.name = name;
    input.prompt = text(value, "prompt", path);
    input.description = text(value, "description", path);
    readInputType(value, path, input);
    input.optional = flag(value, "optional", path);
    input.maxlength = static_cast<std::size_t>(count(value, "maxlength", path).value_or(0));
    readList(value, path, input);
    readValidation(value, path, input);
    readDefault(value, path, input);
    return input;
  }

  // A type name this Drover does not know loads, as in Choria (which then refuses values
  // of it): the input takes any JSON type, and validate() refuses every value sent for it.
  void readInputType(const OJson& object, const std::string& path, Input& input) {
    std::string name = text(object, "type", path, true);
    if (auto type = inputTypeFromString(name)) {
      input.type = *type;
      return;
    }
    input.type = InputType::Any;
    input.unknownType = shownName(name);
    warn(child(path, "type"), "type '" + *input.unknownType + "' is unknown to this Drover: " +
                                  "every value sent for input '" + input.name + "' is refused");
  }

  // An output's type is a hint for people; one this Drover does not know is shown as given.
  std::string readOutputType(const OJson& object, const std::string& path) {
    std::string name = text(object, "type", path);
    if (!name.empty() && !inputTypeFromString(name)) {
      warn(child(path, "type"), "type '" + shownName(name) + "' is unknown to this Drover");
    }
    return name;
  }

  void readList(const OJson& object, const std::string& path, Input& input) const {
    std::string listPath = child(path, "list");
    if (const OJson* list = member(object, "list")) {
      expect(*list, list->is_array(), "an array", listPath);
      for (std::size_t i = 0; i < list->size(); ++i) {
        expect((*list)[i], (*list)[i].is_string(), "a string", element(listPath, i));
        input.list.push_back((*list)[i].get<std::string>());
      }
    }
    if (input.type == InputType::List && input.list.empty()) {
      fail(listPath, "type list needs a non-empty list of allowed values");
    }
  }

  // A validator name this Drover does not know loads, as in Choria (plugins bring their
  // own validators), but validate() refuses every value sent for the input.
  void readValidation(const OJson& object, const std::string& path, Input& input) {
    input.validation = text(object, "validation", path);
    if (input.validation.empty()) return;
    std::string where = child(path, "validation");
    if (isValidatorName(input.validation)) {
      if (!findNamedValidator(input.validation)) {
        warn(where, "validator '" + input.validation +
                        "' is unknown to this Drover: every "
                        "value sent for input '" +
                        input.name + "' is refused");
      }
      return;
    }
    try {
      input.regex = compileValidationRegex(input.validation);
    } catch (const std::invalid_argument& e) {
      fail(where, "invalid regex '" + input.validation + "': " + e.what());
    }
  }

  // A default of the wrong type is an error: the agent would get a value its DDL says
  // it cannot. One that breaks the input's other rules only warns, as Choria loads such
  // DDLs (choria_provision's "" defaults fail their own validation ".").
  void readDefault(const OJson& object, const std::string& path, Input& input) {
    const OJson* value = member(object, "default");
    if (value == nullptr) return;
    input.defaultValue = Json(*value);
    std::string where = child(path, "default");
    if (!hasType(input.type, *input.defaultValue)) {
      fail(where, "does not match type " + std::string(toString(input.type)));
    }
    for (const auto& violation : validateValue(input, *input.defaultValue)) {
      if (isUncheckedRefusal(violation)) continue;  // warned about once, above
      warn(where, compactJson(*input.defaultValue) + " breaks the input's own rule (" +
                      violation.message +
                      "); the agent still gets it when a call leaves the input out");
    }
  }

  void readOutputs(const OJson& value, const std::string& path, Action& action) {
    expect(value, value.is_object(), "an object", path);
    for (const auto& [name, output] : value.items()) {
      std::string outputPath = child(path, shownName(name));
      expect(output, output.is_object(), "an object", outputPath);
      checkKeyName("output", name, outputPath);
      warnUnknownKeys(output, {"description", "display_as", "type", "default"}, outputPath);
      Output out;
      out.name = name;
      out.description = text(output, "description", outputPath);
      out.displayAs = text(output, "display_as", outputPath);
      out.type = readOutputType(output, outputPath);
      if (const OJson* def = member(output, "default")) out.defaultValue = Json(*def);
      action.outputs.push_back(std::move(out));
    }
  }

  void readAggregates(const OJson& value, const std::string& path, Action& action) {
    expect(value, value.is_array(), "an array", path);
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto aggregate = readAggregate(value[i], element(path, i), action);
      if (aggregate) action.aggregates.push_back(std::move(*aggregate));
    }
  }

  // {"function": NAME, "args": [OUTPUT, {options}]}. A function this Drover does not
  // compute (MCollective plugins bring their own, as nettest_mma) is skipped with a
  // warning, as Choria skips it, and its arguments, which it defines, are not read.
  std::optional<Aggregate> readAggregate(const OJson& value, const std::string& path,
                                         const Action& action) {
    expect(value, value.is_object(), "an object", path);
    warnUnknownKeys(value, {"function", "args"}, path);
    Aggregate aggregate;
    aggregate.function = text(value, "function", path, true);
    if (!isKnownAggregateFunction(aggregate.function)) {
      warn(child(path, "function"), "aggregate function '" + shownName(aggregate.function) +
                                        "' is unknown to this Drover: no summary is shown for it");
      return std::nullopt;
    }
    const OJson* args = member(value, "args");
    std::string argsPath = child(path, "args");
    if (args == nullptr) fail(argsPath, "missing required key");
    expect(*args, args->is_array() && !args->empty(), "an array naming an output", argsPath);
    expect((*args)[0], (*args)[0].is_string(), "an output name", element(argsPath, 0));
    aggregate.output = (*args)[0].get<std::string>();
    if (!action.findOutput(aggregate.output)) {
      fail(element(argsPath, 0), "unknown output '" + aggregate.output + "'");
    }
    if (args->size() > 1 && !(*args)[1].is_null()) {
      expect((*args)[1], (*args)[1].is_object(), "an object of options", element(argsPath, 1));
      aggregate.args = Json((*args)[1]);
    }
    return aggregate;
  }

  std::string source_;
  std::vector<std::string> warnings_;
};

// nlohmann prefixes its messages with "[json.exception.parse_error.101] ".
std::string withoutPrefix(const std::string& message) {
  std::size_t end = message.find("] ");
  return end == std::string::npos ? message : message.substr(end + 2);
}

}  // namespace

Ddl parse(const Json& doc, const std::string& source) {
  return Reader(source).document(OJson(doc));
}

Ddl parseText(std::string_view text, const std::string& source) {
  auto limitDepth = [&](int depth, OJson::parse_event_t, OJson&) {
    if (depth > kMaxDepth) {
      throw LoadError(source + ": nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    return true;
  };
  OJson doc;
  try {
    doc = OJson::parse(text, limitDepth);
  } catch (const OJson::parse_error& e) {
    throw LoadError(source + ": invalid JSON at byte " + std::to_string(e.byte) + ": " +
                    withoutPrefix(e.what()));
  } catch (const OJson::exception& e) {
    // Not a syntax error but still bad input: a number beyond double range ("1e500")
    // is nlohmann's out_of_range.406.
    throw LoadError(source + ": invalid JSON: " + withoutPrefix(e.what()));
  }
  return Reader(source).document(doc);
}

Ddl loadFile(const std::filesystem::path& path) {
  std::string text;
  try {
    text = util::readFile(path);
  } catch (const std::runtime_error& e) {
    throw LoadError(e.what());
  }
  return parseText(text, path.string());
}

}  // namespace drover::ddl
