#pragma once
// Table tests of the node state machine: each row is a node in a given state, one
// event, and the state and commands expected after it (Log commands left out: they
// are read by people, not by the driver). The flow has every kind of step and call.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "provisioner/node_machine.hpp"

namespace drover::provisioner::table {

inline const char* kFlow = R"(name: t
redo_limit: 1
claim: {timeout: 1s, retries: 1, backoff: {initial: 10ms, max: 20ms}}
already_provisioned: {agent: provision, action: status, when: {completed_steps: production}}
steps:
  - name: pick_master
    pick_master: true
  - name: clean
    agent: puppetca
    action: clean
    target: all_masters
    args: {certname: "{{node.identity}}"}
    retries: 1
    backoff: {initial: 10ms, max: 20ms}
  - name: sign
    agent: puppetca
    action: sign
    target: master
    args: {certname: "{{node.identity}}"}
    retries: 1
    backoff: {initial: 10ms, max: 20ms}
    outcomes:
      - {when: {outcome: wrong_key}, result: fail}
      - {when: {outcome: stale}, result: redo, from: clean}
    verify: {agent: puppetca, action: status, target: master, args: {certname: "{{node.identity}}"},
             when: {state: signed}}
  - name: notify
    notify: provisioned
)";

constexpr std::int64_t T = 1000;  // every row's event happens at T

inline CallReply ok(const std::string& node, Json data = Json::object()) {
  return CallReply{node, true, {}, std::move(data), "", true};
}
inline CallReply refused(const std::string& node, const std::string& message,
                         Json data = Json::object()) {
  return CallReply{node, true, {envelope::StatusCode::Aborted, message}, std::move(data), "", true};
}
inline CallReply silent(const std::string& node) {
  return CallReply{node, false, {}, Json::object(), "", false};
}

/// The flow, two healthy masters (m1 in eu, m2 in us) and the machine over them.
class World {
 public:
  explicit World(std::string enrolmentBlocked = "")
      : flow(parseFlow(kFlow, "t.yaml")),
        masters(1000000000, 3),
        machine(flow, settingsWith(std::move(enrolmentBlocked)), masters, ids) {
    masters.seen("m1", Json{{"region", "eu"}}, 0);
    masters.seen("m2", Json{{"region", "us"}}, 0);
  }

  static MachineSettings settingsWith(std::string enrolmentBlocked) {
    MachineSettings s;
    s.enrolmentBlocked = std::move(enrolmentBlocked);
    return s;
  }

  /// Three failed calls in a row: the master is no longer chosen.
  void lose(const std::string& master) {
    for (int i = 0; i < 3; ++i) masters.failed(master, T);
  }

  /// A registered node (region eu), queued.
  NodeFlow waiting() {
    NodeFlow node = machine.newNode("n1", 0);
    machine.handle(node, Registered{Json{{"region", "eu"}}, 100, Security::Enforcing, true}, 0);
    return node;
  }

  /// A claimed, checked node at `step` with master m1, backing off until T.
  NodeFlow backingOffAt(const std::string& step) {
    NodeFlow node = waiting();
    node.record.state = NodeState::Running;
    node.record.claimed = node.record.checked = true;
    node.record.master = "m1";
    node.record.startedMs = 10;
    node.record.step = *flow.indexOf(step);
    node.record.stepName = step;
    node.phase = Phase::BackingOff;
    node.timerAtMs = T;
    return node;
  }

  /// As backingOffAt, shaped by `shape`, then its timer fires: its next call is out.
  NodeFlow callingAt(const std::string& step, const std::function<void(NodeFlow&)>& shape = {}) {
    NodeFlow node = backingOffAt(step);
    if (shape) shape(node);
    machine.handle(node, TimerFired{T}, T);
    return node;
  }

  /// Feeds events one after the other, at T.
  NodeFlow after(NodeFlow node, const std::vector<NodeEvent>& events) {
    for (const auto& event : events) machine.handle(node, event, T);
    return node;
  }

  Flow flow;
  MasterDirectory masters;
  AttemptIds ids;
  NodeMachine machine;
};

struct Row {
  std::string name;
  std::function<NodeFlow(World&)> given;
  NodeEvent event;
  NodeState state;
  Phase phase;
  std::vector<std::string> commands;
  std::function<void(const NodeFlow&)> check = {};  // more to check, if anything
  std::string enrolmentBlocked = "";
};

inline std::vector<std::string> described(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (const auto& command : commands) {
    if (!std::holds_alternative<Log>(command)) out.push_back(describe(command));
  }
  return out;
}

inline void runRow(const Row& row) {
  World world(row.enrolmentBlocked);
  NodeFlow node = row.given(world);
  std::vector<Command> commands = world.machine.handle(node, row.event, T);
  EXPECT_EQ(described(commands), row.commands);
  EXPECT_EQ(toString(node.record.state), toString(row.state));
  if (row.state == NodeState::Running) {
    EXPECT_EQ(toString(node.phase), toString(row.phase));
  }
  if (row.check) row.check(node);
}

inline std::string rowName(const ::testing::TestParamInfo<Row>& info) { return info.param.name; }

// A row prints as its name (test listings would otherwise show its bytes).
inline void PrintTo(const Row& row, std::ostream* out) { *out << row.name; }

}  // namespace drover::provisioner::table
