#include "provisioner/flow.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/config/checks.hpp"
#include "core/facts/facts_file.hpp"
#include "core/naming/names.hpp"
#include "core/templating/template.hpp"
#include "core/util/yaml_stream.hpp"

namespace drover::provisioner {
namespace {

using std::chrono::milliseconds;
constexpr int kMaxDepth = 32;
constexpr int kMaxRetries = 1000;
constexpr auto kMaxDuration = milliseconds(7LL * 24 * 3600 * 1000);

// What step arguments may name: the node, its master, the provisioner and a lookup's
// reply, each alone or with a path below it (the context the engine renders them in).
const templating::Names kNames{{"node", "master", "provisioner", "lookup"},
                               {"node", "master", "provisioner", "lookup"}};

// Reads one flow document, remembering the file name for every message.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& message) const {
    YAML::Mark mark = at.Mark();
    std::ostringstream out;
    out << file_;
    if (mark.line >= 0) out << ":" << mark.line + 1 << ":" << mark.column + 1;
    out << ": " << (key.empty() ? "" : key + ": ") << message;
    throw FlowError(out.str());
  }

  void requireMap(const YAML::Node& node, const std::string& key) const {
    if (!node.IsMap()) fail(node, key, "expected a map");
  }

  // Refuses keys outside `known`, suggesting the closest one.
  void onlyKeys(const YAML::Node& map, const std::string& prefix,
                const std::vector<std::string>& known) const {
    for (const auto& item : map) {
      if (!item.first.IsScalar()) fail(item.first, prefix, "keys must be plain names");
      std::string key = item.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string hint = config::closestMatch(key, known);
      fail(item.first, join(prefix, key),
           "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
    }
  }

  std::string string(const YAML::Node& map, const std::string& prefix, const std::string& key,
                     const std::string& fallback, bool required = false) const {
    YAML::Node node = map[key];
    if (!node) {
      if (required) fail(map, join(prefix, key), "is required");
      return fallback;
    }
    if (!node.IsScalar() || node.Scalar().empty()) fail(node, join(prefix, key), "expected a name");
    return node.Scalar();
  }

  std::string name(const YAML::Node& map, const std::string& prefix, const std::string& key,
                   const std::string& fallback, bool required = false) const {
    std::string value = string(map, prefix, key, fallback, required);
    bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
      return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '_';
    });
    if (!ok)
      fail(map[key] ? map[key] : map, join(prefix, key),
           "'" + value + "' is not a name of a-z, 0-9 and '_'");
    return value;
  }

  int integer(const YAML::Node& map, const std::string& prefix, const std::string& key,
              int fallback, int min, int max) const {
    YAML::Node node = map[key];
    if (!node) return fallback;
    Json value = node.IsScalar() ? facts::typedScalar(node.Scalar()) : Json();
    if (!value.is_number_integer() || value.get<long long>() < min ||
        value.get<long long>() > max) {
      fail(node, join(prefix, key),
           "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value.get<int>();
  }

  double number(const YAML::Node& map, const std::string& prefix, const std::string& key,
                double fallback, double min, double max) const {
    YAML::Node node = map[key];
    if (!node) return fallback;
    Json value = node.IsScalar() ? facts::typedScalar(node.Scalar()) : Json();
    if (!value.is_number() || value.get<double>() < min || value.get<double>() > max) {
      std::ostringstream range;
      range << "expected a number from " << min << " to " << max;
      fail(node, join(prefix, key), range.str());
    }
    return value.get<double>();
  }

  milliseconds duration(const YAML::Node& map, const std::string& prefix, const std::string& key,
                        milliseconds fallback) const {
    YAML::Node node = map[key];
    if (!node) return fallback;
    std::string text = node.IsScalar() ? node.Scalar() : "";
    auto parsed = parseDuration(text);
    if (!parsed || *parsed <= milliseconds(0) || *parsed > kMaxDuration) {
      fail(node, join(prefix, key),
           "expected a duration such as 500ms, 30s, 5m or 1h (at most 7 days), got '" + text + "'");
    }
    return *parsed;
  }

  // YAML to JSON: plain scalars typed as facts are, quoted ones stay strings.
  Json json(const YAML::Node& node, const std::string& key, int depth = 0) const {
    if (depth > kMaxDepth) fail(node, key, "nested too deeply");
    switch (node.Type()) {
      case YAML::NodeType::Null: return nullptr;
      case YAML::NodeType::Scalar:
        return node.Tag() == "!" ? Json(node.Scalar()) : facts::typedScalar(node.Scalar());
      case YAML::NodeType::Sequence: {
        Json out = Json::array();
        for (std::size_t i = 0; i < node.size(); ++i) {
          out.push_back(json(node[i], key + "[" + std::to_string(i) + "]", depth + 1));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& item : node) {
          if (!item.first.IsScalar()) fail(item.first, key, "keys must be plain names");
          std::string k = item.first.Scalar();
          if (out.contains(k)) fail(item.first, join(key, k), "duplicate key");
          out[k] = json(item.second, join(key, k), depth + 1);
        }
        return out;
      }
      default: fail(node, key, "unsupported YAML node");
    }
  }

  static std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }

  static std::optional<milliseconds> parseDuration(const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;
    long long value = std::stoll(text.substr(0, digits));
    std::string unit = text.substr(digits);
    if (unit == "ms") return milliseconds(value);
    if (unit == "s" || unit.empty()) return milliseconds(value * 1000);
    if (unit == "m") return milliseconds(value * 60 * 1000);
    if (unit == "h") return milliseconds(value * 3600 * 1000);
    return std::nullopt;
  }

 private:
  std::string file_;
};

// What the templates of a call may refer to at that point of the flow.
void checkArgs(const Reader& reader, const YAML::Node& argsNode, const Json& args,
               const std::string& key, bool masterKnown, bool lookupKnown) {
  std::vector<const Json*> stack{&args};
  while (!stack.empty()) {
    const Json* value = stack.back();
    stack.pop_back();
    if (value->is_structured()) {
      for (const auto& item : *value) stack.push_back(&item);
      continue;
    }
    if (!value->is_string()) continue;
    try {
      auto roots = templating::Template::parse(value->get<std::string>(), kNames).roots();
      if (!masterKnown && std::find(roots.begin(), roots.end(), "master") != roots.end()) {
        reader.fail(argsNode, key, "uses master.* before the pick_master step has chosen one");
      }
      if (!lookupKnown && std::find(roots.begin(), roots.end(), "lookup") != roots.end()) {
        reader.fail(argsNode, key, "uses lookup.* where no lookup is asked first");
      }
    } catch (const templating::Error& e) {
      reader.fail(argsNode, key, e.what());
    }
  }
}

Target parseTarget(const Reader& reader, const YAML::Node& map, const std::string& prefix) {
  std::string text = reader.string(map, prefix, "target", "node");
  if (text == "node") return Target::Node;
  if (text == "master") return Target::Master;
  if (text == "all_masters") return Target::AllMasters;
  reader.fail(map["target"], prefix + ".target",
              "expected node, master or all_masters, got '" + text + "'");
}

Backoff parseBackoff(const Reader& reader, const YAML::Node& map, const std::string& prefix) {
  Backoff backoff;
  YAML::Node node = map["backoff"];
  if (!node) return backoff;
  std::string key = prefix + ".backoff";
  reader.requireMap(node, key);
  reader.onlyKeys(node, key, {"initial", "max", "factor"});
  backoff.initial = reader.duration(node, key, "initial", backoff.initial);
  backoff.max = reader.duration(node, key, "max", backoff.max);
  backoff.factor = reader.number(node, key, "factor", backoff.factor, 1.0, 10.0);
  if (backoff.max < backoff.initial) reader.fail(node, key + ".max", "is shorter than initial");
  return backoff;
}

ActionCall parseCall(const Reader& reader, const YAML::Node& map, const std::string& prefix,
                     bool masterKnown, bool lookupKnown = false) {
  ActionCall call;
  call.agent = reader.name(map, prefix, "agent", "", true);
  call.action = reader.name(map, prefix, "action", "", true);
  call.target = parseTarget(reader, map, prefix);
  if (call.target != Target::Node && !masterKnown) {
    reader.fail(map["target"], prefix + ".target",
                "targets masters before the pick_master step has chosen one");
  }
  if (YAML::Node args = map["args"]) {
    if (!args.IsMap()) reader.fail(args, prefix + ".args", "expected a map of argument names");
    call.args = reader.json(args, prefix + ".args");
    checkArgs(reader, args, call.args, prefix + ".args", masterKnown, lookupKnown);
  }
  return call;
}

Json parseWhen(const Reader& reader, const YAML::Node& map, const std::string& prefix,
               bool required) {
  YAML::Node node = map["when"];
  if (!node) {
    if (required) reader.fail(map, prefix + ".when", "is required");
    return Json::object();
  }
  if (!node.IsMap()) reader.fail(node, prefix + ".when", "expected a map of reply fields");
  return reader.json(node, prefix + ".when");
}

// One reply to read: a node or the master, never all masters.
std::optional<ActionCall> parseLookup(const Reader& reader, const YAML::Node& owner,
                                      const std::string& prefix, bool masterKnown) {
  YAML::Node node = owner["lookup"];
  if (!node) return std::nullopt;
  const std::string key = prefix + ".lookup";
  reader.requireMap(node, key);
  reader.onlyKeys(node, key, {"agent", "action", "target", "args"});
  ActionCall lookup = parseCall(reader, node, key, masterKnown);
  if (lookup.target == Target::AllMasters) {
    reader.fail(node["target"], key + ".target", "a lookup reads one reply: node or master");
  }
  return lookup;
}

Probe parseProbe(const Reader& reader, const YAML::Node& node, const std::string& key,
                 bool masterKnown, bool lookupAllowed) {
  reader.requireMap(node, key);
  std::vector<std::string> known{"agent", "action", "target", "args", "when"};
  if (lookupAllowed) known.push_back("lookup");
  reader.onlyKeys(node, key, known);
  Probe probe;
  probe.lookup = parseLookup(reader, node, key, masterKnown);
  probe.call = parseCall(reader, node, key, masterKnown, probe.lookup.has_value());
  probe.when = parseWhen(reader, node, key, true);
  return probe;
}

std::vector<OutcomeRule> parseOutcomes(const Reader& reader, const YAML::Node& node,
                                       const std::string& key) {
  std::vector<OutcomeRule> rules;
  if (!node.IsSequence()) reader.fail(node, key, "expected a list of rules");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& item = node[i];
    std::string at = key + "[" + std::to_string(i) + "]";
    reader.requireMap(item, at);
    reader.onlyKeys(item, at, {"status", "when", "result", "from"});
    OutcomeRule rule;
    rule.line = item.Mark().line + 1;
    rule.status = reader.string(item, at, "status", "");
    if (!rule.status.empty() && rule.status != "ok" && rule.status != "failed" &&
        rule.status != "no_reply") {
      reader.fail(item["status"], at + ".status",
                  "expected ok, failed or no_reply, got '" + rule.status + "'");
    }
    rule.when = parseWhen(reader, item, at, false);
    std::string result = reader.string(item, at, "result", "", true);
    if (result == "done")
      rule.verdict = Verdict::Done;
    else if (result == "retry")
      rule.verdict = Verdict::Retry;
    else if (result == "fail")
      rule.verdict = Verdict::Fail;
    else if (result == "redo")
      rule.verdict = Verdict::Redo;
    else
      reader.fail(item["result"], at + ".result",
                  "expected done, retry, fail or redo, got '" + result + "'");
    if (rule.verdict == Verdict::Redo) {
      rule.from = reader.name(item, at, "from", "", true);  // checked against the steps later
    } else if (item["from"]) {
      reader.fail(item["from"], at + ".from", "only a redo rule goes back to a step");
    }
    if (rule.status.empty() && rule.when.empty()) {
      reader.fail(item, at, "a rule needs status or when (it would match every reply)");
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

// `assign_name: true`, or a map giving the service of nodes that declare none. The call
// is naming#set_name on the node, with the name the keeper assigned (engine_calls.cpp).
Step parseAssignName(const Reader& reader, const YAML::Node& node, const std::string& at,
                     Step step) {
  reader.onlyKeys(node, at, {"name", "assign_name", "timeout", "retries", "backoff"});
  YAML::Node value = node["assign_name"];
  step.kind = StepKind::AssignName;
  step.call = ActionCall{"naming", "set_name", Target::Node, Json::object()};
  step.timeout = reader.duration(node, at, "timeout", std::chrono::seconds(30));
  step.retries = reader.integer(node, at, "retries", step.retries, 0, kMaxRetries);
  step.backoff = parseBackoff(reader, node, at);
  if (value.IsScalar() && value.Scalar() == "true") return step;
  if (!value.IsMap())
    reader.fail(value, at + ".assign_name", "expected true or a map (service, type, aliases)");
  reader.onlyKeys(value, at + ".assign_name", {"service", "type", "aliases"});
  try {
    step.naming = naming::toJson(naming::declarationFrom(reader.json(value, at + ".assign_name")));
  } catch (const std::invalid_argument& e) {
    reader.fail(value, at + ".assign_name", e.what());
  }
  return step;
}

Step parseStep(const Reader& reader, const YAML::Node& node, const std::string& key,
               bool& masterKnown) {
  reader.requireMap(node, key);
  Step step;
  step.line = node.Mark().line + 1;
  step.name = reader.name(node, key, "name", "", true);
  std::string at = key + "(" + step.name + ")";
  if (node["pick_master"]) {
    reader.onlyKeys(node, at, {"name", "pick_master"});
    YAML::Node flag = node["pick_master"];
    if (!flag.IsScalar() || flag.Scalar() != "true") {
      reader.fail(flag, at + ".pick_master", "expected true");
    }
    if (masterKnown) reader.fail(flag, at + ".pick_master", "a flow picks its master once");
    step.kind = StepKind::PickMaster;
    masterKnown = true;
    return step;
  }
  if (node["assign_name"]) return parseAssignName(reader, node, at, std::move(step));
  if (node["notify"]) {
    reader.onlyKeys(node, at, {"name", "notify"});
    step.kind = StepKind::Notify;
    step.event = reader.name(node, at, "notify", "");
    if (step.event != "provisioned") {
      reader.fail(node["notify"], at + ".notify", "the event a flow sends is 'provisioned'");
    }
    return step;
  }
  reader.onlyKeys(node, at,
                  {"name", "agent", "action", "target", "args", "timeout", "retries", "backoff",
                   "outcomes", "verify", "lookup"});
  step.lookup = parseLookup(reader, node, at, masterKnown);
  step.call = parseCall(reader, node, at, masterKnown, step.lookup.has_value());
  step.timeout = reader.duration(node, at, "timeout", step.timeout);
  step.retries = reader.integer(node, at, "retries", step.retries, 0, kMaxRetries);
  step.backoff = parseBackoff(reader, node, at);
  if (YAML::Node outcomes = node["outcomes"])
    step.outcomes = parseOutcomes(reader, outcomes, at + ".outcomes");
  if (YAML::Node verify = node["verify"]) {
    step.verify = parseProbe(reader, verify, at + ".verify", masterKnown, true);
  }
  return step;
}

ClaimSpec parseClaim(const Reader& reader, const YAML::Node& node) {
  ClaimSpec claim;
  if (!node) return claim;
  reader.requireMap(node, "claim");
  reader.onlyKeys(node, "claim",
                  {"agent", "claim_action", "release_action", "timeout", "retries", "backoff"});
  claim.agent = reader.name(node, "claim", "agent", claim.agent);
  claim.claimAction = reader.name(node, "claim", "claim_action", claim.claimAction);
  claim.releaseAction = reader.name(node, "claim", "release_action", claim.releaseAction);
  claim.timeout = reader.duration(node, "claim", "timeout", claim.timeout);
  claim.retries = reader.integer(node, "claim", "retries", claim.retries, 0, kMaxRetries);
  claim.backoff = parseBackoff(reader, node, "claim");
  return claim;
}

Flow parseDocument(const Reader& reader, const YAML::Node& root, const std::string& file) {
  if (!root || root.IsNull()) throw FlowError(file + ": the flow is empty");
  reader.requireMap(root, "");
  reader.onlyKeys(root, "",
                  {"name", "node_agent", "master_agent", "claim", "already_provisioned",
                   "redo_limit", "steps"});
  Flow flow;
  flow.source = file;
  flow.name = reader.name(root, "", "name", "", true);
  flow.nodeAgent = reader.name(root, "", "node_agent", flow.nodeAgent);
  flow.masterAgent = reader.name(root, "", "master_agent", flow.masterAgent);
  flow.claim = parseClaim(reader, root["claim"]);
  flow.redoLimit = reader.integer(root, "", "redo_limit", flow.redoLimit, 0, kMaxRetries);
  if (YAML::Node probe = root["already_provisioned"]) {
    flow.alreadyProvisioned = parseProbe(reader, probe, "already_provisioned", false, false);
  }
  YAML::Node steps = root["steps"];
  if (!steps) reader.fail(root, "steps", "is required");
  if (!steps.IsSequence() || steps.size() == 0)
    reader.fail(steps, "steps", "expected a list of steps");
  bool masterKnown = false;
  std::set<std::string> names;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string key = "steps[" + std::to_string(i) + "]";
    Step step = parseStep(reader, steps[i], key, masterKnown);
    if (!names.insert(step.name).second) {
      reader.fail(steps[i]["name"], key + ".name", "step '" + step.name + "' appears twice");
    }
    flow.steps.push_back(std::move(step));
  }
  // A redo goes back: to this step or an earlier one, never forward or nowhere.
  for (std::size_t i = 0; i < flow.steps.size(); ++i) {
    for (std::size_t k = 0; k < flow.steps[i].outcomes.size(); ++k) {
      const OutcomeRule& rule = flow.steps[i].outcomes[k];
      if (rule.verdict != Verdict::Redo) continue;
      auto to = flow.indexOf(rule.from);
      if (!to || *to > i) {
        reader.fail(steps[i]["outcomes"][k]["from"],
                    "steps[" + std::to_string(i) + "](" + flow.steps[i].name + ").outcomes[" +
                        std::to_string(k) + "].from",
                    "'" + rule.from + "' is not this step or an earlier one");
      }
    }
  }
  return flow;
}

}  // namespace

std::string toString(Target target) {
  switch (target) {
    case Target::Node: return "node";
    case Target::Master: return "master";
    case Target::AllMasters: return "all_masters";
  }
  return "?";
}

std::string toString(Verdict verdict) {
  switch (verdict) {
    case Verdict::Done: return "done";
    case Verdict::Retry: return "retry";
    case Verdict::Fail: return "fail";
    case Verdict::Redo: return "redo";
  }
  return "?";
}

milliseconds Backoff::delay(int attempt) const {
  double ms = static_cast<double>(initial.count()) * std::pow(factor, std::max(0, attempt - 1));
  return std::min(max, milliseconds(static_cast<long long>(std::min(ms, 1e12))));
}

std::optional<std::size_t> Flow::pickMasterIndex() const {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].kind == StepKind::PickMaster) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> Flow::indexOf(const std::string& stepName) const {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].name == stepName) return i;
  }
  return std::nullopt;
}

Flow parseFlow(const std::string& text, const std::string& name) {
  Reader reader(name);
  util::YamlStream stream;
  try {
    stream = util::loadYamlStream(text);
  } catch (const YAML::Exception& e) {
    throw FlowError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                    std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  if (stream.documents > 1) {
    throw FlowError(name + ":" + std::to_string(stream.second.line + 1) +
                    ": a flow file holds one YAML document");
  }
  try {
    return parseDocument(reader, stream.first, name);
  } catch (const YAML::Exception& e) {
    throw FlowError(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Flow loadFlowFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FlowError(file.string() + ": cannot read the flow file");
  std::ostringstream text;
  text << in.rdbuf();
  return parseFlow(text.str(), file.string());
}

bool matches(const Json& when, const Json& data) {
  if (data.is_array() && !when.is_array()) {
    for (const auto& item : data) {
      if (matches(when, item)) return true;
    }
    return false;
  }
  if (!when.is_object()) return when == data;
  if (!data.is_object()) return false;
  for (auto it = when.begin(); it != when.end(); ++it) {
    auto found = data.find(it.key());
    if (found == data.end() || !matches(it.value(), *found)) return false;
  }
  return true;
}

const OutcomeRule* matchingRule(const std::vector<OutcomeRule>& rules, const std::string& status,
                                const Json& data) {
  for (const auto& rule : rules) {
    if (!rule.status.empty() && rule.status != status) continue;
    if (!rule.when.empty() && !matches(rule.when, data)) continue;
    return &rule;
  }
  return nullptr;
}

Verdict judge(const std::vector<OutcomeRule>& rules, const std::string& status, const Json& data) {
  if (const OutcomeRule* rule = matchingRule(rules, status, data)) return rule->verdict;
  return status == "ok" ? Verdict::Done : Verdict::Retry;
}

}  // namespace drover::provisioner
