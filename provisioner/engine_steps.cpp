// Engine: what one node does next, and what each reply means for it.
#include <algorithm>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/node_data.hpp"
#include "provisioner/template.hpp"

namespace drover::provisioner {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("drover.provisioner.flow");
  return instance;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

std::string describe(const CallReply& reply) {
  if (!reply.replied) {
    return reply.node + ": no reply" + (reply.status.message.empty() ? "" : " (" + reply.status.message + ")");
  }
  return reply.node + ": " + (reply.status.message.empty() ? "status " + std::to_string(static_cast<int>(reply.status.code))
                                                            : reply.status.message);
}

// A master whose droverd answers for a puppetserver that does not (puppetca's
// ca_reachable: false) is as down as one that does not answer at all.
bool masterUp(const CallReply& reply) {
  if (!reply.replied) return false;
  auto it = reply.data.is_object() ? reply.data.find("ca_reachable") : reply.data.end();
  return it == reply.data.end() || *it != false;
}

// provision#claim answers OK with granted: true; a claim held by another is status 1.
bool granted(const CallReply& reply) {
  return reply.replied && reply.status.ok() &&
         !(reply.data.contains("granted") && reply.data["granted"] != true);
}

}  // namespace

Json Engine::context(const Runtime& node) const {
  Json ctx{{"node", {{"identity", node.rec.identity}, {"facts", node.rec.facts}}},
           {"provisioner", {{"identity", options_.owner}}}};
  if (usesNodeData(flow_)) {
    // No node_data_dir: no data of the provisioner's, only the image's defaults. A bad
    // data file fails the step like an unset fact: retried, then failed, named.
    try {
      ctx["node"]["data"] = options_.nodeDataDir.empty()
                                ? Json::object()
                                : loadNodeData(options_.nodeDataDir, node.rec.identity);
    } catch (const NodeDataError& e) {
      throw TemplateError(std::string("{{node.data}}: ") + e.what());
    }
  }
  if (!node.rec.master.empty()) {
    const MasterState* master = masters_.find(node.rec.master);
    ctx["master"] = {{"identity", node.rec.master},
                     {"facts", master ? master->facts : Json::object()}};
  }
  return ctx;
}

std::vector<std::string> Engine::targets(const Runtime& node, Target target,
                                         std::int64_t now) const {
  switch (target) {
    case Target::Node: return {node.rec.identity};
    case Target::Master: return {node.rec.master};
    case Target::AllMasters: {
      std::vector<std::string> names;
      for (const auto& candidate : masters_.candidates(now)) names.push_back(candidate.identity);
      return names;
    }
  }
  return {};
}

AttemptRecord Engine::newAttempt(const Runtime& node, const std::string& step, std::int64_t now) {
  AttemptRecord attempt;
  attempt.id = ++nextAttemptId_;
  attempt.identity = node.rec.identity;
  attempt.step = step;
  attempt.attempt = node.rec.attempt + 1;
  attempt.startedMs = now;
  return attempt;
}

void Engine::note(Runtime& node, const std::string& step, const std::string& outcome,
                  const std::string& error, std::int64_t now) {
  AttemptRecord row = newAttempt(node, step, now);
  row.attempt = 0;
  row.finishedMs = now;
  row.outcome = outcome;
  row.error = error;
  store_.putAttempt(row);
}

void Engine::record(Runtime& node, std::int64_t now, bool withFacts) {
  node.rec.updatedMs = now;
  store_.putNode(node.rec, withFacts);
}

void Engine::notify(notifiers::EventKind kind, const Runtime& node, const std::string& message,
                    std::int64_t now, const std::string& step) {
  notifiers::Event event;
  event.kind = kind;
  event.node = node.rec.identity;
  event.master = node.rec.master;
  if (kind == notifiers::EventKind::Failed || kind == notifiers::EventKind::Retried) {
    event.failedStep = step.empty() ? node.rec.stepName : step;
  }
  event.error = message;
  event.attempt = std::max(1, node.rec.attempt);
  event.startedMs = kind == notifiers::EventKind::WaitingTooLong ? node.waitingSinceMs
                    : node.rec.startedMs ? node.rec.startedMs : node.rec.firstSeenMs;
  event.finishedMs = now;
  event.facts = node.rec.facts.is_object() ? node.rec.facts : Json::object();
  event.steps = node.steps;
  metrics_.countEvent(std::string(notifiers::kindName(kind)));
  events_.publish(event);
}

void Engine::advance(const std::string& identity, Lock& lock) {
  Runtime& node = nodes_.at(identity);
  for (;;) {
    std::int64_t now = util::nowMs();
    if (stopping_) break;
    Plan next = plan(node, now);
    if (next.kind == Plan::Kind::Stop) break;
    if (next.kind == Plan::Kind::Inline) continue;
    // Enrolment records an intent too: after a restart its row reads interrupted.
    bool isStep = next.call == CallKind::Step || next.call == CallKind::Enrol;
    if (isStep) {
      node.rec.intent = Intent{next.attempt.step, next.attempt.attempt, next.attempt.id, now};
    }
    store_.putAttempt(next.attempt);
    record(node, now);
    ++callsUnderway_;
    lock.unlock();
    std::vector<CallReply> replies;
    EnrolmentResult enrolment;
    std::string unsent;
    try {
      // The intent must be on disk before the call can have any effect.
      if (isStep) store_.sync();
    } catch (const StoreError& e) {
      unsent = std::string("not sent: ") + e.what();
    }
    if (unsent.empty() && next.call == CallKind::Enrol) enrolment = runEnrolment(next);
    else if (unsent.empty()) unsent = runLookup(next);
    if (unsent.empty() && next.call != CallKind::Enrol) replies = executor_.call(next.request);
    lock.lock();
    --callsUnderway_;
    idle_.notify_all();
    now = util::nowMs();
    if (next.call == CallKind::Enrol) {
      if (!unsent.empty()) enrolment = {"retry", unsent, Json::object()};
      applyEnrolment(node, next, enrolment, now);
      continue;
    }
    if (!unsent.empty()) {
      notSent(node, next, unsent, now);
      continue;
    }
    applyReply(node, next, replies, next.attempt.startedMs, now);
  }
  node.busy = false;
}

Engine::Plan Engine::plan(Runtime& node, std::int64_t now) {
  NodeRecord& r = node.rec;
  Plan next;
  if (r.state != NodeState::Running || !node.inFlight || node.nextAtMs > now) return next;
  if (node.claimLost) {
    note(node, "claim", "lost", "another provisioner holds the claim now", now);
    r.claimed = false;
    leaveFlight(node, NodeState::ClaimedElsewhere, now);
    return next;
  }
  if (node.holdRequested && !node.leaving) node.leaving = NodeState::Held;
  next.kind = Plan::Kind::Call;
  if (node.leaving) {
    if (!r.claimed) {
      leaveFlight(node, *node.leaving, now);
      next.kind = Plan::Kind::Stop;
      return next;
    }
    next.call = CallKind::Release;
    next.request = {flow_.claim.agent, flow_.claim.releaseAction, Json{{"owner", options_.owner}},
                    {r.identity}, flow_.claim.timeout};
    next.request.acceptUnsigned = r.enrolment == Enrolment::Required;
    next.attempt = newAttempt(node, "release", now);
    next.attempt.attempt = 1;
    next.attempt.target = r.identity;
    return next;
  }
  if (!r.claimed) {
    next.call = CallKind::Claim;
    next.request = {flow_.claim.agent, flow_.claim.claimAction,
                    Json{{"owner", options_.owner}, {"lease_seconds", options_.lease.count() / 1000}},
                    {r.identity}, flow_.claim.timeout};
    next.request.acceptUnsigned = r.enrolment == Enrolment::Required;
    next.attempt = newAttempt(node, "claim", now);
    next.attempt.attempt = node.claimAttempts + 1;
    next.attempt.target = r.identity;
    return next;
  }
  if (r.enrolment == Enrolment::Required) {
    if (std::string blocked = enrolmentBlocked(); !blocked.empty()) {
      note(node, "enrol", "waiting", blocked, now);
      node.waitReason = blocked;
      node.leaving = NodeState::Waiting;
      next.kind = Plan::Kind::Inline;
      return next;
    }
    // Claimed first, so only one provisioner of an HA pair signs for the node.
    next.call = CallKind::Enrol;
    next.request = {kEnrolmentAgent, "enrol", Json::object(), {r.identity}, flow_.claim.timeout};
    next.request.acceptUnsigned = true;
    next.attempt = newAttempt(node, "enrol", now);
    next.attempt.attempt = node.claimAttempts + 1;
    next.attempt.target = r.identity;
    next.issued = newAttempt(node, "certificate_issued", now);
    next.issued.attempt = next.attempt.attempt;
    next.issued.target = r.identity;
    return next;
  }
  const Probe* probe = nullptr;
  if (!r.checked) {
    if (!flow_.alreadyProvisioned) {
      r.checked = true;
      next.kind = Plan::Kind::Inline;
      return next;
    }
    probe = &*flow_.alreadyProvisioned;
    next.call = CallKind::Probe;
    next.attempt = newAttempt(node, "already_provisioned", now);
    next.attempt.attempt = node.claimAttempts + 1;
  } else if (r.step >= flow_.steps.size()) {
    node.leaving = NodeState::Provisioned;
    next.kind = Plan::Kind::Inline;
    return next;
  } else {
    const Step& step = flow_.steps[r.step];
    if (step.kind != StepKind::Action) {
      inlineStep(node, now);
      next.kind = Plan::Kind::Inline;
      return next;
    }
    if (r.reconcile && step.verify) {
      probe = &*step.verify;
      next.call = CallKind::Verify;
      next.attempt = newAttempt(node, step.name + ".verify", now);
    } else {
      r.reconcile = false;
      next.call = CallKind::Step;
      next.attempt = newAttempt(node, step.name, now);
    }
  }
  const ActionCall& call = probe ? probe->call : flow_.steps[r.step].call;
  const std::optional<ActionCall>& lookup = probe ? probe->lookup : flow_.steps[r.step].lookup;
  std::chrono::milliseconds timeout =
      next.call == CallKind::Probe ? flow_.claim.timeout : flow_.steps[r.step].timeout;
  next.request = {call.agent, call.action, Json::object(), targets(node, call.target, now), timeout};
  next.attempt.target = joined(next.request.nodes);
  try {
    Json ctx = context(node);
    if (lookup) {
      next.lookup = CallRequest{lookup->agent, lookup->action, render(lookup->args, ctx),
                                targets(node, lookup->target, now), timeout};
      next.pendingArgs = call.args;
      next.context = std::move(ctx);
    } else {
      next.request.args = render(call.args, ctx);
    }
  } catch (const TemplateError& e) {
    next.attempt.finishedMs = now;
    next.attempt.outcome = "retry";
    next.attempt.error = std::string("arguments: ") + e.what();
    store_.putAttempt(next.attempt);
    stepFailed(node, next.attempt.error, now);
    next.kind = Plan::Kind::Inline;
    return next;
  }
  if (next.request.nodes.empty()) {
    // all_masters with no healthy master: nothing to call, nothing left on them to undo.
    next.attempt.finishedMs = now;
    next.attempt.outcome = "done";
    next.attempt.error = "no healthy master to call";
    store_.putAttempt(next.attempt);
    r.step += 1;
    r.attempt = 0;
    r.stepName = r.step < flow_.steps.size() ? flow_.steps[r.step].name : "";
    record(node, now);
    next.kind = Plan::Kind::Inline;
  }
  return next;
}

void Engine::inlineStep(Runtime& node, std::int64_t now) {
  NodeRecord& r = node.rec;
  const Step& step = flow_.steps[r.step];
  if (step.kind == StepKind::PickMaster) {
    if (r.master.empty() || !masters_.healthy(r.master, now)) {
      r.master.clear();
      auto chosen = chooseMaster(node, now);
      if (!chosen) {
        note(node, step.name, "waiting", node.waitReason, now);
        node.leaving = NodeState::Waiting;
        return;
      }
      r.master = *chosen;
    }
    if (node.slotMaster != r.master) moveSlot(node, r.master);
    const MasterState* master = masters_.find(r.master);
    std::size_t rank = matchRank(r.facts, master ? master->facts : Json::object(), options_.masterFacts);
    std::string why = rank < options_.masterFacts.size()
                          ? "same " + options_.masterFacts[rank]
                          : "no fact in common: least busy master";
    AttemptRecord row = newAttempt(node, step.name, now);
    row.finishedMs = now;
    row.target = r.master;
    row.outcome = "done";
    row.data = {{"master", r.master}, {"reason", why}};
    store_.putAttempt(row);
    finishStep(node, step.name, 0, true, "");
    logger()->info("node={} master={} chosen ({})", r.identity, r.master, why);
  } else {
    notify(notifiers::EventKind::Provisioned, node, "", now);
    note(node, step.name, "done", "", now);
  }
  r.step += 1;
  r.attempt = 0;
  r.stepName = r.step < flow_.steps.size() ? flow_.steps[r.step].name : "";
  record(node, now);
}

std::optional<std::string> Engine::issuedBefore(const std::string& identity) {
  try {
    auto rows = store_.history(identity, 1000);
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->step == "certificate_issued" && it->data.contains("certificate") &&
          it->data["certificate"].is_string()) {
        return it->data["certificate"].get<std::string>();
      }
    }
  } catch (const StoreError& e) {
    logger()->warn("node={}: cannot read its history: {}", identity, e.what());
  }
  return std::nullopt;
}

// Runs without the engine's lock: two calls to the node and the CA's signature.
Engine::EnrolmentResult Engine::runEnrolment(Plan& plan) {
  const std::string identity = plan.request.nodes.front();
  CallReply enrol = executor_.call(plan.request).front();
  if (!enrol.replied) return {"retry", "provision#enrol: " + describe(enrol), Json::object()};
  if (!enrol.status.ok()) return {"fail", "provision#enrol refused: " + describe(enrol), Json::object()};
  if (enrol.data.value("enrolled", false)) {
    if (!enrol.verified) {
      return {"fail", "provision#enrol: " + identity +
                          " says it is enrolled but its reply is not signed by its certificate",
              Json::object()};
    }
    return {"already_enrolled", "", Json::object()};
  }
  std::string csr = enrol.data.value("csr", "");
  std::string proof = enrol.data.value("proof", "");
  if (csr.empty() || proof.empty() || enrol.requestId.empty()) {
    return {"fail", "provision#enrol: the reply of " + identity + " lacks its csr or proof",
            Json::object()};
  }
  IssuedIdentity issued;
  try {
    issued = enroller_->certify(identity, enrol.requestId, csr, proof, issuedBefore(identity),
                                util::nowMs());
  } catch (const Enroller::Refused& e) {
    return {"fail", e.what(), Json{{"refused", true}}};
  } catch (const std::exception& e) {
    return {"fail", std::string("no certificate issued: ") + e.what(), Json::object()};
  }
  Json summary{{"fingerprint", issued.fingerprint}, {"token", issued.tokenSource},
               {"reused", issued.reused}};
  // On disk before it leaves: a restart re-uses it instead of asking the CA twice.
  plan.issued.finishedMs = util::nowMs();
  plan.issued.outcome = issued.reused ? "reused" : "issued";
  plan.issued.data = summary;
  plan.issued.data["certificate"] = issued.certificatePem;
  store_.putAttempt(plan.issued);
  try {
    store_.sync();
  } catch (const StoreError& e) {
    return {"retry", std::string("certificate not kept, so not installed: ") + e.what(), summary};
  }
  CallRequest install{kEnrolmentAgent, "install_certificate",
                      Json{{"certificate", issued.certificatePem}}, {identity}, plan.request.timeout};
  install.acceptUnsigned = true;
  CallReply installed = executor_.call(install).front();
  if (!installed.replied) {
    return {"retry", "provision#install_certificate: " + describe(installed), summary};
  }
  if (!installed.status.ok()) {
    return {"fail", "provision#install_certificate refused: " + describe(installed), summary};
  }
  summary["reply_signed"] = installed.verified;
  return {"enrolled", "", summary};
}

std::string Engine::runLookup(Plan& plan) {
  if (!plan.lookup) return "";
  const CallRequest& ask = *plan.lookup;
  CallReply reply = executor_.call(ask).front();
  const std::string what = "lookup " + ask.agent + "#" + ask.action + " ";
  if (!reply.replied || !reply.status.ok()) {
    return what + "failed, call not made: " + describe(reply);
  }
  plan.context["lookup"] = reply.data;
  try {
    plan.request.args = render(plan.pendingArgs, plan.context);
  } catch (const TemplateError& e) {
    return std::string("arguments: ") + e.what();
  }
  logger()->debug("node={} {}{} answered {}", plan.attempt.identity, what, reply.node,
                  reply.data.dump());
  return "";
}

void Engine::notSent(Runtime& node, Plan& plan, const std::string& error, std::int64_t now) {
  // A verify that could not be asked leaves the interrupted call's intent in place.
  if (!node.rec.reconcile) node.rec.intent.reset();
  plan.attempt.finishedMs = now;
  plan.attempt.outcome = "retry";
  plan.attempt.error = error;
  store_.putAttempt(plan.attempt);
  stepFailed(node, error, now, now - plan.attempt.startedMs);
}

void Engine::applyEnrolment(Runtime& node, const Plan& plan, const EnrolmentResult& result,
                            std::int64_t now) {
  NodeRecord& r = node.rec;
  AttemptRecord attempt = plan.attempt;
  attempt.finishedMs = now;
  attempt.outcome = result.outcome;
  attempt.error = result.error;
  attempt.data = result.data;
  r.intent.reset();
  store_.putAttempt(attempt);
  metrics_.observeStep("enrol", result.outcome,
                       static_cast<double>(now - attempt.startedMs) / 1000.0);
  std::int64_t ms = now - attempt.startedMs;
  if (result.outcome == "enrolled" || result.outcome == "already_enrolled") {
    finishStep(node, "enrol", ms, true, "");
    logger()->info("node={} {}", r.identity,
                   result.outcome == "enrolled" ? "enrolled: it signs with its own certificate now"
                                                : "is enrolled already");
    r.enrolment = Enrolment::Enrolled;
    node.claimAttempts = 0;
    record(node, now);
    return;
  }
  if (result.outcome == "retry" && ++node.claimAttempts <= flow_.claim.retries) {
    node.retriedMs["enrol"] += ms;
    logger()->info("node={} enrolment attempt {} failed, retrying: {}", r.identity,
                   node.claimAttempts, result.error);
    record(node, now);
    schedule(node, now + flow_.claim.backoff.delay(node.claimAttempts).count());
    return;
  }
  r.lastError = "enrol: " + result.error;
  finishStep(node, "enrol", ms, false, result.error);
  logger()->warn("node={} enrolment failed: {}", r.identity, result.error);
  notify(notifiers::EventKind::Failed, node, r.lastError, now, "enrol");
  node.leaving = NodeState::Failed;
  record(node, now);
}

void Engine::applyReply(Runtime& node, const Plan& plan, const std::vector<CallReply>& replies,
                        std::int64_t started, std::int64_t now) {
  NodeRecord& r = node.rec;
  AttemptRecord attempt = plan.attempt;
  attempt.finishedMs = now;
  double seconds = static_cast<double>(now - started) / 1000.0;
  const CallReply& first = replies.front();
  if (plan.call == CallKind::Step) {
    applyStep(node, plan, replies, attempt, now);
    metrics_.observeStep(attempt.step, attempt.outcome, seconds);
    return;
  }
  attempt.data = first.data;
  attempt.error = first.replied && first.status.ok() ? "" : describe(first);
  switch (plan.call) {
    case CallKind::Release:
      attempt.outcome = first.replied && first.status.ok() ? "done" : "failed";
      if (attempt.outcome != "done") {
        logger()->warn("node={} release failed ({}); its lease runs out on its own", r.identity,
                       attempt.error);
      }
      r.claimed = false;
      break;
    case CallKind::Claim:
      if (granted(first)) {
        attempt.outcome = "granted";
        r.claimed = true;
        node.claimAttempts = 0;
        if (r.startedMs == 0) r.startedMs = now;
        node.renewAtMs = now + options_.lease.count() / 3;
        renewals_.emplace(node.renewAtMs, r.identity);
        schedulerWake_.notify_one();
      } else if (first.replied) {
        attempt.outcome = "refused";
        logger()->info("node={} is claimed elsewhere: {}", r.identity, attempt.error);
        store_.putAttempt(attempt);
        metrics_.observeStep(attempt.step, attempt.outcome, seconds);
        leaveFlight(node, NodeState::ClaimedElsewhere, now);
        return;
      } else {
        attempt.outcome = "retry";
      }
      break;
    case CallKind::Probe:
      if (first.replied) {
        r.checked = true;
        node.claimAttempts = 0;
        bool done = first.status.ok() && matches(flow_.alreadyProvisioned->when, first.data);
        attempt.outcome = done ? "provisioned" : "not_provisioned";
        if (done) {
          logger()->info("node={} is provisioned already", r.identity);
          node.leaving = NodeState::Provisioned;
        }
      } else {
        attempt.outcome = "retry";
      }
      break;
    case CallKind::Verify:
      if (first.replied && first.status.ok() &&
          matches(flow_.steps[r.step].verify->when, first.data)) {
        attempt.outcome = "verified";
        finishStep(node, flow_.steps[r.step].name, now - started, true, "");
        r.step += 1;
        r.attempt = 0;
        r.reconcile = false;
        r.intent.reset();
        r.stepName = r.step < flow_.steps.size() ? flow_.steps[r.step].name : "";
      } else if (first.replied && first.status.ok()) {
        // The interrupted call had no effect: make it again. Its intent stays until the
        // new call's replaces it, so a crash in between verifies again.
        attempt.outcome = "not_done";
        r.reconcile = false;
      } else if (first.replied) {
        // An error is no proof either way (the CA down, say): ask again later.
        attempt.outcome = "retry";
        attempt.error = describe(first);
      } else {
        attempt.outcome = "retry";
      }
      break;
    case CallKind::Step:
    case CallKind::Enrol: break;  // applyStep, applyEnrolment
  }
  store_.putAttempt(attempt);
  metrics_.observeStep(attempt.step, attempt.outcome, seconds);
  record(node, now);
  if (attempt.outcome != "retry") return;
  if (plan.call == CallKind::Verify) {
    stepFailed(node, attempt.error, now, now - started);
    return;
  }
  // Claim or probe without an answer: the node may be down.
  ++node.claimAttempts;
  if (node.claimAttempts > flow_.claim.retries) {
    r.lastError = plan.call == CallKind::Claim ? "node did not answer its claim: " + attempt.error
                                               : "node did not answer the already_provisioned probe: " + attempt.error;
    notify(notifiers::EventKind::Failed, node, r.lastError, now);
    node.leaving = NodeState::Failed;
    return;
  }
  schedule(node, now + flow_.claim.backoff.delay(node.claimAttempts).count());
}

void Engine::applyStep(Runtime& node, const Plan& plan, const std::vector<CallReply>& replies,
                       AttemptRecord& attempt, std::int64_t now) {
  NodeRecord& r = node.rec;
  const Step& step = flow_.steps[r.step];
  // The gravest verdict of all replies wins: fail, then redo, then retry.
  auto gravity = [](Verdict v) {
    return v == Verdict::Fail ? 3 : v == Verdict::Redo ? 2 : v == Verdict::Retry ? 1 : 0;
  };
  Verdict overall = Verdict::Done;
  std::string redoFrom;
  std::string errors;
  Json data = Json::object();
  for (const auto& reply : replies) {
    if (step.call.target != Target::Node) {
      if (masterUp(reply)) masters_.answered(reply.node);
      else masters_.failed(reply.node, now);
    }
    const OutcomeRule* rule = matchingRule(step.outcomes, reply.outcome(), reply.data);
    Verdict verdict = rule ? rule->verdict : judge({}, reply.outcome(), reply.data);
    if (verdict != Verdict::Done) errors += (errors.empty() ? "" : "; ") + describe(reply);
    if (gravity(verdict) > gravity(overall)) {
      overall = verdict;
      if (verdict == Verdict::Redo) redoFrom = rule->from;
    }
    data[reply.node] = reply.data;
  }
  if (overall == Verdict::Redo && node.redos >= flow_.redoLimit) {
    errors += " (went back to step " + redoFrom + " " + std::to_string(node.redos) +
              " time(s) already: redo_limit)";
    overall = Verdict::Fail;
  }
  attempt.data = replies.size() == 1 ? replies.front().data : data;
  attempt.outcome = toString(overall);
  attempt.error = errors;
  r.intent.reset();
  store_.putAttempt(attempt);
  (void)plan;
  std::int64_t ms = now - attempt.startedMs;
  if (overall == Verdict::Done) {
    finishStep(node, step.name, ms, true, "");
    logger()->debug("node={} step={} done", r.identity, step.name);
    r.step += 1;
    r.attempt = 0;
    r.reconcile = false;
    r.stepName = r.step < flow_.steps.size() ? flow_.steps[r.step].name : "";
    record(node, now);
    return;
  }
  if (overall == Verdict::Redo) {
    redo(node, redoFrom, step.name + ": " + errors, now, ms);
    return;
  }
  if (overall == Verdict::Fail) {
    finishStep(node, step.name, ms, false, errors);
    r.attempt += 1;  // the attempt that failed, for the notification
    r.lastError = step.name + ": " + errors;
    logger()->warn("node={} step={} failed: {}", r.identity, step.name, errors);
    notify(notifiers::EventKind::Failed, node, r.lastError, now);
    node.leaving = NodeState::Failed;
    record(node, now);
    return;
  }
  stepFailed(node, step.name + ": " + errors, now, ms);
}

void Engine::redo(Runtime& node, const std::string& from, const std::string& error,
                  std::int64_t now, std::int64_t attemptMs) {
  NodeRecord& r = node.rec;
  ++node.redos;
  node.retriedMs[r.stepName] += attemptMs;
  logger()->warn("node={} step={} goes back to step {} ({} of {}): {}", r.identity, r.stepName,
                 from, node.redos, flow_.redoLimit, error);
  r.lastError = error;
  notify(notifiers::EventKind::Retried, node, "back to step " + from + ": " + error, now);
  r.step = *flow_.indexOf(from);  // the flow parser checked it names a step
  r.stepName = from;
  r.attempt = 0;
  r.reconcile = false;
  if (pickIndex_ && r.step <= *pickIndex_) r.master.clear();
  record(node, now);
}

bool Engine::rewindIfMasterLost(Runtime& node, std::int64_t now) {
  NodeRecord& r = node.rec;
  if (!pickIndex_ || r.master.empty() || r.step <= *pickIndex_ || masters_.healthy(r.master, now)) {
    return false;
  }
  note(node, r.stepName, "master_lost", "master " + r.master + " stopped answering; choosing again", now);
  logger()->warn("node={} master={} lost at step {}; choosing another", r.identity, r.master, r.stepName);
  r.master.clear();
  r.step = *pickIndex_;
  r.stepName = flow_.steps[r.step].name;
  r.attempt = 0;
  r.reconcile = false;
  r.intent.reset();
  record(node, now);
  return true;
}

void Engine::stepFailed(Runtime& node, const std::string& error, std::int64_t now,
                        std::int64_t attemptMs) {
  NodeRecord& r = node.rec;
  r.lastError = error;
  if (!r.reconcile) r.intent.reset();  // an unsettled interrupted call keeps its intent
  if (rewindIfMasterLost(node, now)) return;
  const Step& step = flow_.steps[r.step];
  r.attempt += 1;
  if (r.attempt > step.retries) {
    finishStep(node, step.name, attemptMs, false, error);
    logger()->warn("node={} step={} failed after {} attempt(s): {}", r.identity, step.name,
                   r.attempt, error);
    notify(notifiers::EventKind::Failed, node, error, now);
    node.leaving = NodeState::Failed;
    record(node, now);
    return;
  }
  node.retriedMs[step.name] += attemptMs;
  auto delay = step.backoff.delay(r.attempt);
  logger()->info("node={} step={} attempt {} failed, retrying in {} ms: {}", r.identity, step.name,
                 r.attempt, delay.count(), error);
  notify(notifiers::EventKind::Retried, node, error, now);
  record(node, now);
  schedule(node, now + delay.count());
}

}  // namespace drover::provisioner
