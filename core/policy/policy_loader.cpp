#include "core/policy/policy_loader.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/util/files.hpp"
#include "core/util/yaml_stream.hpp"

namespace drover::policy {
namespace {

constexpr std::string_view kExtension = ".yaml";

// Agent and action names follow the DDL's rule: a-z, 0-9 and _.
bool isShortName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool isRole(const std::string& role) {
  return role == "*" || std::find(kRoles.begin(), kRoles.end(), role) != kRoles.end();
}

std::string kindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Null: return "nothing";
    default: return "'" + node.Scalar() + "'";
  }
}

// A key of a YAML map and its value; the key's mark is where messages point.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};
using Entries = std::map<std::string, Entry, std::less<>>;

// Reads one policy document, collecting problems instead of stopping at the first.
class Reader {
 public:
  Reader(std::string file, std::string agent) : file_(std::move(file)), agent_(std::move(agent)) {}

  const std::vector<std::string>& problems() const { return problems_; }

  // "file:line:column: message"; a node without a position (an empty file) is at 1:1.
  void fail(const YAML::Mark& mark, const std::string& message) {
    problems_.push_back(file_ + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
                        std::to_string(std::max(mark.column, 0) + 1) + ": " + message);
  }

  Policy read(const YAML::Node& root) {
    Policy policy{agent_, file_, Effect::Deny, {}};
    if (root.IsNull()) {
      fail(root.Mark(), "empty policy: write 'default: deny' to refuse every request");
    } else if (!root.IsMap()) {
      fail(root.Mark(), "expected a map with 'default' and 'rules', got " + kindOf(root));
    } else {
      readTop(entries(root, {"default", "rules"}, 0), policy);
    }
    return policy;
  }

 private:
  // "key 'callers' in rule 2: message" at `mark`.
  void keyProblem(const YAML::Mark& mark, std::string_view key, int rule,
                  const std::string& message) {
    std::string where = rule > 0 ? " in rule " + std::to_string(rule) : "";
    fail(mark, "key '" + std::string(key) + "'" + where + ": " + message);
  }

  // A missing value's own mark points past it, at the next token: use the key's.
  static YAML::Mark valueMark(const Entry& entry) {
    return entry.value.IsNull() ? entry.key.Mark() : entry.value.Mark();
  }

  Entries entries(const YAML::Node& map, std::initializer_list<std::string_view> known, int rule) {
    Entries found;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        fail(it->first.Mark(), "expected a key name, got " + kindOf(it->first));
      } else if (std::find(known.begin(), known.end(), it->first.Scalar()) == known.end()) {
        keyProblem(it->first.Mark(), it->first.Scalar(), rule,
                   "unknown key (expected " + listOf(known) + ")");
      } else {
        addEntry(found, Entry{it->first, it->second}, rule);
      }
    }
    return found;
  }

  void addEntry(Entries& found, const Entry& entry, int rule) {
    auto [first, fresh] = found.emplace(entry.key.Scalar(), entry);
    if (fresh) return;
    keyProblem(entry.key.Mark(), entry.key.Scalar(), rule,
               "duplicate key (first set on line " +
                   std::to_string(first->second.key.Mark().line + 1) + ")");
  }

  static std::string listOf(std::initializer_list<std::string_view> known) {
    std::string text;
    for (auto name : known) text += (text.empty() ? "'" : ", '") + std::string(name) + "'";
    return text;
  }

  void readTop(const Entries& top, Policy& policy) {
    if (auto it = top.find("default"); it != top.end()) policy.fallback = readDefault(it->second);
    if (auto it = top.find("rules"); it != top.end()) policy.rules = readRules(it->second);
  }

  Effect readDefault(const Entry& entry) {
    if (entry.value.IsScalar() && entry.value.Scalar() == "allow") return Effect::Allow;
    if (entry.value.IsScalar() && entry.value.Scalar() == "deny") return Effect::Deny;
    keyProblem(valueMark(entry), "default", 0,
               "expected allow or deny, got " + kindOf(entry.value));
    return Effect::Deny;
  }

  std::vector<Rule> readRules(const Entry& entry) {
    std::vector<Rule> rules;
    if (!entry.value.IsSequence()) {
      keyProblem(valueMark(entry), "rules", 0,
                 "expected a list of rules, got " + kindOf(entry.value));
      return rules;
    }
    for (const auto& item : entry.value) {
      const int index = static_cast<int>(rules.size()) + 1;
      rules.push_back(readRule(item, index).value_or(Rule{}));
    }
    return rules;
  }

  std::optional<Rule> readRule(const YAML::Node& item, int index) {
    if (!item.IsMap()) {
      fail(item.Mark(), "rule " + std::to_string(index) + ": expected a map with 'allow' or " +
                            "'deny', got " + kindOf(item));
      return std::nullopt;
    }
    Entries kinds = entries(item, {"allow", "deny"}, index);
    if (kinds.size() != 1) {
      if (item.size() == kinds.size()) ruleShapeProblem(item, index, kinds.size());
      return std::nullopt;
    }
    const auto& [name, entry] = *kinds.begin();
    Rule rule;
    rule.effect = name == "allow" ? Effect::Allow : Effect::Deny;
    rule.index = index;
    rule.line = item.Mark().line + 1;
    readBody(entry, rule);
    return rule;
  }

  void ruleShapeProblem(const YAML::Node& item, int index, std::size_t kinds) {
    fail(item.Mark(), "rule " + std::to_string(index) +
                          (kinds == 0 ? ": expected 'allow' or 'deny'"
                                      : ": a rule is either 'allow' or 'deny', not both"));
  }

  void readBody(const Entry& kind, Rule& rule) {
    if (!kind.value.IsMap()) {
      return keyProblem(valueMark(kind), kind.key.Scalar(), rule.index,
                        "expected a map of conditions (callers, actions, roles, where), got " +
                            kindOf(kind.value));
    }
    Entries body = entries(kind.value, {"callers", "roles", "actions", "where"}, rule.index);
    readCallers(required(body, "callers", kind, rule.index), rule);
    readActions(required(body, "actions", kind, rule.index), rule);
    if (auto it = body.find("roles"); it != body.end()) readRoles(it->second, rule);
    if (auto it = body.find("where"); it != body.end()) readWhere(it->second, rule);
  }

  const Entry* required(const Entries& body, std::string_view key, const Entry& kind, int rule) {
    if (auto it = body.find(key); it != body.end()) return &it->second;
    keyProblem(kind.key.Mark(), key, rule, "missing (write \"*\" to match any)");
    return nullptr;
  }

  // A string or a non-empty list of strings, each with the mark to blame it on.
  std::vector<std::pair<std::string, YAML::Mark>> strings(const Entry& entry, int rule) {
    std::vector<std::pair<std::string, YAML::Mark>> items;
    const std::string key = entry.key.Scalar();
    if (entry.value.IsScalar()) {
      items.emplace_back(entry.value.Scalar(), entry.value.Mark());
    } else if (entry.value.IsSequence() && entry.value.size() > 0) {
      for (const auto& item : entry.value) addItem(items, item, key, rule);
    } else {
      keyProblem(valueMark(entry), key, rule,
                 "expected a string or a non-empty list of strings, got " + kindOf(entry.value));
    }
    return items;
  }

  void addItem(std::vector<std::pair<std::string, YAML::Mark>>& items, const YAML::Node& item,
               const std::string& key, int rule) {
    if (!item.IsScalar()) {
      return keyProblem(item.Mark(), key, rule,
                        "expected a string, got " + kindOf(item) + " in the list");
    }
    items.emplace_back(item.Scalar(), item.Mark());
  }

  void readCallers(const Entry* entry, Rule& rule) {
    if (entry == nullptr) return;
    for (const auto& [text, mark] : strings(*entry, rule.index)) {
      try {
        rule.callers.push_back(CallerPattern::parse(text));
      } catch (const std::invalid_argument& e) {
        keyProblem(mark, "callers", rule.index, e.what());
      }
    }
  }

  void readActions(const Entry* entry, Rule& rule) {
    if (entry == nullptr) return;
    bool any = false;
    for (const auto& [text, mark] : strings(*entry, rule.index)) {
      any = any || text == "*";
      if (text != "*" && !isShortName(text)) {
        keyProblem(mark, "actions", rule.index,
                   "'" + text + "' is not an action name (use a-z, 0-9 and _, or \"*\")");
      }
      rule.actions.push_back(text);
    }
    if (any) rule.actions.clear();
  }

  void readRoles(const Entry& entry, Rule& rule) {
    bool any = false;
    for (const auto& [text, mark] : strings(entry, rule.index)) {
      any = any || text == "*";
      if (!isRole(text)) {
        keyProblem(mark, "roles", rule.index,
                   "unknown role '" + text + "' (expected admin, node, provisioner or \"*\")");
      }
      rule.roles.push_back(text);
    }
    if (any) rule.roles.clear();
  }

  void readWhere(const Entry& entry, Rule& rule) {
    const bool blank = entry.value.IsScalar() &&
                       entry.value.Scalar().find_first_not_of(" \t") == std::string::npos;
    if (!entry.value.IsScalar() || blank) {
      return keyProblem(valueMark(entry), "where", rule.index,
                        "expected a filter expression, got " + kindOf(entry.value) +
                            " (leave 'where' out to match every node)");
    }
    try {
      rule.where = filter::Filter::parse(entry.value.Scalar());
    } catch (const filter::FilterError& e) {
      keyProblem(entry.value.Mark(), "where", rule.index, e.what());
    }
  }

  std::string file_;
  std::string agent_;
  std::vector<std::string> problems_;
};

util::YamlStream loadDocuments(const std::string& text, Reader& reader) {
  try {
    return util::loadYamlStream(text);
  } catch (const YAML::Exception& e) {
    reader.fail(e.mark, "YAML syntax error: " + e.msg);
    return {};
  }
}

// Problems with the file's name; empty when it names an agent.
std::string fileNameProblem(const std::filesystem::path& file) {
  if (file.extension() != kExtension) {
    return file.string() + ": policy files are named AGENT.yaml";
  }
  if (!isShortName(file.stem().string())) {
    return file.string() + ": '" + file.stem().string() +
           "' is not an agent name (use a-z, 0-9 and _)";
  }
  return "";
}

bool isPolicyCandidate(const std::filesystem::directory_entry& entry) {
  const auto name = entry.path().filename().string();
  const auto extension = entry.path().extension();
  return name.front() != '.' && (extension == kExtension || extension == ".yml") &&
         !entry.is_directory();
}

// The candidate files of `directory`, sorted so problems come in a stable order.
std::vector<std::filesystem::path> policyFiles(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  try {
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      if (isPolicyCandidate(entry)) files.push_back(entry.path());
    }
  } catch (const std::filesystem::filesystem_error& e) {
    throw PolicyError(
        {directory.string() + ": cannot read the policy directory: " + e.code().message()});
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Policy parsePolicy(const std::string& text, const std::string& file, const std::string& agent) {
  Reader reader(file, agent);
  util::YamlStream documents = loadDocuments(text, reader);
  if (!reader.problems().empty()) throw PolicyError(reader.problems());
  if (documents.documents > 1) {
    reader.fail(documents.second,
                "expected one YAML document, found " + std::to_string(documents.documents));
  }
  Policy policy = reader.read(documents.first);
  if (!reader.problems().empty()) throw PolicyError(reader.problems());
  return policy;
}

Policy loadPolicyFile(const std::filesystem::path& file) {
  if (auto problem = fileNameProblem(file); !problem.empty()) throw PolicyError({problem});
  std::string text;
  try {
    text = util::readFile(file);
  } catch (const std::runtime_error& e) {
    throw PolicyError({e.what()});
  }
  return parsePolicy(text, file.string(), file.stem().string());
}

PolicyMap loadPolicyDirectory(const std::filesystem::path& directory) {
  PolicyMap policies;
  std::vector<std::string> problems;
  for (const auto& file : policyFiles(directory)) {
    try {
      Policy policy = loadPolicyFile(file);
      policies.emplace(policy.agent, std::move(policy));
    } catch (const PolicyError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  if (!problems.empty()) throw PolicyError(std::move(problems));
  return policies;
}

}  // namespace drover::policy
