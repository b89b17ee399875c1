#include "core/config/yaml_reader.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "core/config/checks.hpp"
#include "core/config/values.hpp"
#include "core/util/files.hpp"
#include "core/util/yaml_stream.hpp"

namespace drover::config {
namespace {

std::string kindOf(const YAML::Node& node) { return util::describeYamlNode(node); }

// Walks one document, resolving nested and dotted keys against the table.
class Reader {
 public:
  Reader(std::string name, const std::vector<Binding>& fields, Diagnostics& diag)
      : name_(std::move(name)), diag_(diag) {
    for (const auto& binding : fields) {
      options_[binding.spec->key] = &binding;
      addSections(binding.spec->key);
    }
  }

  void read(const YAML::Node& root) {
    if (root.IsNull()) return;  // an empty file keeps every default
    if (!root.IsMap()) {
      diag_.add(at(root.Mark()), "expected a map of settings, got " + kindOf(root));
      return;
    }
    readMap(root, "");
  }

  Origin at(const YAML::Mark& mark) const {
    return Origin{name_, mark.line + 1, mark.column + 1, ""};
  }

 private:
  void addSections(const std::string& key) {
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      sections_.insert(key.substr(0, dot));
    }
  }

  void readMap(const YAML::Node& map, const std::string& prefix) {
    for (const auto& entry : map) readEntry(entry.first, entry.second, prefix);
  }

  void readEntry(const YAML::Node& key, const YAML::Node& value, const std::string& prefix) {
    Origin keyAt = at(key.Mark());
    if (!key.IsScalar()) return diag_.add(keyAt, "expected a key name, got " + kindOf(key));
    std::string full = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
    if (auto [first, fresh] = seen_.emplace(full, keyAt.line); !fresh) {
      return diag_.add(keyAt, "duplicate key '" + full + "' (first set on line " +
                                  std::to_string(first->second) + ")");
    }
    if (auto option = options_.find(full); option != options_.end()) {
      return readValue(*option->second, value, keyAt);
    }
    if (sections_.count(full) != 0) return readSection(full, value);
    unknownKey(full, keyAt);
  }

  void readSection(const std::string& section, const YAML::Node& value) {
    if (value.IsMap()) return readMap(value, section);
    if (value.IsNull()) return;  // an empty section keeps its defaults
    diag_.badValue(at(value.Mark()), section, "expected a map, got " + kindOf(value));
  }

  void readValue(const Binding& binding, const YAML::Node& value, const Origin& keyAt) {
    const OptionSpec& spec = *binding.spec;
    if (value.IsSequence() && spec.type == Type::StringList) {
      if (readList(binding, value)) diag_.setOrigin(spec.key, keyAt);
      return;
    }
    // A missing value's own mark points past it, at the next token: use the key's.
    Origin valueAt = value.IsNull() ? keyAt : at(value.Mark());
    std::string problem =
        value.IsMap() || value.IsSequence()
            ? wrongShape(spec, kindOf(value))
            : assignText(spec, binding.field, value.IsNull() ? "" : value.Scalar());
    if (!problem.empty()) return diag_.badValue(valueAt, spec.key, problem);
    diag_.setOrigin(spec.key, keyAt);
  }

  // Reports each bad item at its own position; stores the list only when all are good.
  bool readList(const Binding& binding, const YAML::Node& list) {
    const OptionSpec& spec = *binding.spec;
    std::vector<std::string> items;
    bool ok = true;
    for (const auto& item : list) {
      std::string text = item.IsScalar() ? item.Scalar() : "";
      std::string problem = item.IsMap() || item.IsSequence()
                                ? "expected a list of strings, got " + kindOf(item) + " in it"
                                : checkItem(spec, text);
      if (!problem.empty()) diag_.badValue(at(item.Mark()), spec.key, problem);
      ok = ok && problem.empty();
      items.push_back(text);
    }
    if (ok) assignList(spec, binding.field, items);
    return ok;
  }

  void unknownKey(const std::string& key, const Origin& keyAt) {
    std::vector<std::string> known(sections_.begin(), sections_.end());
    for (const auto& [name, binding] : options_) known.push_back(name);
    std::string suggestion = closestMatch(key, known);
    diag_.add(keyAt, "unknown key '" + key + "'" +
                         (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"));
  }

  std::string name_;
  Diagnostics& diag_;
  std::map<std::string, const Binding*> options_;
  std::set<std::string> sections_;   // "broker" for broker.publish
  std::map<std::string, int> seen_;  // full key -> line it was first set on
};

}  // namespace

void readYamlText(const std::string& text, const std::string& name,
                  const std::vector<Binding>& fields, Diagnostics& diag) {
  Reader reader(name, fields, diag);
  util::YamlStream stream;
  try {
    stream = util::loadYamlStream(text);
  } catch (const YAML::Exception& e) {
    return diag.add(reader.at(e.mark), "YAML syntax error: " + e.msg);
  }
  if (stream.documents > 1) {
    return diag.add(reader.at(stream.second),
                    "expected one YAML document, found " + std::to_string(stream.documents));
  }
  if (stream.documents == 1) reader.read(stream.first);
}

void readYamlFile(const std::filesystem::path& file, const std::vector<Binding>& fields,
                  Diagnostics& diag) {
  std::string text;
  try {
    text = util::readFile(file);
  } catch (const std::runtime_error& e) {
    return diag.add(Origin{}, e.what());
  }
  readYamlText(text, file.string(), fields, diag);
}

}  // namespace drover::config
