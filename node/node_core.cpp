#include "node/node_core.hpp"

#include <unistd.h>
#include <algorithm>
#include <stdexcept>

#include "core/bus/topics.hpp"
#include "core/ddl/validator.hpp"
#include "core/log/throttle.hpp"
#include "core/security/replay_cache.hpp"
#include "core/security/request_checks.hpp"
#include "core/security/verify_error.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "core/util/subprocess.hpp"

namespace drover::node {
namespace {

using envelope::Envelope;
using envelope::StatusCode;

constexpr std::size_t kFilterCacheSize = 256;

std::string describeViolations(const std::vector<ddl::Violation>& violations) {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += "; ";
    out += v.message;
  }
  return out;
}

StatusCode codeFor(const std::vector<ddl::Violation>& violations) {
  for (const auto& v : violations) {
    if (v.rule == "required") return StatusCode::MissingData;
  }
  return StatusCode::InvalidData;
}

}  // namespace

NodeCore::NodeCore(NodeIdentity identity, std::shared_ptr<NodeSecurity> security)
    : security_(std::move(security)), id_(std::move(identity)), startedMs_(util::nowMs()) {}

SecurityMode NodeCore::securityMode() const {
  return security_ ? security_->mode() : SecurityMode::Disabled;
}

void NodeCore::seal(Envelope& message) const {
  if (security_) security_->seal(message);
}

void NodeCore::sealReply(Envelope& reply, const Envelope& request) const {
  if (security_) security_->sealReply(reply, request);
}

Envelope NodeCore::replyTo(const Envelope& request, envelope::Status status) const {
  Envelope reply = envelope::makeReply(request, id_.identity, std::move(status));
  sealReply(reply, request);
  return reply;
}

void NodeCore::addAgent(std::unique_ptr<agents::Agent> agent) {
  std::string name = agent->name();
  if (agents_.count(name)) throw std::invalid_argument("agent '" + name + "' is loaded twice");
  agentNames_.push_back(name);
  std::sort(agentNames_.begin(), agentNames_.end());
  agents_.emplace(std::move(name), std::move(agent));
}

agents::Agent* NodeCore::findAgent(const std::string& name) const {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : it->second.get();
}

std::vector<std::string> NodeCore::agentNames() const { return agentNames_; }

bool NodeCore::setFacts(Json facts) {
  std::unique_lock lock(stateMutex_);
  if (facts == facts_) return false;
  facts_ = std::move(facts);
  return true;
}

bool NodeCore::setClasses(std::vector<std::string> classes) {
  std::unique_lock lock(stateMutex_);
  if (classes == classes_) return false;
  classes_ = std::move(classes);
  return true;
}

void NodeCore::setNames(std::vector<std::string> names) {
  std::unique_lock lock(stateMutex_);
  names_ = std::move(names);
}

std::vector<std::string> NodeCore::names() const {
  std::shared_lock lock(stateMutex_);
  return names_;
}

filter::NodeView NodeCore::viewLocked() const {
  return {facts_, classes_, agentNames_, id_.identity, names_};
}

Json NodeCore::facts() const {
  std::shared_lock lock(stateMutex_);
  return facts_;
}

std::vector<std::string> NodeCore::classes() const {
  std::shared_lock lock(stateMutex_);
  return classes_;
}

Decision NodeCore::refuse(const Envelope& request, StatusCode code, std::string_view refusal,
                          const std::string& why) {
  ++refused_;
  metrics_.countRefusal(refusal);
  Decision decision;
  decision.kind = Decision::Kind::Reply;
  decision.reason = why;
  decision.reply = envelope::makeReply(request, id_.identity, {code, why},
                                       Json{{"refused", std::string(refusal)}});
  sealReply(decision.reply, request);
  return decision;
}

Decision NodeCore::drop(std::string_view reason, std::string why) {
  ++refused_;
  metrics_.countRefusal(reason);
  Decision decision;
  decision.kind = Decision::Kind::Drop;
  decision.reason = std::move(why);
  return decision;
}

const filter::Filter* NodeCore::cachedFilter(const std::string& text) {
  auto it = filterCache_.find(text);
  if (it != filterCache_.end()) return &it->second;
  if (filterCache_.size() >= kFilterCacheSize) filterCache_.clear();
  return &filterCache_.emplace(text, filter::Filter::parse(text)).first->second;
}

Decision NodeCore::inspect(const Envelope& request, std::string_view topic) {
  ++total_;
  // Where a request may run is part of what its sender signed: a copy published on
  // another topic, or a direct request naming other nodes, is not for this node.
  if (auto why = security::misaddressed(request, topic, id_.identity, id_.collectives)) {
    Decision ignored;
    ignored.reason = std::move(*why);
    return ignored;
  }
  // Nothing the caller could not receive is run: checked before anything runs.
  if (auto why = security::badReplyTopic(request)) return drop("bad_reply_topic", std::move(*why));
  // Who is asking comes before anything the request asks for, and only a verified
  // caller is ever answered: forged traffic must not make the fleet talk.
  policy::Caller caller{request.sender, "unverified"};
  if (security_) {
    try {
      caller = security_->authenticate(request, util::nowMs());
    } catch (const security::VerifyError& e) {
      return drop("unverified", e.what());
    }
  }
  if (auto bad = security::badTime(request, id_.maxTtl, id_.maxSkewMs, util::nowMs())) {
    ++ttlExpired_;
    if (security_) {
      security_->recordDecision(request, id_.identity, caller, Json::object(), {false, bad->why});
    }
    return refuse(request, StatusCode::Refused, bad->code, bad->why);
  }
  if (security_) {
    try {
      security_->checkUnseen(request, util::nowMs());
    } catch (const security::VerifyError& e) {
      return drop("replayed", e.what());  // the original was answered; a copy never is
    }
  }
  return admit(request, topic == bus::nodeTopic(request.collective, id_.identity),
               std::move(caller));
}

// The checks of what a fresh request from a verified caller asks for.
Decision NodeCore::admit(const Envelope& request, bool direct, policy::Caller caller) {
  Decision decision;
  try {
    const filter::Filter* filter = cachedFilter(request.filter);
    std::shared_lock lock(stateMutex_);
    if (!filter->matches(viewLocked())) {
      ++filtered_;
      decision.reason = "filter does not match";
      // A caller that named this node (from a registry lookup, say) hears why it ran
      // nothing; a broadcast's non-matching nodes stay silent.
      if (!direct || request.targets.empty()) return decision;
      lock.unlock();
      return refuse(request, StatusCode::Refused, envelope::kFilterMismatch,
                    "the request's filter does not match " + id_.identity);
    }
  } catch (const filter::FilterError& e) {
    return refuse(request, StatusCode::InvalidData, "invalid_filter",
                  std::string("invalid filter: ") + e.what());
  }
  ++passed_;
  agents::Agent* agent = findAgent(request.agent);
  if (agent == nullptr) {
    if (!direct) {
      decision.reason = "agent not hosted";
      return decision;
    }
    return refuse(request, StatusCode::UnknownAction, "unknown_agent",
                  "agent '" + request.agent + "' is not installed on " + id_.identity);
  }
  std::string unknown;
  const agents::BoundAction* action = agent->findAction(request.action, &unknown);
  if (action == nullptr)
    return refuse(request, StatusCode::UnknownAction, "unknown_action", unknown);
  policy::Decision verdict{true, ""};
  if (security_) {
    std::shared_lock lock(stateMutex_);
    verdict = security_->authorize(caller, request, viewLocked());
  }
  // Arguments are checked even for an allowed caller: a client that skipped its own
  // DDL validation gets the same refusal, and the audit log records it as refused.
  Json args = request.args;
  StatusCode code = StatusCode::Refused;
  std::string_view refusal = "not_authorized";
  if (verdict.allowed) {
    auto violations = ddl::validate(*action->ddl, args);
    if (!violations.empty()) {
      code = codeFor(violations);
      refusal = "invalid_arguments";
      verdict = {false,
                 request.agent + "#" + request.action + ": " + describeViolations(violations)};
    }
  } else {
    verdict.reason = "not authorized: " + verdict.reason;
  }
  if (security_) security_->recordDecision(request, id_.identity, caller, args, verdict);
  if (!verdict.allowed) return refuse(request, code, refusal, verdict.reason);
  decision.kind = Decision::Kind::Run;
  decision.agent = agent;
  decision.action = action;
  decision.request.requestId = request.id;
  decision.request.caller = std::move(caller.name);
  decision.request.callerRole = std::move(caller.role);
  decision.request.action = request.action;
  decision.request.args = std::move(args);
  // The DDL's timeout, cut to what is left of the request's TTL: past it the caller has
  // given up, and an action still running (a Puppet call to a master that went away)
  // would only hold the node up for the caller's next request.
  std::int64_t ttlLeftMs =
      request.time + static_cast<std::int64_t>(request.ttl) * 1000 - util::nowMs();
  std::int64_t budgetMs = std::min<std::int64_t>(std::int64_t{agent->ddl().metadata.timeout} * 1000,
                                                 std::max<std::int64_t>(ttlLeftMs, 0));
  decision.request.deadline = util::SteadyClock::now() + std::chrono::milliseconds(budgetMs);
  return decision;
}

Envelope NodeCore::execute(const Decision& decision, const Envelope& request,
                           std::chrono::microseconds queued) {
  auto started = util::SteadyClock::now();
  util::ProgramTime programs;
  agents::Reply reply = decision.agent->handle(*decision.action, decision.request);
  auto took = util::SteadyClock::now() - started;
  if (security_) {
    security_->recordResult(request, id_.identity, reply.status,
                            std::chrono::duration_cast<std::chrono::milliseconds>(took));
  }
  Envelope out =
      envelope::makeReply(request, id_.identity, std::move(reply.status), std::move(reply.data));
  // At least 1 µs: a reply that ran its action says so, however fast it was.
  out.timing.actionUs = static_cast<std::uint64_t>(std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  out.timing.queuedUs = static_cast<std::uint64_t>(std::max<std::int64_t>(0, queued.count()));
  out.timing.programUs = static_cast<std::uint64_t>(programs.total().count());
  out.timing.programs = programs.programs();
  metrics_.countRun(decision.agent->name(), out.status.code,
                    std::chrono::duration_cast<std::chrono::microseconds>(took));
  sealReply(out, request);
  return out;
}

Envelope NodeCore::registration(const std::string& collective, bool leaving) const {
  Envelope env;
  env.id = util::randomId();
  env.type = envelope::MessageType::Registration;
  env.sender = id_.identity;
  env.collective = collective;
  env.time = util::nowMs();
  env.data = Json{{"identity", id_.identity},
                  {"collectives", id_.collectives},
                  {"agents", agentNames()},
                  {"facts", facts()},
                  {"classes", classes()},
                  {"version", version()},
                  {"names", names()},
                  {"security", toString(securityMode())},
                  {"registration_interval_s", id_.registrationIntervalS},
                  {"started_ms", startedMs_}};
  if (leaving) env.data["leaving"] = true;
  Json extra = agentRegistrations();
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!env.data.contains(it.key())) env.data[it.key()] = std::move(*it);  // never the node's
  }
  seal(env);
  return env;
}

Json NodeCore::agentRegistrations() const {
  Json out = Json::object();
  for (const auto& [name, agent] : agents_) {
    Json data = agent->registrationData();
    if (!data.is_null()) out[name] = std::move(data);
  }
  return out;
}

std::vector<std::string> NodeCore::topics() const {
  std::vector<std::string> topics;
  for (const auto& collective : id_.collectives) {
    topics.push_back(bus::nodeTopic(collective, id_.identity));
    for (const auto& [name, agent] : agents_)
      topics.push_back(bus::broadcastTopic(collective, name));
  }
  return topics;
}

Json NodeCore::agentInventory() const {
  Json out = Json::array();
  for (const auto& [name, agent] : agents_) {
    const auto& m = agent->ddl().metadata;
    out.push_back({{"agent", name},
                   {"name", m.name},
                   {"description", m.description},
                   {"author", m.author},
                   {"license", m.license},
                   {"version", m.version},
                   {"url", m.url},
                   {"timeout", m.timeout}});
  }
  return out;
}

Json NodeCore::stats() const {
  std::int64_t now = util::nowMs();
  return Json{{"uptime", (now - startedMs_) / 1000},
              {"starttime", startedMs_ / 1000},
              {"total", total_.load()},
              {"validated", passed_.load()},
              {"unvalidated", refused_.load()},
              {"passed", passed_.load()},
              {"filtered", filtered_.load()},
              {"replies", replies_.load()},
              {"ttlexpired", ttlExpired_.load()},
              {"refused", refused_.load()},
              {"busy", busy_.load()},
              {"pid", static_cast<long>(::getpid())},
              {"version", version()},
              {"agents", agentNames()},
              {"security", toString(securityMode())},
              {"mac_checked", security_ ? security_->macChecked() : 0}};
}

std::string NodeCore::version() const { return DROVER_VERSION; }

}  // namespace drover::node
