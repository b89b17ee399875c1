#include "core/deploy/resolve.hpp"

#include <algorithm>
#include <set>

#include "core/deploy/references.hpp"
#include "core/templating/template.hpp"

namespace drover::deploy {
namespace {

Json memberJson(const Member& member) {
  return Json{{"name", member.name},         {"fqdn", member.fqdn}, {"address", member.address},
              {"identity", member.identity}, {"pool", member.pool}, {"service", member.service},
              {"facts", member.facts}};
}

const Member* byName(const ClusterView& view, const std::string& name) {
  for (const auto& member : view) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

bool hasField(const Member* member, const std::string& field) {
  if (member == nullptr || !member->registered) return false;
  Json fields = memberJson(*member);
  const Json* value = templating::lookupPath(fields, field);
  if (value == nullptr || value->is_null()) return false;
  return !(value->is_string() && value->get_ref<const std::string&>().empty());
}

// The names a selector covers in `pool`: one, or every name of its count for "*".
std::vector<std::string> namesOf(const Pool& pool, const std::string& selector) {
  std::vector<std::string> names;
  if (selector == "*") {
    for (int n = 0; n < pool.count; ++n) names.push_back(pool.memberName(n));
  } else if (selector == "master") {
    names.push_back(pool.memberName(0));
  } else {
    names.push_back(pool.memberName(std::stoi(selector.substr(selector.rfind('-') + 1))));
  }
  return names;
}

// Adds to `missing` what `path` waits for.
void checkPath(const Deployment& deployment, const Member& self, const ClusterView& view,
               const std::string& path, std::set<std::string>& missing) {
  if (path.rfind("self.", 0) == 0) {
    std::string field = path.substr(5);
    if (!hasField(&self, field))
      missing.insert((self.name.empty() ? self.identity : self.name) + "." + field);
    return;
  }
  auto ref = poolReference(path);
  const Pool* pool = ref ? deployment.pool(ref->pool) : nullptr;
  if (pool == nullptr) return;  // deployment.name, params.<key>: always there
  for (const auto& name : namesOf(*pool, ref->selector)) {
    if (hasField(byName(view, name), ref->field)) continue;
    bool wildcard = ref->selector == "*";
    missing.insert((wildcard ? pool->service + "-*" : name) + "." + ref->field);
  }
}

// {pools: {POOL: {SELECTOR: member}}, self, deployment: {name}, params} over the members
// that are registered and hold one of the pools' names.
Json contextOf(const Deployment& deployment, const Member& self, const ClusterView& view,
               const Json& params) {
  Json pools = Json::object();
  for (const auto& pool : deployment.pools) {
    Json members = Json::object();
    for (int n = 0; n < pool.count; ++n) {
      const Member* member = byName(view, pool.memberName(n));
      if (member == nullptr || !member->registered) continue;
      std::string selector = pool.type == naming::ServiceType::Iterative ? std::to_string(n)
                             : n == 0                                    ? "master"
                                      : "slave-" + std::to_string(n);
      members[selector] = memberJson(*member);
    }
    pools[pool.name] = std::move(members);
  }
  return Json{{"pools", pools},
              {"self", memberJson(self)},
              {"deployment", {{"name", deployment.name}}},
              {"params", params}};
}

std::vector<std::string> missingIn(const Deployment& deployment, const Member& self,
                                   const ClusterView& view, const std::vector<std::string>& texts) {
  std::set<std::string> missing;
  for (const auto& text : texts) {
    for (const auto& use : templating::Template::parse(text).uses()) {
      checkPath(deployment, self, view, use.path, missing);
    }
  }
  return {missing.begin(), missing.end()};
}

}  // namespace

Resolution resolveParams(const Deployment& deployment, const Pool& pool, const Member& self,
                         const ClusterView& view) {
  std::vector<std::string> texts;
  forEachString(pool.params, "params",
                [&](const std::string&, const std::string& text) { texts.push_back(text); });
  Resolution out;
  out.missing = missingIn(deployment, self, view, texts);
  if (!out.ready()) return out;
  out.params =
      templating::renderValue(pool.params, contextOf(deployment, self, view, Json::object()));
  return out;
}

RenderedFile renderFile(const Deployment& deployment, const FileSpec& file, const Member& self,
                        const ClusterView& view, const Json& params) {
  RenderedFile out;
  out.missing = missingIn(deployment, self, view, {file.text});
  if (!out.missing.empty()) return out;
  Json context = contextOf(deployment, self, view, params);
  out.text = templating::Template::parse(file.text).renderText(context);
  return out;
}

Json clusterFacts(const ClusterView& view) {
  Json out = Json::object();
  for (const auto& member : view) {
    if (!member.name.empty() && member.registered) out[member.name] = memberJson(member);
  }
  return out;
}

Json chosenFacts(const std::vector<std::string>& names, const Json& facts) {
  Json out = Json::object();
  for (const auto& name : names) {
    const Json* value = templating::lookupPath(facts, name);
    if (value != nullptr && !value->is_null()) out[name] = *value;
  }
  return out;
}

}  // namespace drover::deploy
