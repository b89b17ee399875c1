#include "core/ddl/ruby_import.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <set>
#include <utility>

#include "core/ddl/loader.hpp"
#include "core/ddl/named_validators.hpp"
#include "core/ddl/names.hpp"
#include "core/ddl/ruby_parser.hpp"
#include "core/ddl/validator.hpp"

namespace drover::ddl {
namespace {

using OJson = nlohmann::ordered_json;
using ruby::Node;
using ruby::NodeKind;

constexpr const char* kSchema = "https://choria.io/schemas/mcorpc/ddl/v1/agent.json";

// The properties of a `:key => value` hash, in order, keys as names.
struct Properties {
  int line = 1;
  std::vector<std::pair<std::string, const Node*>> entries;

  const Node* find(std::string_view key) const {
    for (const auto& [name, value] : entries)
      if (name == key) return value;
    return nullptr;
  }
};

// What `drover ddl import` says of a plugin DDL of another kind.
std::optional<std::string> otherPluginKind(const std::string& statement) {
  if (statement == "dataquery") return "a data plugin";
  if (statement == "discovery") return "a discovery plugin";
  return std::nullopt;
}

class Converter {
 public:
  Converter(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}

  ImportedDdl run() {
    if (text_.size() > kMaxRubyDdlBytes) {
      throw ImportError(source_ + ": larger than " + std::to_string(kMaxRubyDdlBytes) +
                        " bytes, the most a DDL may have");
    }
    std::vector<Node> program;
    try {
      program = ruby::parse(text_);
    } catch (const ruby::ParseError& e) {
      fail(e.line(), e.what());
    }
    agent_ = std::filesystem::path(source_).stem().string();
    if (!isShortName(agent_)) {
      fail(1, "the agent's name '" + agent_ + "' (the file's name) is not one Drover takes " +
                  "(use a-z, 0-9 and _)");
    }
    for (const auto& statement : program) topLevel(statement);
    int lastLine = program.empty() ? 1 : program.back().line;
    if (metadata_.empty()) fail(lastLine, "no metadata: not an MCollective DDL");
    if (actions_.empty()) fail(lastLine, "declares no action: not an agent DDL");
    return finish();
  }

 private:
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw ImportError(source_ + ":" + std::to_string(line) + ": " + what);
  }

  [[noreturn]] void cannotConvert(const Node& node, const std::string& where) const {
    fail(node.line,
         "cannot convert Ruby expression `" + ruby::excerpt(text_, node) + "` in " + where);
  }

  void warn(int line, const std::string& what) {
    warnings_.push_back(source_ + ":" + std::to_string(line) + ": " + what);
  }

  ImportedDdl finish() {
    OJson doc = OJson::object();
    doc["$schema"] = kSchema;
    doc["metadata"] = metadata_;
    doc["actions"] = actions_;
    ImportedDdl out;
    out.agent = agent_;
    try {
      out.json = doc.dump(2) + "\n";
    } catch (const OJson::exception& e) {
      throw ImportError(source_ + ": the converted DDL cannot be written: " + e.what());
    }
    try {
      out.ddl = parseText(out.json, source_);
    } catch (const LoadError& e) {
      throw ImportError(source_ + ": the converted DDL does not load: " + e.what());
    }
    out.warnings = std::move(warnings_);
    out.warnings.insert(out.warnings.end(), out.ddl.warnings.begin(), out.ddl.warnings.end());
    return out;
  }

  // --- values --------------------------------------------------------------------------

  static bool isName(const Node& node) {
    return node.kind == NodeKind::String || node.kind == NodeKind::Symbol;
  }

  std::string name(const Node& node, const std::string& where) const {
    if (!isName(node)) cannotConvert(node, where);
    return node.text;
  }

  Properties properties(const Node& node, const std::string& where) const {
    if (node.kind != NodeKind::Hash) cannotConvert(node, where);
    Properties out;
    out.line = node.line;
    std::set<std::string> seen;  // a hostile file may hold a huge hash
    for (std::size_t i = 0; i + 1 < node.items.size(); i += 2) {
      std::string key = name(node.items[i], where + " (a hash key)");
      if (!seen.insert(key).second) {
        fail(node.items[i].line, "duplicate key :" + key + " in " + where);
      }
      out.entries.emplace_back(key, &node.items[i + 1]);
    }
    return out;
  }

  // Plain data: nil, booleans, numbers, strings, symbols (as strings), arrays and hashes.
  OJson plain(const Node& node, const std::string& where) const {
    switch (node.kind) {
      case NodeKind::Nil: return nullptr;
      case NodeKind::Boolean: return node.boolean;
      case NodeKind::Integer: return node.integer;
      case NodeKind::Float: return node.real;
      case NodeKind::String:
      case NodeKind::Symbol: return node.text;
      case NodeKind::Array: {
        OJson out = OJson::array();
        for (const auto& item : node.items) out.push_back(plain(item, where));
        return out;
      }
      case NodeKind::Hash: {
        OJson out = OJson::object();
        for (const auto& [key, value] : properties(node, where).entries)
          out[key] = plain(*value, where);
        return out;
      }
      default: cannotConvert(node, where);
    }
  }

  std::string text(const Properties& props, std::string_view key, const std::string& where) const {
    const Node* value = props.find(key);
    if (value == nullptr || value->kind == NodeKind::Nil) return "";
    if (!isName(*value)) cannotConvert(*value, where + " :" + std::string(key));
    return value->text;
  }

  void require(const Properties& props, std::initializer_list<std::string_view> keys,
               const std::string& what) const {
    for (auto key : keys) {
      if (props.find(key) == nullptr) {
        fail(props.line, what + " needs a :" + std::string(key) + " property");
      }
    }
  }

  void dropOthers(const Properties& props, std::initializer_list<std::string_view> known,
                  const std::string& where) {
    for (const auto& [key, value] : props.entries) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      warn(value->line, where + " :" + key + " has no place in a Drover DDL; left out");
    }
  }

  // --- statements ----------------------------------------------------------------------

  void topLevel(const Node& node) {
    if (node.kind != NodeKind::Call) cannotConvert(node, "the top level");
    const std::string& statement = node.text;
    if (statement == "metadata") return metadata(node);
    if (statement == "action") return action(node);
    if (statement == "requires" || statement == "usage") {
      warn(node.line, "`" + statement + "` has no place in a Drover DDL; left out");
      return;
    }
    if (auto kind = otherPluginKind(statement)) {
      fail(node.line,
           "`" + statement + "` declares " + *kind + ": only agent DDLs can be imported");
    }
    if (statement == "input" || statement == "output" || statement == "display" ||
        statement == "summarize") {
      fail(node.line, "`" + statement + "` outside an action");
    }
    cannotConvert(node, "the top level");
  }

  const Node& onlyArgument(const Node& call, const std::string& what) const {
    if (call.items.size() != 1 || call.hasBlock) fail(call.line, what);
    return call.items[0];
  }

  void metadata(const Node& call) {
    if (!metadata_.empty()) fail(call.line, "metadata given twice");
    const Node& arg = onlyArgument(call, "metadata takes one hash of properties");
    Properties props = properties(arg, "metadata");
    require(props, {"name", "description", "author", "license", "version", "url", "timeout"},
            "metadata");
    std::string declared = text(props, "name", "metadata");
    if (declared != agent_) {
      warn(call.line, "metadata :name '" + declared + "' is not the agent's name '" + agent_ +
                          "' (MCollective names an agent after its DDL file): the DDL is for '" +
                          agent_ + "'");
    }
    metadata_["name"] = agent_;
    for (const char* key : {"description", "author", "license"})
      metadata_[key] = text(props, key, "metadata");
    metadata_["version"] = version(*props.find("version"));
    metadata_["url"] = text(props, "url", "metadata");
    const Node& timeout = *props.find("timeout");
    if (timeout.kind != NodeKind::Integer || timeout.integer < 0 || timeout.integer > INT_MAX) {
      fail(timeout.line, "metadata :timeout must be a whole number of seconds, got `" +
                             ruby::excerpt(text_, timeout) + "`");
    }
    metadata_["timeout"] = timeout.integer;
    if (props.find("provider")) metadata_["provider"] = text(props, "provider", "metadata");
    if (const Node* service = props.find("service")) {
      if (service->kind != NodeKind::Boolean) cannotConvert(*service, "metadata :service");
      metadata_["service"] = service->boolean;
    }
    dropOthers(props,
               {"name", "description", "author", "license", "version", "url", "timeout", "provider",
                "service"},
               "metadata");
  }

  // `:version => 1.0` is common: a number stands for the text it is written as.
  std::string version(const Node& node) const {
    if (node.kind == NodeKind::Integer || node.kind == NodeKind::Float) return node.text;
    return name(node, "metadata :version");
  }

  struct ActionState {
    std::string name;
    OJson json;
    std::set<std::string> inputs;
    std::set<std::string> outputs;
    std::vector<std::pair<int, std::string>> aggregateOutputs;  // line, output
  };

  void action(const Node& call) {
    if (call.items.empty()) fail(call.line, "action takes a name and a hash of properties");
    ActionState state;
    state.name = name(call.items[0], "the action's name");
    if (call.items[0].kind == NodeKind::Symbol) {
      // MCollective looks the request's action (a string) up among the names as given.
      fail(call.line, "action :" + state.name + " is named by a symbol, which MCollective " +
                          "never matches to a request: write \"" + state.name + "\"");
    }
    if (!isShortName(state.name)) {
      fail(call.line, "action name '" + shownName(state.name) +
                          "' is not one Drover takes (use a-z, 0-9 and _)");
    }
    if (!actionNames_.insert(state.name).second) {
      fail(call.line, "action '" + state.name + "' declared twice");
    }
    std::string where = "action '" + state.name + "'";
    if (call.items.size() != 2) fail(call.line, "action takes a name and a hash of properties");
    Properties props = properties(call.items[1], where);
    require(props, {"description"}, "action");
    dropOthers(props, {"description"}, where);
    if (!call.blockParams.empty()) cannotConvert(call, where);
    state.json["action"] = state.name;
    state.json["description"] = text(props, "description", where);
    state.json["display"] = "failed";
    state.json["input"] = OJson::object();
    state.json["output"] = OJson::object();
    for (const auto& statement : call.body) actionStatement(statement, state);
    for (const auto& [line, output] : state.aggregateOutputs) {
      if (state.outputs.count(output) == 0) {
        fail(line, "aggregate over output :" + output + ", which " + where + " does not declare");
      }
    }
    actions_.push_back(std::move(state.json));
  }

  void actionStatement(const Node& node, ActionState& state) {
    std::string where = "action '" + state.name + "'";
    if (node.kind != NodeKind::Call) cannotConvert(node, where);
    if (node.text == "input") return input(node, state);
    if (node.text == "output") return output(node, state);
    if (node.text == "display") return display(node, state);
    if (node.text == "summarize") return summarize(node, state);
    cannotConvert(node, where);
  }

  void display(const Node& call, ActionState& state) {
    const Node& pref = onlyArgument(call, "display takes one of :ok, :failed, :always");
    if (pref.kind != NodeKind::Symbol || (pref.text != "ok" && pref.text != "failed" &&
                                          pref.text != "always" && pref.text != "flatten")) {
      fail(pref.line, "display preference `" + ruby::excerpt(text_, pref) +
                          "` is not valid, should be :ok, :failed, :flatten or :always");
    }
    if (pref.text == "flatten") {
      warn(pref.line, "display :flatten (deprecated in MCollective) is shown as :always");
    }
    state.json["display"] = pref.text == "flatten" ? "always" : pref.text;
  }

  void output(const Node& call, ActionState& state) {
    if (call.items.size() != 2 || call.hasBlock) {
      fail(call.line, "output takes a name and a hash of properties");
    }
    std::string key = name(call.items[0], "the output's name");
    if (auto problem = keyNameProblem(key)) {
      fail(call.line, "output name '" + shownName(key) + "': " + *problem);
    }
    if (!state.outputs.insert(key).second) fail(call.line, "output :" + key + " declared twice");
    std::string where = "output :" + key;
    Properties props = properties(call.items[1], where);
    require(props, {"description", "display_as"}, "output :" + key);
    OJson out;
    out["description"] = text(props, "description", where);
    out["display_as"] = text(props, "display_as", where);
    if (props.find("type")) out["type"] = text(props, "type", where);
    if (const Node* def = props.find("default")) {
      OJson value = plain(*def, where + " :default");
      if (!value.is_null()) out["default"] = std::move(value);
    }
    dropOthers(props, {"description", "display_as", "type", "default"}, where);
    state.json["output"][key] = std::move(out);
  }

  void summarize(const Node& call, ActionState& state) {
    if (!call.items.empty() || !call.hasBlock) fail(call.line, "summarize takes a block");
    for (const auto& statement : call.body) {
      if (statement.kind != NodeKind::Call || statement.text != "aggregate") {
        cannotConvert(statement, "summarize");
      }
      aggregate(statement, state);
    }
  }

  // aggregate FUNCTION(:output[, {options}])[, :format => "..."]
  void aggregate(const Node& call, ActionState& state) {
    if (call.items.empty() || call.items.size() > 2 || call.hasBlock) {
      fail(call.line, "aggregate takes a function such as summary(:output)");
    }
    const Node& function = call.items[0];
    if (function.kind != NodeKind::Call || function.hasBlock || function.items.empty() ||
        function.items.size() > 2) {
      cannotConvert(function, "aggregate");
    }
    std::string output = name(function.items[0], "aggregate " + function.text);
    OJson args = OJson::array({output});
    if (function.items.size() == 2) {
      OJson options = plain(function.items[1], "aggregate " + function.text);
      if (!options.is_object()) cannotConvert(function.items[1], "aggregate " + function.text);
      args.push_back(std::move(options));
    }
    if (call.items.size() == 2) {
      warn(call.items[1].line,
           "options given to aggregate itself are never read by "
           "MCollective; left out (give them to the function)");
    }
    state.aggregateOutputs.emplace_back(function.line, output);
    if (!state.json.contains("aggregate")) state.json["aggregate"] = OJson::array();
    state.json["aggregate"].push_back({{"function", function.text}, {"args", std::move(args)}});
  }

  // --- inputs --------------------------------------------------------------------------

  void input(const Node& call, ActionState& state) {
    if (call.items.size() != 2 || call.hasBlock) {
      fail(call.line, "input takes a name and a hash of properties");
    }
    std::string key = name(call.items[0], "the input's name");
    if (auto problem = keyNameProblem(key)) {
      fail(call.line, "input name '" + shownName(key) + "': " + *problem);
    }
    if (!state.inputs.insert(key).second) fail(call.line, "input :" + key + " declared twice");
    std::string where = "input :" + key;
    Properties props = properties(call.items[1], where);
    require(props, {"prompt", "description", "type", "optional"}, where);
    OJson in;
    in["prompt"] = text(props, "prompt", where);
    in["description"] = text(props, "description", where);
    InputType type = inputType(props, where, in);
    const Node& optional = *props.find("optional");
    if (optional.kind != NodeKind::Boolean && optional.kind != NodeKind::Nil) {
      cannotConvert(optional, where + " :optional");
    }
    in["optional"] = optional.boolean;
    if (const Node* def = props.find("default")) inputDefault(*def, type, where, in);
    if (type == InputType::String) stringRules(props, where, in);
    if (type == InputType::List) listRule(props, where, in);
    for (const char* rule : {"validation", "maxlength"}) {
      const Node* value = props.find(rule);
      if (value != nullptr && type != InputType::String) {
        warn(value->line, where + " :" + rule + " is never applied by MCollective to a :" +
                              props.find("type")->text + " input; left out");
      }
    }
    dropOthers(
        props,
        {"prompt", "description", "type", "optional", "default", "validation", "maxlength", "list"},
        where);
    state.json["input"][key] = std::move(in);
  }

  InputType inputType(const Properties& props, const std::string& where, OJson& in) const {
    const Node& node = *props.find("type");
    if (node.kind != NodeKind::Symbol) {
      fail(node.line, where + ": :type must be a symbol such as :string, got `" +
                          ruby::excerpt(text_, node) + "`");
    }
    static const std::vector<std::pair<std::string, InputType>> kTypes{
        {"string", InputType::String},   {"list", InputType::List},
        {"integer", InputType::Integer}, {"float", InputType::Float},
        {"number", InputType::Number},   {"boolean", InputType::Boolean},
        {"hash", InputType::Hash},       {"array", InputType::Array}};
    for (const auto& [symbol, type] : kTypes) {
      if (node.text == symbol) {
        in["type"] = std::string(toString(type));
        return type;
      }
    }
    // MCollective checks any other type as a validator of that name.
    if (findNamedValidator(node.text) != nullptr) {
      in["type"] = "string";
      in["validation"] = node.text;
      return InputType::Any;  // a string with that validator; no other string rule applies
    }
    fail(node.line, where + ": type :" + node.text + " is neither an MCollective type nor a " +
                        "validator Drover knows");
  }

  void inputDefault(const Node& node, InputType type, const std::string& where, OJson& in) const {
    OJson value = plain(node, where + " :default");
    if (value.is_null()) return;
    InputType checked = type == InputType::Any ? InputType::String : type;
    if (!hasType(checked, Json(value))) {
      fail(node.line, where + ": :default `" + ruby::excerpt(text_, node) + "` is not of type " +
                          std::string(toString(checked)));
    }
    in["default"] = std::move(value);
  }

  // A :string input needs :validation and :maxlength, as MCollective requires.
  void stringRules(const Properties& props, const std::string& where, OJson& in) const {
    require(props, {"validation", "maxlength"}, where);
    const Node& length = *props.find("maxlength");
    if (length.kind != NodeKind::Integer || length.integer < 0 || length.integer > INT_MAX) {
      cannotConvert(length, where + " :maxlength");
    }
    validation(*props.find("validation"), where, in);
    in["maxlength"] = length.integer;
  }

  void validation(const Node& node, const std::string& where, OJson& in) const {
    std::string at = where + " :validation";
    switch (node.kind) {
      case NodeKind::Nil: return;  // MCollective then checks nothing
      case NodeKind::String: in["validation"] = regex(node, node.text, "", at); return;
      case NodeKind::Regex: in["validation"] = regex(node, node.text, node.flags, at); return;
      case NodeKind::Symbol:
        if (findNamedValidator(node.text) == nullptr) {
          fail(node.line, at + ": validator :" + node.text + " is unknown to Drover");
        }
        in["validation"] = node.text;
        return;
      case NodeKind::Array: {
        // MCollective's array validator: the value must be one of these.
        OJson list = OJson::array();
        for (const auto& item : node.items) {
          if (item.kind != NodeKind::String) cannotConvert(item, at + " (a list of strings)");
          list.push_back(item.text);
        }
        if (list.empty()) fail(node.line, at + ": an empty list refuses every value");
        in["type"] = "list";
        in["list"] = std::move(list);
        return;
      }
      default: cannotConvert(node, at);
    }
  }

  void listRule(const Properties& props, const std::string& where, OJson& in) const {
    require(props, {"list"}, where);
    const Node& node = *props.find("list");
    std::string at = where + " :list";
    if (node.kind != NodeKind::Array || node.items.empty()) cannotConvert(node, at);
    OJson list = OJson::array();
    for (const auto& item : node.items) {
      // Requests carry strings; a symbol or number in the list would never match one.
      if (item.kind != NodeKind::String) cannotConvert(item, at + " (a list of strings)");
      list.push_back(item.text);
    }
    in["list"] = std::move(list);
  }

  // A Ruby regex (source and flags) as an RE2 pattern with the same meaning, or an error.
  std::string regex(const Node& node, const std::string& source, const std::string& flags,
                    const std::string& at) const {
    std::string prefix;
    for (char flag : flags) {
      if (flag == 'i') {
        prefix += "(?i)";
      } else if (flag == 'm') {
        prefix += "(?s)";  // Ruby's m lets . match a newline: RE2's s
      } else if (flag != 'o' && flag != 'u' && flag != 'n' && flag != 'e' && flag != 's') {
        fail(node.line, at + ": regex flag '" + std::string(1, flag) + "' cannot be converted");
      }
    }
    checkInlineFlags(node, source, at);
    std::string pattern = prefix + source;
    // A bare word is a regex in Ruby but a validator's name in a Drover DDL.
    if (isValidatorName(pattern)) pattern = "(?:" + pattern + ")";
    try {
      compileValidationRegex(pattern);
    } catch (const std::invalid_argument& e) {
      fail(node.line, at + ": regex /" + source + "/ cannot be converted to RE2: " + e.what());
    }
    return pattern;
  }

  // Ruby's inline (?m) is RE2's (?s), and RE2 has no (?x): refused rather than changed.
  void checkInlineFlags(const Node& node, const std::string& source, const std::string& at) const {
    for (std::size_t i = 0; i + 1 < source.size(); ++i) {
      if (source[i] == '\\') {
        ++i;
        continue;
      }
      if (source[i] != '(' || source[i + 1] != '?') continue;
      for (std::size_t k = i + 2; k < source.size() && source[k] != ':' && source[k] != ')'; ++k) {
        if (source[k] == 'm' || source[k] == 'x') {
          fail(node.line, at + ": inline regex flag '" + std::string(1, source[k]) +
                              "' cannot be converted to RE2");
        }
        if (source[k] != 'i' && source[k] != '-') break;
      }
    }
  }

  std::string_view text_;
  std::string source_;
  std::string agent_;
  OJson metadata_ = OJson::object();
  OJson actions_ = OJson::array();
  std::set<std::string> actionNames_;
  std::vector<std::string> warnings_;
};

}  // namespace

ImportedDdl importRubyDdl(std::string_view text, const std::string& source) {
  return Converter(text, source).run();
}

ImportedDdl importRubyDdlFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path.string() + ": cannot read the file");
  std::string text(kMaxRubyDdlBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ImportError(path.string() + ": cannot read the file");
  text.resize(static_cast<std::size_t>(in.gcount()));
  return importRubyDdl(text, path.string());
}

}  // namespace drover::ddl
