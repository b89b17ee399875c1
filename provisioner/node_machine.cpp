// NodeMachine: the next move of a running node, its step kinds, and admission. The
// other events are in node_machine_events.cpp, calls and their replies in
// node_machine_calls.cpp, retries, redo, failure and leaving in node_machine_outcomes.cpp.
#include <algorithm>

#include "provisioner/node_machine.hpp"

namespace drover::provisioner {
namespace {

// A call whose arguments are fixed (claim, release, enrol): nothing to render.
CallPlan plainCall(CallRequest request) {
  CallPlan plan;
  plan.request = std::move(request);
  return plan;
}

}  // namespace

NodeMachine::NodeMachine(const Flow& flow, MachineSettings settings, const MasterDirectory& masters,
                         AttemptIds& ids)
    : flow_(flow),
      settings_(std::move(settings)),
      masters_(masters),
      pickIndex_(flow.pickMasterIndex()),
      ids_(ids) {}

const std::vector<NodeMachine::StepKindRow>& NodeMachine::stepKinds() {
  static const std::vector<StepKindRow> rows{
      {StepKind::Action, &NodeMachine::runAction},
      {StepKind::PickMaster, &NodeMachine::pickMaster},
      {StepKind::Notify, &NodeMachine::notifyStep},
      {StepKind::AssignName, &NodeMachine::assignName},
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
  CallPlan plan = plainCall({flow_.claim.agent,
                             flow_.claim.releaseAction,
                             Json{{"owner", settings_.owner}},
                             {r.identity},
                             flow_.claim.timeout});
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
  if (t.node.takingOver && askTakeover(t)) return t.node.phase != Phase::Calling;
  if (r.reconcile && step.verify) {
    sendFlowCall(t, CallKind::Verify, step.verify->call, step.verify->lookup, step.timeout,
                 newAttempt(t, step.name + ".verify"));
  } else {
    r.reconcile = false;
    sendFlowCall(t, CallKind::Step, step.call, step.lookup, step.timeout, newAttempt(t, step.name));
  }
  return t.node.phase != Phase::Calling;  // nobody to call: settled already
}

// The calls ahead up to the next step that is not one (a master to pick, a name, a
// notification) are what another provisioner may have done; the latest whose verify
// holds is where it got to.
bool NodeMachine::askTakeover(Turn& t) {
  NodeFlow& n = t.node;
  const NodeRecord& r = n.record;
  std::size_t end = r.step;
  while (end < flow_.steps.size() && flow_.steps[end].kind == StepKind::Action) ++end;
  end = std::min(end, n.takeoverBelow);
  for (std::size_t j = end; j-- > r.step;) {
    const Step& step = flow_.steps[j];
    if (!step.verify) continue;
    n.verifying = j;
    sendFlowCall(t, CallKind::Verify, step.verify->call, step.verify->lookup, step.timeout,
                 newAttempt(t, step.name + ".verify"));
    return true;
  }
  n.takingOver = false;  // nothing ahead proves done: from here as with any node
  return false;
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
  std::size_t rank =
      matchRank(r.facts, master ? master->facts : Json::object(), settings_.masterFacts);
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
  notify(t, notifiers::EventKind::Provisioned, "");
  note(t, step.name, Outcome::Done, "");
  moveToStep(r, r.step + 1);
  save(t);
  return true;
}

// The service the node declares, else the step's; with neither it keeps its identity.
// The driver assigns the name (persisted first) and tells the node: a restart mid-call
// asks again and gets the same name (a node keeps the name it holds).
bool NodeMachine::assignName(Turn& t, const Step& step) {
  NodeRecord& r = t.node.record;
  const Json& said = r.naming;
  bool declared = said.is_object() && said.contains("service") && said["service"].is_string() &&
                  !said["service"].get<std::string>().empty();
  if (!declared && step.naming.is_null()) {
    note(t, step.name, Outcome::Done, "no service declared: the node keeps its identity");
    finishStep(t.node, step.name, 0, true, "");
    moveToStep(r, r.step + 1);
    save(t);
    return true;
  }
  CallPlan plan;
  plan.request = {step.call.agent, step.call.action, Json::object(), {r.identity}, step.timeout};
  plan.context = context(t.node);  // the keeper reads the node's address from its facts
  plan.naming = declared ? Json{{"service", said["service"]},
                                {"type", said.value("type", "iterative")},
                                {"aliases", said.value("aliases", Json::array())}}
                         : step.naming;
  Attempt a = newAttempt(t, step.name);
  a.target = r.identity;
  send(t, CallKind::Step, std::move(plan), a);
  return false;
}

// ---- admission ----------------------------------------------------------------------

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

}  // namespace drover::provisioner
