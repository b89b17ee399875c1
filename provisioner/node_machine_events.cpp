// NodeMachine: a node restored from the store, its registrations, timers, operator
// commands and the waiting alert.
#include <algorithm>

#include "provisioner/node_machine.hpp"

namespace drover::provisioner {

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
  Attempt row{r.intent->attemptId,  r.intent->step,
              r.intent->attempt,    "",
              r.intent->startedMs,  t.now,
              Outcome::Interrupted, "the provisioner stopped during this call"};
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
    if (flowStep &&
        (o == Outcome::Done || o == Outcome::Enrolled || o == Outcome::AlreadyEnrolled)) {
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
    if (e.naming.is_object()) r.naming = e.naming;
    r.nodeStartedMs = e.startedMs;
    observeSecurity(t, e, false);
    log(t, LogLevel::Info, "registered; queued for flow " + flow_.name);
    enterQueue(t);
    save(t, true);
    return;
  }
  bool restarted = e.startedMs > r.nodeStartedMs && r.nodeStartedMs != 0;
  bool factsChanged = e.facts != r.facts || (e.naming.is_object() && e.naming != r.naming);
  r.facts = e.facts;
  if (e.naming.is_object()) r.naming = e.naming;
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
    if (enrolment == Enrolment::Required || (enrolment == Enrolment::Enrolled && !restarted))
      return;
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
      return t.emit(Refuse{
          name + " is waiting already: " + (n.waitReason.empty() ? "for a slot" : n.waitReason)});
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
    case NodeState::Provisioned:
      return t.emit(Refuse{"node " + r.identity + " is provisioned already"});
    case NodeState::Held: return t.emit(Refuse{"node " + r.identity + " is held already"});
    case NodeState::Running:
      note(t, r.stepName, Outcome::Hold, "hold requested by " + e.by);
      n.holdRequested = true;
      n.timerAtMs = 0;                        // a backoff under way ends now
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
  notify(t, notifiers::EventKind::WaitingTooLong,
         n.waitReason.empty() ? "waiting for a free slot" : n.waitReason);
}

}  // namespace drover::provisioner
