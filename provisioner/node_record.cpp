#include "provisioner/node_record.hpp"

#include <stdexcept>

namespace drover::provisioner {

std::string toString(NodeState state) {
  switch (state) {
    case NodeState::Waiting: return "waiting";
    case NodeState::Running: return "running";
    case NodeState::ClaimedElsewhere: return "claimed_elsewhere";
    case NodeState::Held: return "held";
    case NodeState::Provisioned: return "provisioned";
    case NodeState::Failed: return "failed";
  }
  return "?";
}

NodeState nodeStateFrom(const std::string& name) {
  for (auto state : {NodeState::Waiting, NodeState::Running, NodeState::ClaimedElsewhere,
                     NodeState::Held, NodeState::Provisioned, NodeState::Failed}) {
    if (toString(state) == name) return state;
  }
  throw std::invalid_argument("unknown node state '" + name + "'");
}

std::string toString(Enrolment enrolment) {
  switch (enrolment) {
    case Enrolment::NotNeeded: return "";
    case Enrolment::Required: return "required";
    case Enrolment::Enrolled: return "enrolled";
  }
  return "?";
}

Enrolment enrolmentFrom(const std::string& name) {
  for (auto e : {Enrolment::NotNeeded, Enrolment::Required, Enrolment::Enrolled}) {
    if (toString(e) == name) return e;
  }
  throw std::invalid_argument("unknown enrolment state '" + name + "'");
}

Json toJson(const NodeRecord& node) {
  Json out{{"identity", node.identity},
           {"state", toString(node.state)},
           {"step", node.stepName},
           {"attempt", node.attempt},
           {"master", node.master},
           {"claimed", node.claimed},
           {"first_seen_ms", node.firstSeenMs},
           {"started_ms", node.startedMs},
           {"updated_ms", node.updatedMs},
           {"finished_ms", node.finishedMs},
           {"last_error", node.lastError}};
  if (node.intent) out["in_call"] = node.intent->step;
  if (node.enrolment != Enrolment::NotNeeded) out["enrolment"] = toString(node.enrolment);
  if (!node.name.empty()) out["name"] = node.name;
  if (!node.flow.empty()) out["flow"] = node.flow;
  return out;
}

Json toJson(const AttemptRecord& attempt) {
  return Json{{"step", attempt.step},
              {"attempt", attempt.attempt},
              {"target", attempt.target},
              {"started_ms", attempt.startedMs},
              {"finished_ms", attempt.finishedMs},
              {"outcome", attempt.outcome},
              {"error", attempt.error},
              {"queued_ms", attempt.queuedMs},
              {"agent_ms", attempt.agentMs},
              {"program_ms", attempt.programMs},
              {"data", attempt.data}};
}

}  // namespace drover::provisioner
