// NodeMachine: how a step ends (done, retried with backoff, failed, redone), the
// master-lost rule, and the ways into and out of flight.
#include "provisioner/node_machine.hpp"

namespace drover::provisioner {

void NodeMachine::stepDone(Turn& t, const std::string& step, std::int64_t ms) {
  NodeRecord& r = t.node.record;
  finishStep(t.node, step, ms, true, "");
  log(t, LogLevel::Debug, "step=" + step + " done");
  moveToStep(r, r.step + 1);
  r.reconcile = false;
  save(t);
}

// A failed attempt: retried after the step's backoff, failed beyond its retries; a
// node whose master is lost meanwhile chooses again instead.
void NodeMachine::stepFailed(Turn& t, const std::string& error, std::int64_t attemptMs) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  r.lastError = error;
  if (!r.reconcile) r.intent.reset();  // an unsettled interrupted call keeps its intent
  if (masterLost(n, t.now)) {
    return chooseMasterAgain(t, "master " + r.master + " stopped answering; choosing again");
  }
  const Step& step = flow_.steps[r.step];
  r.attempt += 1;
  if (r.attempt > step.retries) {
    finishStep(n, step.name, attemptMs, false, error);
    log(t, LogLevel::Warn,
        "step=" + step.name + " failed after " + std::to_string(r.attempt) +
            " attempt(s): " + error);
    notify(t, notifiers::EventKind::Failed, error);
    n.leaving = NodeState::Failed;
    return save(t);
  }
  n.retriedMs[step.name] += attemptMs;
  auto delay = step.backoff.delay(r.attempt);
  log(t, LogLevel::Info,
      "step=" + step.name + " attempt " + std::to_string(r.attempt) + " failed, retrying in " +
          std::to_string(delay.count()) + " ms: " + error);
  notify(t, notifiers::EventKind::Retried, error);
  save(t);
  backOff(t, t.now + delay.count());
}

// A fail verdict: no retry.
void NodeMachine::stepFailsNow(Turn& t, const std::string& errors, std::int64_t attemptMs) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  finishStep(n, r.stepName, attemptMs, false, errors);
  r.attempt += 1;  // the attempt that failed, for the notification
  r.lastError = r.stepName + ": " + errors;
  log(t, LogLevel::Warn, "step=" + r.stepName + " failed: " + errors);
  notify(t, notifiers::EventKind::Failed, r.lastError);
  n.leaving = NodeState::Failed;
  save(t);
}

// Back to step `from`, attempts reset, the master forgotten when `from` is pick_master
// or earlier.
void NodeMachine::redo(Turn& t, const std::string& from, const std::string& error,
                       std::int64_t attemptMs) {
  NodeFlow& n = t.node;
  NodeRecord& r = n.record;
  ++n.redos;
  n.retriedMs[r.stepName] += attemptMs;
  log(t, LogLevel::Warn,
      "step=" + r.stepName + " goes back to step " + from + " (" + std::to_string(n.redos) +
          " of " + std::to_string(flow_.redoLimit) + "): " + error);
  r.lastError = error;
  notify(t, notifiers::EventKind::Retried, "back to step " + from + ": " + error);
  moveToStep(r, *flow_.indexOf(from));  // the flow parser checked it names a step
  r.reconcile = false;
  if (pickIndex_ && r.step <= *pickIndex_) r.master.clear();
  save(t);
}

// The master-lost rule: past pick_master, with a master that is no longer healthy.
bool NodeMachine::masterLost(const NodeFlow& node, std::int64_t now) const {
  const NodeRecord& r = node.record;
  return pickIndex_ && !r.master.empty() && r.step > *pickIndex_ &&
         !masters_.healthy(r.master, now);
}

void NodeMachine::chooseMasterAgain(Turn& t, const std::string& why) {
  NodeRecord& r = t.node.record;
  note(t, r.stepName, Outcome::MasterLost, why);
  log(t, LogLevel::Warn,
      "master=" + r.master + " lost at step " + r.stepName + "; choosing another");
  r.master.clear();
  moveToStep(r, *pickIndex_);
  r.reconcile = false;
  r.intent.reset();
  save(t);
}

std::optional<std::string> NodeMachine::chooseMaster(NodeFlow& node, std::int64_t now) const {
  auto candidates = masters_.candidates(now);
  if (candidates.empty()) {
    node.waitReason = "no healthy master";
    return std::nullopt;
  }
  auto chosen = selectMaster(node.record.facts, candidates, settings_.masterFacts);
  if (masters_.inFlight(*chosen) >= settings_.perMasterConcurrency) {
    node.waitReason = "master " + *chosen + " is at its limit";
    return std::nullopt;
  }
  return chosen;
}

void NodeMachine::leaveFlight(Turn& t, NodeState state) {
  NodeFlow& n = t.node;
  t.emit(FreeSlot{});
  n.leaving.reset();
  n.holdRequested = false;
  n.claimLost = false;
  n.phase = Phase::Idle;
  n.record.state = state;
  if (state == NodeState::Provisioned || state == NodeState::Failed) n.record.finishedMs = t.now;
  if (state == NodeState::Waiting) enterQueue(t);
  if (state == NodeState::ClaimedElsewhere) {
    n.timerAtMs = t.now + settings_.recheckInterval.count();
    t.emit(Schedule{n.timerAtMs});
  }
  save(t);
}

void NodeMachine::enterQueue(Turn& t) {
  NodeFlow& n = t.node;
  n.record.state = NodeState::Waiting;
  n.waitingSinceMs = t.now;
  n.alerted = false;
  t.emit(EnterQueue{});
}

void NodeMachine::backOff(Turn& t, std::int64_t at) {
  t.node.phase = Phase::BackingOff;
  t.node.timerAtMs = at;
  t.emit(Schedule{at});
}

void NodeMachine::finishStep(NodeFlow& node, const std::string& step, std::int64_t ms, bool ok,
                             const std::string& error) const {
  auto pending = node.retriedMs.find(step);
  if (pending != node.retriedMs.end()) {
    ms += pending->second;
    node.retriedMs.erase(pending);
  }
  node.steps.push_back({step, ms, ok, ok ? "" : error});
}

void NodeMachine::resetForNewFlow(NodeFlow& node) const {
  node.steps.clear();
  node.retriedMs.clear();
  node.redos = 0;
  NodeRecord& r = node.record;
  moveToStep(r, 0);
  r.master.clear();
  r.checked = false;
  r.reconcile = false;
  r.intent.reset();
  r.startedMs = 0;
  r.finishedMs = 0;
  r.lastError.clear();
}

void NodeMachine::moveToStep(NodeRecord& record, std::size_t step) const {
  record.step = step;
  record.stepName = step < flow_.steps.size() ? flow_.steps[step].name : "";
  record.attempt = 0;
}

Attempt NodeMachine::newAttempt(const Turn& t, const std::string& step) {
  Attempt a;
  a.id = ids_.next();
  a.step = step;
  a.attempt = t.node.record.attempt + 1;
  a.startedMs = t.now;
  return a;
}

// A history row that is no call: an operator action, a wait, a master lost.
void NodeMachine::note(Turn& t, const std::string& step, Outcome outcome,
                       const std::string& error) {
  Attempt row = newAttempt(t, step);
  row.attempt = 0;
  row.finishedMs = t.now;
  row.outcome = outcome;
  row.error = error;
  t.emit(SaveAttempt{row});
}

void NodeMachine::notify(Turn& t, notifiers::EventKind notice, const std::string& message,
                         const std::string& step) {
  const NodeFlow& n = t.node;
  const NodeRecord& r = n.record;
  std::int64_t since = notice == notifiers::EventKind::WaitingTooLong ? n.waitingSinceMs
                       : r.startedMs                                  ? r.startedMs
                                                                      : r.firstSeenMs;
  t.emit(Notify{notice, message, step.empty() ? r.stepName : step, r.attempt, r.master, since,
                r.facts, n.steps});
}

void NodeMachine::log(Turn& t, LogLevel level, const std::string& message) const {
  t.emit(Log{level, message});
}

void NodeMachine::save(Turn& t, bool withFacts) const {
  t.node.record.updatedMs = t.now;
  t.emit(SaveNode{withFacts});
}

}  // namespace drover::provisioner
