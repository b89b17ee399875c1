// NodeMachine: the events and the next move of a running node. Calls and their replies
// are in node_machine_calls.cpp, retries, redo, failure and leaving in
// node_machine_outcomes.cpp.
#include "provisioner/node_machine.hpp"

#include <algorithm>

namespace drover::provisioner {
namespace {

// A call whose arguments are fixed (claim, release, enrol): nothing to render.
CallPlan plainCall(CallRequest request) {
  CallPlan plan;
  plan.request = std::move(request);
  return plan;
}

}  // namespace

NodeMachine::NodeMachine(const Flow& flow, MachineSettings settings,
                         const MasterDirectory& masters, std::int64_t lastAttemptId)
    : flow_(flow),
      settings_(std::move(settings)),
      masters_(masters),
      pickIndex_(flow.pickMasterIndex()),
      lastAttemptId_(lastAttemptId) {}

const std::vector<NodeMachine::StepKindRow>& NodeMachine::stepKinds() {
  static const std::vector<StepKindRow> rows{
      {StepKind::Action, &NodeMachine::runAction},
      {StepKind::PickMaster, &NodeMachine::pickMaster},
      {StepKind::Notify, &NodeMachine::notifyStep},
  };
  return rows;
}

NodeFlow NodeMachine::newNode(const std::string& identity, std::int64_t now) const {
  NodeFlow node;
  node.record.identity = identity;
  node.record.firstSeenMs = now;
  node.record.updatedMs = now;
  node.record.stepName = flow_.steps.front().name;
  return node;
}

std::vector<Command> NodeMachine::handle(NodeFlow& node, const NodeEvent& event, std::int64_t now) {
  Turn t{node, now, {}};
  std::visit([&](const auto& e) { on(t, e); }, event);
  return std::move(t.out);
}

bool NodeMachine::wantsHistory(const NodeRecord& record) const {
  return record.state != NodeState::Provisioned && record.startedMs != 0;
}

// ---- the next move ------------------------------------------------------------------

void NodeMachine::goOn(Turn& t) {
  while (t.node.record.state == NodeState::Running && t.node.phase == Phase::Idle && nextMove(t)) {
  }
}

// Returns true when it settled something without a call and the node can go on.
bool NodeMachine::nextMove(Turn& t) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  if (n.claimLost) {
    note(t, "claim", Outcome::Lost, "another provisioner holds the claim now");
    r.claimed = false;
    leaveFlight(t, NodeState::ClaimedElsewhere);
    return false;
  }
  if (n.holdRequested && !n.leaving) n.leaving = NodeState::Held;
  if (n.leaving) return leave(t);
  if (!r.claimed) {
    Attempt a = newAttempt(t, "claim");
    a.attempt = n.claimAttempts + 1;
    a.target = r.identity;
    send(t, CallKind::Claim, plainCall(claimRequest(r)), a);
    return false;
  }
  if (r.enrolment == Enrolment::Required) return enrolOrWait(t);
  if (!r.checked) return probeOrSkip(t);
  if (r.step >= flow_.steps.size()) {
    n.leaving = NodeState::Provisioned;
    return true;
  }
  const Step& step = flow_.steps[r.step];
  for (const auto& row : stepKinds()) {
    if (row.kind == step.kind) return (this->*row.run)(t, step);
  }
  return false;
}

// Every way out of flight releases the claim first.
bool NodeMachine::leave(Turn& t) {
  NodeRecord& r = t.node.record;
  if (!r.claimed) {
    leaveFlight(t, *t.node.leaving);
    return false;
  }
  Attempt a = newAttempt(t, "release");
  a.attempt = 1;
  a.target = r.identity;
  CallPlan plan = plainCall({flow_.claim.agent, flow_.claim.releaseAction,
                             Json{{"owner", settings_.owner}}, {r.identity}, flow_.claim.timeout});
  plan.request.acceptUnsigned = r.enrolment == Enrolment::Required;
  send(t, CallKind::Release, std::move(plan), a);
  return false;
}

// Claimed first, so only one provisioner of an HA pair signs for the node.
bool NodeMachine::enrolOrWait(Turn& t) {
  NodeFlow& n = t.node;
  if (!settings_.enrolmentBlocked.empty()) {
    note(t, "enrol", Outcome::Waiting, settings_.enrolmentBlocked);
    n.waitReason = settings_.enrolmentBlocked;
    n.leaving = NodeState::Waiting;
    return true;
  }
  Attempt a = newAttempt(t, "enrol");
  a.attempt = n.claimAttempts + 1;
  a.target = n.record.identity;
  Attempt issued = newAttempt(t, "certificate_issued");
  issued.attempt = a.attempt;
  issued.target = a.target;
  send(t, CallKind::Enrol, plainCall(enrolRequest(n.record)), a, issued);
  return false;
}

bool NodeMachine::probeOrSkip(Turn& t) {
  if (!flow_.alreadyProvisioned) {
    t.node.record.checked = true;
    return true;
  }
  const Probe& probe = *flow_.alreadyProvisioned;
  Attempt a = newAttempt(t, "already_provisioned");
  a.attempt = t.node.claimAttempts + 1;
  sendFlowCall(t, CallKind::Probe, probe.call, probe.lookup, flow_.claim.timeout, a);
  return false;
}

bool NodeMachine::runAction(Turn& t, const Step& step) {
  NodeRecord& r = t.node.record;
  if (r.reconcile && step.verify) {
    sendFlowCall(t, CallKind::Verify, step.verify->call, step.verify->lookup, step.timeout,
                 newAttempt(t, step.name + ".verify"));
  } else {
    r.reconcile = false;
    sendFlowCall(t, CallKind::Step, step.call, step.lookup, step.timeout, newAttempt(t, step.name));
  }
  return t.node.phase != Phase::Calling;  // nobody to call: settled already
}

bool NodeMachine::pickMaster(Turn& t, const Step& step) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  if (r.master.empty() || !masters_.healthy(r.master, t.now)) {
    r.master.clear();
    auto chosen = chooseMaster(n, t.now);
    if (!chosen) {
      note(t, step.name, Outcome::Waiting, n.waitReason);
      n.leaving = NodeState::Waiting;
      return true;
    }
    r.master = *chosen;
  }
  t.emit(MoveSlot{r.master});
  const MasterState* master = masters_.find(r.master);
  std::size_t rank = matchRank(r.facts, master ? master->facts : Json::object(), settings_.masterFacts);
  std::string why = rank < settings_.masterFacts.size() ? "same " + settings_.masterFacts[rank]
                                                        : "no fact in common: least busy master";
  Attempt row = newAttempt(t, step.name);
  row.finishedMs = t.now;
  row.target = r.master;
  row.data = {{"master", r.master}, {"reason", why}};
  t.emit(SaveAttempt{row});
  finishStep(n, step.name, 0, true, "");
  log(t, LogLevel::Info, "master=" + r.master + " chosen (" + why + ")");
  moveToStep(r, r.step + 1);
  save(t);
  return true;
}

bool NodeMachine::notifyStep(Turn& t, const Step& step) {
  NodeRecord& r = t.node.record;
  notify(t, Notice::Provisioned, "provisioned against " + r.master);
  note(t, step.name, Outcome::Done, "");
  moveToStep(r, r.step + 1);
  save(t);
  return true;
}

// ---- events -------------------------------------------------------------------------

void NodeMachine::on(Turn& t, const Restored& e) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  n.known = true;
  restoreStep(t);
  restoreIntent(t);
  if (r.state == NodeState::Running) r.claimed = false;  // our lease may have run out meanwhile
  if (r.state == NodeState::Running || r.state == NodeState::ClaimedElsewhere) {
    r.state = NodeState::Waiting;
  }
  if (r.state != NodeState::Provisioned) rebuildSteps(t, e.history);
  if (r.state == NodeState::Waiting) enterQueue(t);
  t.emit(SaveNode{});
}

// The flow may have changed while we were down: steps are found again by name.
void NodeMachine::restoreStep(Turn& t) {
  NodeRecord& r = t.node.record;
  if (r.stepName.empty()) {
    r.step = flow_.steps.size();  // every step done; only the release was left
    return;
  }
  if (r.state == NodeState::Provisioned) return;
  if (auto index = flow_.indexOf(r.stepName)) {
    r.step = *index;
    return;
  }
  r.state = NodeState::Failed;
  r.lastError = "step '" + r.stepName + "' is not in flow '" + flow_.name +
                "' any more; `drover provision retry` restarts the node's flow";
  moveToStep(r, 0);
}

// A call was under way when we stopped: its attempt reads interrupted, and its step is
// verified before it is called again.
void NodeMachine::restoreIntent(Turn& t) {
  NodeRecord& r = t.node.record;
  if (!r.intent) return;
  Attempt row{r.intent->attemptId, r.intent->step, r.intent->attempt, "", r.intent->startedMs,
              t.now, Outcome::Interrupted, "the provisioner stopped during this call"};
  t.emit(SaveAttempt{row});
  r.reconcile = r.intent->step == r.stepName;
  // Kept until the verify has settled the step: killed again before that, the next
  // start must verify again, not repeat a call that may still be running.
  if (!r.reconcile) r.intent.reset();
}

// After a restart: the steps of the run under way, from its history.
void NodeMachine::rebuildSteps(Turn& t, const std::vector<Attempt>& history) {
  NodeFlow& n = t.node;
  for (const auto& row : history) {
    if (row.startedMs < n.record.startedMs || row.finishedMs == 0) continue;
    bool flowStep = flow_.indexOf(row.step).has_value() || row.step == "enrol";
    std::int64_t ms = row.finishedMs - row.startedMs;
    Outcome o = row.outcome;
    if (flowStep && (o == Outcome::Done || o == Outcome::Enrolled || o == Outcome::AlreadyEnrolled)) {
      finishStep(n, row.step, ms, true, "");
    } else if (flowStep && o == Outcome::Fail) {
      finishStep(n, row.step, ms, false, row.error);
    } else if (flowStep && (o == Outcome::Retry || o == Outcome::Redo)) {
      n.retriedMs[row.step] += ms;
      if (o == Outcome::Redo) ++n.redos;
    } else if (o == Outcome::Verified) {
      finishStep(n, row.step.substr(0, row.step.rfind(".verify")), ms, true, "");
    }
  }
}

void NodeMachine::on(Turn& t, const Registered& e) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  if (!n.known) {
    n.known = true;
    r.facts = e.facts;
    r.nodeStartedMs = e.startedMs;
    observeSecurity(t, e, false);
    log(t, LogLevel::Info, "registered; queued for flow " + flow_.name);
    enterQueue(t);
    save(t, true);
    return;
  }
  bool restarted = e.startedMs > r.nodeStartedMs && r.nodeStartedMs != 0;
  bool factsChanged = e.facts != r.facts;
  r.facts = e.facts;
  r.nodeStartedMs = std::max(r.nodeStartedMs, e.startedMs);
  Enrolment before = r.enrolment;
  observeSecurity(t, e, restarted);
  if (r.enrolment != before && !restarted) {
    save(t);
    if (r.state == NodeState::Waiting) t.emit(TryAdmission{});
  }
  bool again = r.state == NodeState::Provisioned && flow_.alreadyProvisioned;
  if (restarted && (again || r.state == NodeState::Failed)) return restartedNode(t, again);
  if (factsChanged || restarted) save(t, factsChanged);
}

// Same name, new daemon. Provisioned: a rebuilt host reusing the name, or a reboot;
// the already_provisioned probe tells which. Failed: it is retried.
void NodeMachine::restartedNode(Turn& t, bool provisioned) {
  NodeFlow& n = t.node;
  if (provisioned) {
    resetForNewFlow(n);
    note(t, "registration", Outcome::Restarted,
         "node daemon restarted; checking it is still provisioned");
  } else {
    if (!n.steps.empty() && !n.steps.back().ok) n.steps.pop_back();
    note(t, "registration", Outcome::Restarted, "node daemon restarted; retrying");
    n.record.attempt = 0;
  }
  enterQueue(t);
  save(t, true);
}

void NodeMachine::observeSecurity(Turn& t, const Registered& e, bool restarted) {
  Enrolment& enrolment = t.node.record.enrolment;
  if (e.security == Security::Enrolling) {
    // A heartbeat sent before our install_certificate may still arrive: only a new
    // daemon (a rebuilt host) makes an enrolled node enrol again.
    if (enrolment == Enrolment::Required || (enrolment == Enrolment::Enrolled && !restarted)) return;
    enrolment = Enrolment::Required;
    const std::string& blocked = settings_.enrolmentBlocked;
    if (blocked.empty()) {
      log(t, LogLevel::Info, "is enrolling: it gets a certificate before its first step");
    } else {
      log(t, LogLevel::Warn, "is enrolling and waits: " + blocked);
      note(t, "enrol", Outcome::Waiting, blocked);
    }
  } else if (e.security == Security::Enforcing && e.verified && enrolment == Enrolment::Required &&
             t.node.phase != Phase::Calling) {
    enrolment = Enrolment::Enrolled;  // by another provisioner, or the operator
    note(t, "enrol", Outcome::EnrolledElsewhere, "the node registered with its own certificate");
  }
}

void NodeMachine::on(Turn& t, const Admit& e) {
  NodeFlow& n = t.node;
  if (n.record.state != NodeState::Waiting) return;
  if (n.record.enrolment == Enrolment::Required && !settings_.enrolmentBlocked.empty()) {
    n.waitReason = settings_.enrolmentBlocked;
    return;
  }
  auto master = admissionMaster(t, e);
  if (!master) return;
  t.emit(LeaveQueue{});
  n.record.state = NodeState::Running;
  n.phase = Phase::Idle;
  n.waitReason.clear();
  n.claimAttempts = 0;
  t.emit(TakeSlot{*master});
  save(t);
  goOn(t);
}

// The master the node is admitted with ("" when the flow has none to pick), or
// std::nullopt when it waits (waitReason says why).
std::optional<std::string> NodeMachine::admissionMaster(Turn& t, const Admit& e) {
  NodeFlow& n = t.node;
  if (!pickIndex_) return std::string();
  if (n.record.step > *pickIndex_ && !n.record.master.empty()) {
    if (!masterLost(n, t.now)) return keptMaster(t);
    // Masters may not have announced themselves yet after a restart.
    if (!masters_.known(n.record.master) &&
        t.now - e.engineStartedMs < settings_.masterHeartbeatAge.count()) {
      n.waitReason = "master " + n.record.master + " not seen since the restart";
      return std::nullopt;
    }
    chooseMasterAgain(t, "master " + n.record.master + " is gone; choosing again");
  }
  auto chosen = chooseMaster(n, t.now);
  if (!chosen) {
    if (masters_.candidates(t.now).empty()) t.emit(StopAdmission{});  // nobody can go
    return std::nullopt;
  }
  n.record.master = *chosen;
  return chosen;
}

std::optional<std::string> NodeMachine::keptMaster(Turn& t) {
  const std::string& master = t.node.record.master;
  if (masters_.inFlight(master) >= settings_.perMasterConcurrency) {
    t.node.waitReason = "master " + master + " is at its limit";
    return std::nullopt;
  }
  return master;
}

void NodeMachine::on(Turn& t, const TimerFired& e) {
  NodeFlow& n = t.node;
  if (e.at != n.timerAtMs) return;  // superseded
  n.timerAtMs = 0;
  if (n.record.state == NodeState::ClaimedElsewhere) {
    enterQueue(t);
    save(t);
  } else if (n.record.state == NodeState::Running && n.phase == Phase::BackingOff) {
    n.phase = Phase::Idle;
    goOn(t);
  }
}

void NodeMachine::on(Turn& t, const OperatorRetry& e) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  const std::string name = "node " + r.identity;
  switch (r.state) {
    case NodeState::Provisioned: return t.emit(Refuse{name + " is provisioned already"});
    case NodeState::Waiting:
      return t.emit(Refuse{name + " is waiting already: " +
                           (n.waitReason.empty() ? "for a slot" : n.waitReason)});
    case NodeState::Running:
      if (n.phase == Phase::Calling) return t.emit(Refuse{name + " is running step " + r.stepName});
      note(t, r.stepName, Outcome::RetryNow, "retry requested by " + e.by);
      n.timerAtMs = 0;  // ends its backoff now
      n.phase = Phase::Idle;
      return goOn(t);
    case NodeState::Failed:
    case NodeState::Held:
    case NodeState::ClaimedElsewhere:
      if (!n.steps.empty() && !n.steps.back().ok) n.steps.pop_back();  // runs again
      note(t, r.stepName, Outcome::Retry, "retry requested by " + e.by);
      r.attempt = 0;
      r.lastError.clear();
      n.timerAtMs = 0;
      enterQueue(t);
      return save(t);
  }
}

void NodeMachine::on(Turn& t, const OperatorHold& e) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  switch (r.state) {
    case NodeState::Provisioned: return t.emit(Refuse{"node " + r.identity + " is provisioned already"});
    case NodeState::Held: return t.emit(Refuse{"node " + r.identity + " is held already"});
    case NodeState::Running:
      note(t, r.stepName, Outcome::Hold, "hold requested by " + e.by);
      n.holdRequested = true;
      n.timerAtMs = 0;  // a backoff under way ends now
      if (n.phase == Phase::Calling) return;  // stops at its next step boundary
      n.phase = Phase::Idle;
      return goOn(t);  // releases its claim at once
    case NodeState::Waiting: t.emit(LeaveQueue{}); [[fallthrough]];
    case NodeState::Failed:
    case NodeState::ClaimedElsewhere:
      note(t, r.stepName, Outcome::Hold, "hold requested by " + e.by);
      n.timerAtMs = 0;
      r.state = NodeState::Held;
      return save(t);
  }
}

void NodeMachine::on(Turn& t, const WaitingCheck&) {
  NodeFlow& n = t.node;
  if (n.record.state != NodeState::Waiting || n.alerted) return;
  if (t.now - n.waitingSinceMs < settings_.waitingAlert.count()) return;
  n.alerted = true;
  notify(t, Notice::WaitingTooLong, n.waitReason.empty() ? "waiting for a free slot" : n.waitReason);
}

}  // namespace drover::provisioner
