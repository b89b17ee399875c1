// DeploymentKeeper: what registrations and the flow say of members, and the pusher that
// gives every wired member the cluster facts and the SSH trust of the moment. Each is
// one version per deployment, replaced whole on the node; a member that did not take a
// version is sent it again after retry_after (the pusher also fires the drivers'
// retries).
#include <algorithm>

#include "core/log/log.hpp"
#include "core/templating/template.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"
#include "provisioner/deploy/keeper_state.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.deploy"};

constexpr auto kPushPause = std::chrono::milliseconds(200);  // bursts of changes coalesce

std::string textOf(const Json* value) {
  if (value == nullptr || value->is_null()) return "";
  return value->is_string() ? value->get<std::string>() : value->dump();
}

// The flow has the member: booting, provisioning, or failed by the flow (an operator's
// `drover provision retry` takes it on again).
bool inFlow(const DeploymentMember& m) {
  return m.phase == MemberPhase::Booting || m.phase == MemberPhase::Provisioning ||
         (m.phase == MemberPhase::Failed && m.failedInFlow);
}

}  // namespace

NodeRecord nodeRecordFrom(const Json& json, const std::string& identity) {
  NodeRecord record;
  record.identity = identity;
  record.state = nodeStateFrom(json.value("state", "waiting"));
  record.stepName = json.value("step", "");
  record.lastError = json.value("last_error", "");
  record.finishedMs = json.value("finished_ms", std::int64_t{0});
  return record;
}

void DeploymentKeeper::engineChanged(const NodeRecord& record) {
  {
    Lock lock(mutex_);
    auto it = members_.find(record.identity);
    if (it == members_.end() || !inFlow(it->second)) return;
    DeploymentMember& m = it->second;
    Deployment* d = find(m.deployment);
    if (!d) return;
    if (m.phase == MemberPhase::Failed && record.state == NodeState::Failed) return;
    // A slot's identity comes back after a shrink and a growth: the flow's outcome for the
    // member that had it before is not this member's.
    bool finished = record.state == NodeState::Provisioned || record.state == NodeState::Failed;
    if (finished && record.finishedMs < m.launchedMs) return;
    if (m.phase == MemberPhase::Failed) {  // retried by an operator
      m.failedInFlow = false;
      m.error.clear();
      m.phase = MemberPhase::Provisioning;
      save(m);
    }
    if (record.state == NodeState::Provisioned) {
      m.phase = MemberPhase::Wiring;
      m.step = "provisioned; wiring";
      save(m);
      wakeLocked(m.identity);
    } else if (record.state == NodeState::Failed) {
      m.failedInFlow = true;
      fail(m, "flow: " + record.stepName, record.lastError);
    } else {
      std::string step = "flow: " + toString(record.state) +
                         (record.stepName.empty() ? "" : " at " + record.stepName);
      if (m.phase == MemberPhase::Provisioning && m.step == step) return;
      m.phase = MemberPhase::Provisioning;
      m.step = step;
    }
    touch(*d);
  }
  notifyChanged();
}

void DeploymentKeeper::observe(const Registration& registration) {
  {
    Lock lock(mutex_);
    auto it = members_.find(registration.identity);
    if (it == members_.end() || !registration.verified) return;
    DeploymentMember& m = it->second;
    Deployment* d = find(m.deployment);
    if (!d || !d->loaded) return;
    if (!noteRegistration(*d, m, registration)) return;
  }
  notifyChanged();
}

// True when the cluster view (or anything status shows) changed.
bool DeploymentKeeper::noteRegistration(Deployment& d, DeploymentMember& m, const Registration& r) {
  std::string name = r.naming.is_object() ? r.naming.value("name", "") : "";
  std::string fqdn = r.naming.is_object() ? r.naming.value("fqdn", "") : "";
  std::string address = textOf(templating::lookupPath(r.facts, options_.addressFact));
  Json facts = ::drover::deploy::chosenFacts(d.spec.facts, r.facts);
  // A node that lost what it was sent (a new root) says an older version: send again.
  if (r.cluster.is_object()) {
    m.factsSent = std::min(m.factsSent, r.cluster.value("facts_version", std::int64_t{0}));
    m.trustSent = std::min(m.trustSent, r.cluster.value("trust_version", std::int64_t{0}));
  }
  bool changed =
      !m.registered || name != m.name || fqdn != m.fqdn || address != m.address || facts != m.facts;
  m.registered = true;
  m.name = name;
  m.fqdn = fqdn;
  m.address = address;
  m.facts = facts;
  if (m.phase == MemberPhase::Booting) {
    m.phase = MemberPhase::Provisioning;
    m.step = "registered";
    save(m);
    changed = true;
  }
  if (!changed) {
    if (m.wired() && (m.factsSent < d.factsVersion || m.trustSent < d.trustVersion))
      pusherWake_.notify_one();
    return false;
  }
  viewChanged(d);
  if (!m.hostKeys.empty()) trustChanged(d);  // its names label its host keys
  wakeWaiting(d.name);
  rewriteStaleFiles(d);
  touch(d);
  return true;
}

std::vector<::drover::deploy::Member> DeploymentKeeper::clusterView(const Deployment& d) const {
  std::vector<::drover::deploy::Member> view;
  for (const auto& identity : membersOf(d.name)) {
    const DeploymentMember& m = members_.at(identity);
    if (m.live()) view.push_back(memberView(m));
  }
  return view;
}

::drover::deploy::Member DeploymentKeeper::memberView(const DeploymentMember& m) const {
  ::drover::deploy::Member v;
  v.identity = m.identity;
  v.pool = m.pool;
  const Deployment* d = find(m.deployment);
  const auto* pool = d ? d->spec.pool(m.pool) : nullptr;
  v.service = pool ? pool->service : "";
  v.name = m.name;
  v.fqdn = m.fqdn;
  v.address = m.address;
  v.facts = m.facts;
  v.registered = m.registered;
  return v;
}

// The cluster facts as they are now; a new version only when they differ.
void DeploymentKeeper::viewChanged(Deployment& d) {
  Json facts = ::drover::deploy::clusterFacts(clusterView(d));
  if (facts == d.facts) return;
  d.facts = std::move(facts);
  ++d.factsVersion;
  saveDeployment(d);
  pusherWake_.notify_one();
}

// Every wired member's root key may log in to every member; every host key is known
// by the member's name, fqdn, address and identity.
void DeploymentKeeper::trustChanged(Deployment& d) {
  if (!d.spec.sshTrust) return;
  std::set<std::string> keys;
  Json known = Json::array();
  for (const auto& identity : membersOf(d.name)) {
    const DeploymentMember& m = members_.at(identity);
    if (!m.live() || m.rootKey.empty()) continue;
    keys.insert(m.rootKey);
    std::vector<std::string> names;
    for (const auto& label : {m.name, m.fqdn, m.address, m.identity})
      if (!label.empty() && std::find(names.begin(), names.end(), label) == names.end())
        names.push_back(label);
    for (const auto& key : m.hostKeys) known.push_back(Json{{"names", names}, {"key", key}});
  }
  Json trust{{"authorized_keys", keys}, {"known_hosts", known}};
  if (trust == d.trust) return;
  d.trust = std::move(trust);
  ++d.trustVersion;
  saveDeployment(d);
  pusherWake_.notify_one();
}

Json DeploymentKeeper::factsArgs(const Deployment& d) const {
  return Json{{"deployment", d.name}, {"version", d.factsVersion}, {"facts", d.facts}};
}

Json DeploymentKeeper::trustArgs(const Deployment& d) const {
  Json args = d.trust.is_object() && !d.trust.empty()
                  ? d.trust
                  : Json{{"authorized_keys", Json::array()}, {"known_hosts", Json::array()}};
  args["version"] = d.trustVersion;
  return args;
}

void DeploymentKeeper::pusherLoop() {
  Lock lock(mutex_);
  while (!stopping_) {
    std::int64_t now = clock_();
    while (!retryAt_.empty() && retryAt_.begin()->first <= now) {
      if (!retryAt_.begin()->second.empty()) wakeLocked(retryAt_.begin()->second);
      retryAt_.erase(retryAt_.begin());
    }
    bool pushed = pushRound(lock);
    if (stopping_) break;
    if (pushed) {
      lock.unlock();
      notifyChanged();  // members holding the latest facts may make a deployment done
      lock.lock();
      pusherWake_.wait_for(lock, kPushPause, [this] { return stopping_; });
      continue;
    }
    auto wait = retryAt_.empty() ? options_.retryAfter
                                 : std::chrono::milliseconds(retryAt_.begin()->first - now);
    pusherWake_.wait_for(lock, std::clamp(wait, std::chrono::milliseconds(1), options_.retryAfter));
  }
  threadEnded();
}

// One call per deployment and kind to every wired member behind on it. Members that do
// not take it stay behind and are sent it again after retry_after.
bool DeploymentKeeper::pushRound(Lock& lock) {
  struct Push {
    std::string deployment, action;
    Json args;
    std::int64_t version;
    std::vector<std::string> to;
  };
  std::vector<Push> pushes;
  std::int64_t now = clock_();
  for (const auto& [name, d] : deployments_) {
    if (!d->loaded || d->down) continue;
    Push facts{name, "set_facts", factsArgs(*d), d->factsVersion, {}};
    Push trust{name, "set_trust", trustArgs(*d), d->trustVersion, {}};
    for (const auto& identity : membersOf(name)) {
      DeploymentMember& m = members_.at(identity);
      if (!m.live() || !m.wired() || m.pushAfterMs > now) continue;
      if (m.factsSent < d->factsVersion) facts.to.push_back(identity);
      if (d->spec.sshTrust && m.trustSent < d->trustVersion) trust.to.push_back(identity);
    }
    for (auto* push : {&facts, &trust})
      if (!push->to.empty()) pushes.push_back(std::move(*push));
  }
  if (pushes.empty()) return false;
  for (auto& push : pushes) {
    CallRequest request{"cluster", push.action, push.args, push.to, options_.callTimeout};
    lock.unlock();
    auto replies = executor_.call(request);
    lock.lock();
    std::size_t taken = 0;
    for (const auto& reply : replies) {
      auto it = members_.find(reply.node);
      if (it == members_.end()) continue;
      DeploymentMember& m = it->second;
      bool ok = reply.replied && reply.status.ok();
      std::int64_t& sent = push.action == "set_facts" ? m.factsSent : m.trustSent;
      if (ok) {
        sent = std::max(sent, push.version);
        ++taken;
      } else {
        m.pushAfterMs = clock_() + options_.retryAfter.count();
        retryAt_.emplace(m.pushAfterMs, "");
      }
    }
    logger()->debug("deployment {}: {} version {} taken by {} of {}", push.deployment, push.action,
                    push.version, taken, push.to.size());
    if (Deployment* d = find(push.deployment); d && taken > 0) touch(*d);
  }
  return true;
}

}  // namespace drover::provisioner
