#include "core/deploy/references.hpp"

#include <algorithm>
#include <cctype>

#include "core/config/checks.hpp"
#include "core/templating/template.hpp"

namespace drover::deploy {
namespace {

const templating::Names kParamNames{{}, {"pools", "self", "deployment"}};
const templating::Names kFileNames{{}, {"pools", "self", "deployment", "params"}};
const std::vector<std::string> kFields{"name", "fqdn", "address", "identity", "pool", "service"};

bool isNumber(const std::string& text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

// What is wrong with `selector` for `pool`, or "".
std::string checkSelector(const Pool& pool, const std::string& selector) {
  bool masterful = pool.type == naming::ServiceType::Masterful;
  std::string kind = std::string(masterful ? "masterful" : "iterative") + " pool '" + pool.name +
                     "' (count " + std::to_string(pool.count) + ")";
  if (selector == "*") return "";
  if (selector == "master") return masterful ? "" : "an " + kind + " has no master";
  std::string number = selector;
  if (masterful) {
    if (selector.rfind("slave-", 0) != 0) return "a " + kind + " has master, slave-N or *";
    number = selector.substr(6);
  } else if (!isNumber(selector)) {
    return "an " + kind + " has N (0, 1, ...) or *";
  }
  int n = isNumber(number) ? std::stoi(number) : -1;
  if (n < (masterful ? 1 : 0)) return "'" + selector + "' is no member name of a " + kind;
  if (n >= pool.count) return "'" + selector + "' is past the end of " + kind;
  return "";
}

std::string checkField(const std::string& field, const Deployment& deployment) {
  if (std::find(kFields.begin(), kFields.end(), field) != kFields.end()) return "";
  if (field.rfind("facts.", 0) == 0) {
    std::string fact = field.substr(6);
    const auto& chosen = deployment.facts;
    if (std::find(chosen.begin(), chosen.end(), fact) != chosen.end()) return "";
    return "fact '" + fact + "' is not in facts: (add it there to use it)";
  }
  return "unknown field '" + field +
         "' (known: name, fqdn, address, identity, pool, service, facts.<fact>)";
}

std::string checkPoolPath(const std::string& path, const Deployment& deployment) {
  auto ref = poolReference(path);
  if (!ref) return "expected pools.<pool>.<selector>.<field>";
  const Pool* pool = deployment.pool(ref->pool);
  if (pool == nullptr) {
    std::vector<std::string> names;
    for (const auto& p : deployment.pools) names.push_back(p.name);
    std::string hint = config::closestMatch(ref->pool, names);
    return "unknown pool '" + ref->pool + "'" +
           (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
  }
  std::string problem = checkSelector(*pool, ref->selector);
  return problem.empty() ? checkField(ref->field, deployment) : problem;
}

// `path` below params: its first segment must be a param, and the rest must lead
// somewhere, as far as the params are literal (a template's value is known only once
// rendered, and may be a list or an object).
std::string checkParamsPath(const std::string& path, const Pool* owner) {
  std::string key = path.substr(0, path.find('.'));
  if (owner == nullptr || !owner->params.contains(key)) {
    return "no param '" + key + "' in the pool's params";
  }
  for (auto end = path.find('.'); end != std::string::npos; end = path.find('.', end + 1)) {
    const Json* value = templating::lookupPath(owner->params, path.substr(0, end));
    if (value == nullptr) break;
    if (value->is_string() && value->get<std::string>().find("{{") != std::string::npos) {
      return "";
    }
  }
  if (templating::lookupPath(owner->params, path) == nullptr) {
    return "param '" + key + "' has no '" + path.substr(key.size() + 1) + "'";
  }
  return "";
}

std::string checkPath(const std::string& path, const Deployment& deployment, const Pool* owner) {
  auto dot = path.find('.');
  std::string root = path.substr(0, dot);
  std::string rest = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (root == "pools") return checkPoolPath(path, deployment);
  if (root == "self") return checkField(rest, deployment);
  if (root == "deployment") return rest == "name" ? "" : "deployment has only .name";
  return checkParamsPath(rest, owner);
}

// The expression at `offset` of `text`, braces included.
std::string expressionAt(const std::string& text, std::size_t offset) {
  auto close = text.find("}}", offset);
  return text.substr(offset, close == std::string::npos ? std::string::npos : close + 2 - offset);
}

}  // namespace

std::optional<Reference> poolReference(const std::string& path) {
  if (path.rfind("pools.", 0) != 0) return std::nullopt;
  auto poolEnd = path.find('.', 6);
  if (poolEnd == std::string::npos) return std::nullopt;
  auto selectorEnd = path.find('.', poolEnd + 1);
  if (selectorEnd == std::string::npos) return std::nullopt;
  return Reference{path.substr(6, poolEnd - 6), path.substr(poolEnd + 1, selectorEnd - poolEnd - 1),
                   path.substr(selectorEnd + 1)};
}

TemplateCheck checkTemplate(const std::string& text, const Deployment& deployment,
                            const Pool* owner, TemplateKind kind) {
  TemplateCheck out;
  templating::Template parsed;
  try {
    parsed =
        templating::Template::parse(text, kind == TemplateKind::Params ? kParamNames : kFileNames);
  } catch (const templating::Error& e) {
    out.problems.push_back({e.offset(), e.what()});
    return out;
  }
  for (const auto& use : parsed.uses()) {
    std::string problem = checkPath(use.path, deployment, owner);
    if (!problem.empty()) {
      out.problems.push_back({use.offset, expressionAt(text, use.offset) + ": " + problem});
    } else if (auto ref = poolReference(use.path)) {
      out.pools.insert(ref->pool);
    }
  }
  return out;
}

void forEachString(const Json& value, const std::string& key,
                   const std::function<void(const std::string&, const std::string&)>& fn) {
  if (value.is_string()) return fn(key, value.get<std::string>());
  if (!value.is_structured()) return;
  std::size_t index = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++index) {
    std::string at =
        value.is_object() ? key + "." + it.key() : key + "[" + std::to_string(index) + "]";
    forEachString(it.value(), at, fn);
  }
}

}  // namespace drover::deploy
