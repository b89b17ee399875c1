// NodeMachine: the calls a node makes and what each kind of reply means for it.
#include "provisioner/node_machine.hpp"

namespace drover::provisioner {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

bool okReply(const CallReply& reply) { return reply.replied && reply.status.ok(); }

// provision#claim answers OK with granted: true; a claim held by another is status 1.
bool granted(const CallReply& reply) {
  return okReply(reply) && !(reply.data.contains("granted") && reply.data["granted"] != true);
}

// A step's replies together: the gravest verdict wins (fail, then redo, then retry).
struct StepVerdict {
  Verdict verdict = Verdict::Done;
  std::string redoFrom;
  std::string errors;
  Json data = Json::object();  // by node
};

int gravity(Verdict v) {
  return v == Verdict::Fail ? 3 : v == Verdict::Redo ? 2 : v == Verdict::Retry ? 1 : 0;
}

StepVerdict judgeReplies(const Step& step, const std::vector<CallReply>& replies) {
  StepVerdict out;
  for (const auto& reply : replies) {
    const OutcomeRule* rule = matchingRule(step.outcomes, reply.outcome(), reply.data);
    Verdict verdict = rule ? rule->verdict : judge({}, reply.outcome(), reply.data);
    if (verdict != Verdict::Done) out.errors += (out.errors.empty() ? "" : "; ") + describe(reply);
    if (gravity(verdict) > gravity(out.verdict)) {
      out.verdict = verdict;
      if (verdict == Verdict::Redo) out.redoFrom = rule->from;
    }
    out.data[reply.node] = reply.data;
  }
  return out;
}

Outcome outcomeOf(Verdict verdict) {
  switch (verdict) {
    case Verdict::Done: return Outcome::Done;
    case Verdict::Retry: return Outcome::Retry;
    case Verdict::Fail: return Outcome::Fail;
    case Verdict::Redo: return Outcome::Redo;
  }
  return Outcome::Retry;
}

}  // namespace

std::string describe(const CallReply& reply) {
  if (!reply.replied) {
    return reply.node + ": no reply" +
           (reply.status.message.empty() ? "" : " (" + reply.status.message + ")");
  }
  return reply.node + ": " +
         (reply.status.message.empty()
              ? "status " + std::to_string(static_cast<int>(reply.status.code))
              : reply.status.message);
}

const std::vector<NodeMachine::CallKindRow>& NodeMachine::callKinds() {
  // durable: the intent is on disk before the call goes out (a restart verifies it).
  static const std::vector<CallKindRow> rows{
      {CallKind::Claim, false, &NodeMachine::onClaimReply},
      {CallKind::Probe, false, &NodeMachine::onProbeReply},
      {CallKind::Verify, false, &NodeMachine::onVerifyReply},
      {CallKind::Step, true, &NodeMachine::onStepReply},
      {CallKind::Release, false, &NodeMachine::onReleaseReply},
      {CallKind::Enrol, true, &NodeMachine::onEnrolReply},
  };
  return rows;
}

const NodeMachine::CallKindRow& NodeMachine::rowOf(CallKind kind) {
  return callKinds()[static_cast<std::size_t>(kind)];
}

CallRequest NodeMachine::claimRequest(const NodeRecord& record) const {
  CallRequest request{
      flow_.claim.agent,
      flow_.claim.claimAction,
      Json{{"owner", settings_.owner}, {"lease_seconds", settings_.lease.count() / 1000}},
      {record.identity},
      flow_.claim.timeout};
  request.acceptUnsigned = record.enrolment == Enrolment::Required;
  return request;
}

CallRequest NodeMachine::enrolRequest(const NodeRecord& record) const {
  CallRequest request{"provision", "enrol", Json::object(), {record.identity}, flow_.claim.timeout};
  request.acceptUnsigned = true;
  return request;
}

void NodeMachine::send(Turn& t, CallKind kind, CallPlan plan, Attempt attempt,
                       std::optional<Attempt> issued) {
  NodeFlow& n = t.node;
  bool durable = rowOf(kind).durable;
  if (durable) n.record.intent = Intent{attempt.step, attempt.attempt, attempt.id, t.now};
  n.call = PendingCall{kind, attempt};
  n.phase = Phase::Calling;
  t.emit(SaveAttempt{attempt});
  save(t);
  t.emit(SendCall{kind, std::move(plan), durable, std::move(issued)});
}

void NodeMachine::sendFlowCall(Turn& t, CallKind kind, const ActionCall& call,
                               const std::optional<ActionCall>& lookup,
                               std::chrono::milliseconds timeout, Attempt attempt) {
  CallPlan plan = planFor(t.node, call, lookup, timeout, t.now);
  plan.toMasters = kind == CallKind::Step && call.target != Target::Node;
  attempt.target = joined(plan.request.nodes);
  if (!plan.request.nodes.empty() || kind == CallKind::Probe) {
    return send(t, kind, std::move(plan), attempt);
  }
  // all_masters with no healthy master: nothing to call, nothing left on them to undo.
  NodeRecord& r = t.node.record;
  attempt.finishedMs = t.now;
  attempt.error = "no healthy master to call";
  t.emit(SaveAttempt{attempt});
  moveToStep(r, r.step + 1);
  r.reconcile = false;
  r.intent.reset();
  save(t);
}

CallPlan NodeMachine::planFor(const NodeFlow& node, const ActionCall& call,
                              const std::optional<ActionCall>& lookup,
                              std::chrono::milliseconds timeout, std::int64_t now) const {
  CallPlan plan;
  plan.request = {call.agent, call.action, call.args, targets(node, call.target, now), timeout};
  if (lookup) {
    plan.lookup = CallRequest{lookup->agent, lookup->action, lookup->args,
                              targets(node, lookup->target, now), timeout};
  }
  plan.context = context(node);
  plan.render = true;
  return plan;
}

Json NodeMachine::context(const NodeFlow& node) const {
  const NodeRecord& r = node.record;
  Json ctx{{"node", {{"identity", r.identity}, {"facts", r.facts}}},
           {"provisioner", {{"identity", settings_.owner}}}};
  // Unset until named, so `{{node.fqdn || node.identity}}` falls back.
  if (!r.name.empty()) ctx["node"]["name"] = r.name;
  if (!r.fqdn.empty()) ctx["node"]["fqdn"] = r.fqdn;
  if (!r.master.empty()) {
    const MasterState* master = masters_.find(r.master);
    ctx["master"] = {{"identity", r.master}, {"facts", master ? master->facts : Json::object()}};
  }
  return ctx;
}

std::vector<std::string> NodeMachine::targets(const NodeFlow& node, Target target,
                                              std::int64_t now) const {
  switch (target) {
    case Target::Node: return {node.record.identity};
    case Target::Master: return {node.record.master};
    case Target::AllMasters: {
      std::vector<std::string> names;
      for (const auto& candidate : masters_.candidates(now)) names.push_back(candidate.identity);
      return names;
    }
  }
  return {};
}

// ---- replies ------------------------------------------------------------------------

void NodeMachine::on(Turn& t, const CallReplied& e) {
  NodeFlow& n = t.node;
  if (!n.call || n.call->kind == CallKind::Enrol || e.replies.empty()) return;
  PendingCall call = *n.call;
  n.call.reset();
  n.phase = Phase::Idle;
  Attempt a = call.attempt;
  a.finishedMs = t.now;
  const CallReply& first = e.replies.front();
  a.data = first.data;
  timeAgents(a, e);
  a.error = okReply(first) ? "" : describe(first);
  (this->*rowOf(call.kind).onReply)(t, a, e.replies);
  goOn(t);
}

// The nodes called at once work side by side: the longest of them is what the step
// waited for. The lookup came first, so its time adds.
void NodeMachine::timeAgents(Attempt& a, const CallReplied& e) {
  std::uint64_t queuedUs = 0, actionUs = 0, programUs = 0;
  for (const auto& reply : e.replies) {
    queuedUs = std::max(queuedUs, reply.timing.queuedUs);
    actionUs = std::max(actionUs, reply.timing.actionUs);
    programUs = std::max(programUs, reply.timing.programUs);
  }
  auto ms = [](std::uint64_t us) { return static_cast<std::int64_t>((us + 500) / 1000); };
  a.queuedMs = ms(queuedUs + e.lookup.queuedUs);
  a.agentMs = ms(actionUs + e.lookup.actionUs);
  a.programMs = ms(programUs + e.lookup.programUs);
}

void NodeMachine::closeAttempt(Turn& t, Attempt& a, Outcome outcome) {
  a.outcome = outcome;
  t.emit(SaveAttempt{a});
  t.emit(Measure{a.step, outcome, static_cast<double>(t.now - a.startedMs) / 1000.0});
}

void NodeMachine::onClaimReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  NodeFlow& n = t.node;
  const CallReply& reply = replies.front();
  if (granted(reply)) {
    closeAttempt(t, a, Outcome::Granted);
    std::string from = reply.data.is_object() ? reply.data.value("taken_over_from", "") : "";
    if (!from.empty() && from != settings_.owner) {
      log(t, LogLevel::Info,
          "claim taken over from " + from +
              ", which stopped mid-flow: what it did is verified before anything is repeated");
      n.takingOver = true;
      n.takeoverBelow = flow_.steps.size();
    }
    n.record.claimed = true;
    n.claimAttempts = 0;
    if (n.record.startedMs == 0) n.record.startedMs = t.now;
    t.emit(RenewLeaseAt{t.now + settings_.lease.count() / 3});
    return save(t);
  }
  if (reply.replied) {
    log(t, LogLevel::Info, "is claimed elsewhere: " + a.error);
    closeAttempt(t, a, Outcome::Refused);
    return leaveFlight(t, NodeState::ClaimedElsewhere);
  }
  closeAttempt(t, a, Outcome::Retry);
  save(t);
  claimNotAnswered(t, CallKind::Claim, a.error);
}

void NodeMachine::onProbeReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  NodeFlow& n = t.node;
  const CallReply& reply = replies.front();
  if (!reply.replied) {
    closeAttempt(t, a, Outcome::Retry);
    save(t);
    return claimNotAnswered(t, CallKind::Probe, a.error);
  }
  n.record.checked = true;
  n.claimAttempts = 0;
  bool done = reply.status.ok() && matches(flow_.alreadyProvisioned->when, reply.data);
  if (done) {
    log(t, LogLevel::Info, "is provisioned already");
    n.leaving = NodeState::Provisioned;
  }
  closeAttempt(t, a, done ? Outcome::Provisioned : Outcome::NotProvisioned);
  save(t);
}

// Claim or probe without an answer: the node may be down.
void NodeMachine::claimNotAnswered(Turn& t, CallKind kind, const std::string& error) {
  NodeFlow& n = t.node;
  if (++n.claimAttempts <= flow_.claim.retries) {
    return backOff(t, t.now + flow_.claim.backoff.delay(n.claimAttempts).count());
  }
  n.record.lastError = kind == CallKind::Claim
                           ? "node did not answer its claim: " + error
                           : "node did not answer the already_provisioned probe: " + error;
  notify(t, notifiers::EventKind::Failed, n.record.lastError);
  n.leaving = NodeState::Failed;
}

void NodeMachine::onTakeoverVerify(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  std::size_t j = *n.verifying;
  n.verifying.reset();
  const Step& step = flow_.steps[j];
  const CallReply& reply = replies.front();
  if (okReply(reply) && matches(step.verify->when, reply.data)) {
    closeAttempt(t, a, Outcome::Verified);
    log(t, LogLevel::Info, "taken over after step " + step.name + ", verified done");
    finishStep(n, step.name, t.now - a.startedMs, true, "");
    moveToStep(r, j + 1);
    n.takingOver = false;
    return save(t);
  }
  if (okReply(reply)) {
    closeAttempt(t, a, Outcome::NotDone);
    n.takeoverBelow = j;  // ask the step before
    return save(t);
  }
  // No proof either way (the master down, say): nothing is repeated until there is.
  closeAttempt(t, a, Outcome::Retry);
  save(t);
  stepFailed(t, a.error, t.now - a.startedMs);
}

void NodeMachine::onVerifyReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  if (t.node.verifying) return onTakeoverVerify(t, a, replies);
  NodeRecord& r = t.node.record;
  const Step& step = flow_.steps[r.step];
  const CallReply& reply = replies.front();
  if (okReply(reply) && matches(step.verify->when, reply.data)) {
    closeAttempt(t, a, Outcome::Verified);
    finishStep(t.node, step.name, t.now - a.startedMs, true, "");
    moveToStep(r, r.step + 1);
    r.reconcile = false;
    r.intent.reset();
    return save(t);
  }
  if (okReply(reply)) {
    // The interrupted call had no effect: make it again. Its intent stays until the
    // new call's replaces it, so a crash in between verifies again.
    closeAttempt(t, a, Outcome::NotDone);
    r.reconcile = false;
    return save(t);
  }
  // No reply, or an error (the CA down, say): no proof either way; ask again later.
  closeAttempt(t, a, Outcome::Retry);
  save(t);
  stepFailed(t, a.error, t.now - a.startedMs);
}

void NodeMachine::onStepReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  NodeFlow& n = t.node;
  const Step& step = flow_.steps[n.record.step];
  StepVerdict v = judgeReplies(step, replies);
  if (v.verdict == Verdict::Redo && n.redos >= flow_.redoLimit) {
    v.errors += " (went back to step " + v.redoFrom + " " + std::to_string(n.redos) +
                " time(s) already: redo_limit)";
    v.verdict = Verdict::Fail;
  }
  a.data = replies.size() == 1 ? replies.front().data : v.data;
  a.error = v.errors;
  n.record.intent.reset();
  closeAttempt(t, a, outcomeOf(v.verdict));
  std::int64_t ms = t.now - a.startedMs;
  std::string error = step.name + ": " + v.errors;
  if (v.verdict == Verdict::Done && step.kind == StepKind::AssignName) {
    n.record.name = a.data.value("name", "");
    n.record.fqdn = a.data.value("fqdn", "");
  }
  switch (v.verdict) {
    case Verdict::Done: return stepDone(t, step.name, ms);
    case Verdict::Redo: return redo(t, v.redoFrom, error, ms);
    case Verdict::Fail: return stepFailsNow(t, v.errors, ms);
    case Verdict::Retry: return stepFailed(t, error, ms);
  }
}

void NodeMachine::onReleaseReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies) {
  bool ok = okReply(replies.front());
  if (!ok)
    log(t, LogLevel::Warn, "release failed (" + a.error + "); its lease runs out on its own");
  t.node.record.claimed = false;
  closeAttempt(t, a, ok ? Outcome::Done : Outcome::Failed);
  save(t);
}

// Enrolment is one exchange the driver runs (enrol, certify, install): EnrolmentEnded.
void NodeMachine::onEnrolReply(Turn&, Attempt&, const std::vector<CallReply>&) {}

void NodeMachine::on(Turn& t, const EnrolmentEnded& e) {
  NodeFlow& n = t.node;
  if (!n.call || n.call->kind != CallKind::Enrol) return;
  Attempt a = n.call->attempt;
  n.call.reset();
  n.phase = Phase::Idle;
  enrolmentEnded(t, a, e);
  goOn(t);
}

void NodeMachine::enrolmentEnded(Turn& t, Attempt a, const EnrolmentEnded& e) {
  NodeFlow& n = t.node;
  a.finishedMs = t.now;
  a.error = e.error;
  a.data = e.data;
  n.record.intent.reset();
  closeAttempt(t, a, e.outcome);
  std::int64_t ms = t.now - a.startedMs;
  if (e.outcome == Outcome::Enrolled || e.outcome == Outcome::AlreadyEnrolled) {
    finishStep(n, "enrol", ms, true, "");
    log(t, LogLevel::Info,
        e.outcome == Outcome::Enrolled ? "enrolled: it signs with its own certificate now"
                                       : "is enrolled already");
    n.record.enrolment = Enrolment::Enrolled;
    n.claimAttempts = 0;
    return save(t);
  }
  if (e.outcome == Outcome::Retry && ++n.claimAttempts <= flow_.claim.retries) {
    n.retriedMs["enrol"] += ms;
    log(t, LogLevel::Info,
        "enrolment attempt " + std::to_string(n.claimAttempts) + " failed, retrying: " + e.error);
    save(t);
    return backOff(t, t.now + flow_.claim.backoff.delay(n.claimAttempts).count());
  }
  n.record.lastError = "enrol: " + e.error;
  finishStep(n, "enrol", ms, false, e.error);
  log(t, LogLevel::Warn, "enrolment failed: " + e.error);
  notify(t, notifiers::EventKind::Failed, n.record.lastError, "enrol");
  n.leaving = NodeState::Failed;
  save(t);
}

void NodeMachine::on(Turn& t, const CallNotSent& e) {
  NodeFlow& n = t.node;
  if (!n.call) return;
  PendingCall call = *n.call;
  n.call.reset();
  n.phase = Phase::Idle;
  if (call.kind == CallKind::Enrol) {
    enrolmentEnded(t, call.attempt, EnrolmentEnded{Outcome::Retry, e.error});
    return goOn(t);
  }
  // A verify that could not be asked leaves the interrupted call's intent in place.
  if (!n.record.reconcile) n.record.intent.reset();
  Attempt a = call.attempt;
  a.finishedMs = t.now;
  a.outcome = Outcome::Retry;
  a.error = e.error;
  t.emit(SaveAttempt{a});
  stepFailed(t, e.error, t.now - a.startedMs);
  goOn(t);
}

void NodeMachine::on(Turn& t, const LeaseRenewed& e) {
  NodeFlow& n = t.node;
  if (n.record.state != NodeState::Running || !n.record.claimed) return;
  if (granted(e.reply)) return t.emit(RenewLeaseAt{t.now + settings_.lease.count() / 3});
  if (!e.reply.replied) {
    return t.emit(RenewLeaseAt{t.now + settings_.lease.count() / 6});  // silent: sooner
  }
  log(t, LogLevel::Warn, "lost its claim: " + e.reply.status.message);
  n.claimLost = true;
  n.timerAtMs = 0;
  if (n.phase == Phase::Calling) return;  // seen when the call is back
  n.phase = Phase::Idle;
  goOn(t);
}

}  // namespace drover::provisioner
