// The node state machine as tables: restart points (an intent found on disk for each
// call kind, and the first call after the claim that follows), history rebuilt,
// registrations, operator retry and hold, timers, the waiting alert.
#include "tests/unit/provisioner/node_machine_table.hpp"

namespace drover::provisioner::table {
namespace {

// A node the store kept as running at `step` with an intent for `intentStep`.
NodeFlow stored(World& w, const std::string& step, const std::string& intentStep,
                Enrolment enrolment = Enrolment::NotNeeded) {
  NodeFlow n;
  NodeRecord& r = n.record;
  r.identity = "n1";
  r.state = NodeState::Running;
  r.stepName = step;
  r.step = step.empty() ? w.flow.steps.size() : *w.flow.indexOf(step);
  r.master = step == "pick_master" ? "" : "m1";
  r.claimed = true;
  r.checked = intentStep != "claim" && intentStep != "already_provisioned";
  r.enrolment = enrolment;
  r.intent = Intent{intentStep, 1, 7, 5};
  r.startedMs = 5;
  r.facts = Json{{"region", "eu"}};
  return n;
}

struct RestartPoint {
  std::string name;
  std::string step;    // the node's step when it stopped
  std::string intent;  // the call under way
  Enrolment enrolment;
  bool verifyFirst;                     // the step's verify runs before it is called again
  std::vector<std::string> afterClaim;  // the first call once claimed again
};

const std::vector<RestartPoint> kRestartPoints{
    {"Claim",
     "pick_master",
     "claim",
     Enrolment::NotNeeded,
     false,
     {"SaveAttempt already_provisioned open", "SaveNode", "SendCall probe provision#status -> n1"}},
    {"Probe",
     "pick_master",
     "already_provisioned",
     Enrolment::NotNeeded,
     false,
     {"SaveAttempt already_provisioned open", "SaveNode", "SendCall probe provision#status -> n1"}},
    {"Step",
     "sign",
     "sign",
     Enrolment::NotNeeded,
     true,
     {"SaveAttempt sign.verify open", "SaveNode", "SendCall verify puppetca#status -> m1"}},
    // During a verify the step's intent is still on disk: the verify is asked again.
    {"Verify",
     "sign",
     "sign",
     Enrolment::NotNeeded,
     true,
     {"SaveAttempt sign.verify open", "SaveNode", "SendCall verify puppetca#status -> m1"}},
    {"Release",
     "",
     "release",
     Enrolment::NotNeeded,
     false,
     {"SaveAttempt release open", "SaveNode", "SendCall release provision#release -> n1"}},
    {"Enrol",
     "pick_master",
     "enrol",
     Enrolment::Required,
     false,
     {"SaveAttempt enrol open", "SaveNode", "SendCall enrol provision#enrol -> n1"}},
};

class RestartPoints : public ::testing::TestWithParam<RestartPoint> {};

TEST_P(RestartPoints, TheInterruptedAttemptIsRecordedAndTheNodeQueued) {
  const RestartPoint& p = GetParam();
  World w;
  NodeFlow node = stored(w, p.step, p.intent, p.enrolment);
  auto commands = w.machine.handle(node, Restored{}, T);
  EXPECT_EQ(described(commands),
            (std::vector<std::string>{"SaveAttempt " + p.intent + " interrupted", "EnterQueue",
                                      "SaveNode"}));
  EXPECT_EQ(node.record.state, NodeState::Waiting);
  EXPECT_FALSE(node.record.claimed);  // claimed again: the lease may have run out
  EXPECT_EQ(node.record.reconcile, p.verifyFirst);
  EXPECT_EQ(node.record.intent.has_value(), p.verifyFirst);
}

TEST_P(RestartPoints, TheFirstCallAfterTheClaimSettlesIt) {
  const RestartPoint& p = GetParam();
  World w;
  NodeFlow node = w.after(stored(w, p.step, p.intent, p.enrolment), {Restored{}, Admit{0}});
  auto commands = w.machine.handle(node, CallReplied{{ok("n1", {{"granted", true}})}}, T);
  std::vector<std::string> expected{"SaveAttempt claim granted", "Measure claim granted",
                                    "RenewLeaseAt 101000", "SaveNode"};
  expected.insert(expected.end(), p.afterClaim.begin(), p.afterClaim.end());
  EXPECT_EQ(described(commands), expected);
}

INSTANTIATE_TEST_SUITE_P(NodeMachine, RestartPoints, ::testing::ValuesIn(kRestartPoints),
                         [](const auto& point) { return point.param.name; });

TEST(NodeMachineRestore, AStepGoneFromTheFlowFailsTheNode) {
  World w;
  NodeFlow node = stored(w, "sign", "sign");
  node.record.stepName = "gone";
  node.record.intent.reset();
  EXPECT_EQ(described(w.machine.handle(node, Restored{}, T)), std::vector<std::string>{"SaveNode"});
  EXPECT_EQ(node.record.state, NodeState::Failed);
  EXPECT_NE(node.record.lastError.find("step 'gone' is not in flow 't'"), std::string::npos);
}

TEST(NodeMachineRestore, HistoryRebuildsThisRunsStepsAndRedos) {
  World w;
  NodeFlow node = stored(w, "notify", "notify");
  node.record.intent.reset();
  std::vector<Attempt> history{
      {1, "pick_master", 1, "", 1, 2, Outcome::Done, ""},  // before this run: left out
      {2, "pick_master", 1, "", 10, 20, Outcome::Done, ""},
      {3, "sign", 1, "", 30, 40, Outcome::Redo, ""},
      {4, "clean", 1, "", 50, 60, Outcome::Retry, ""},
      {5, "clean", 2, "", 60, 70, Outcome::Done, ""},
      {6, "sign.verify", 1, "", 80, 90, Outcome::Verified, ""},
      {7, "claim", 1, "", 90, 95, Outcome::Granted, ""},
  };
  node.record.startedMs = 5;
  history.front().startedMs = 1;
  w.machine.handle(node, Restored{history}, T);
  ASSERT_EQ(node.steps.size(), 3u);
  EXPECT_EQ(node.steps[0], (notifiers::StepResult{"pick_master", 10, true, ""}));
  EXPECT_EQ(node.steps[1], (notifiers::StepResult{"clean", 20, true, ""}));
  EXPECT_EQ(node.steps[2], (notifiers::StepResult{"sign", 20, true, ""}));
  EXPECT_EQ(node.redos, 1);
}

NodeFlow failedAtSign(World& w) {
  NodeFlow n = w.backingOffAt("sign");
  n.record.state = NodeState::Failed;
  n.phase = Phase::Idle;
  return n;
}
NodeFlow withState(NodeFlow n, NodeState state) {
  n.record.state = state;
  return n;
}
const Json kFacts{{"region", "eu"}};

class Operator : public ::testing::TestWithParam<Row> {};
TEST_P(Operator, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, Operator,
    ::testing::Values(
        Row{"RetryQueuesAFailedNodeAtItsStep",
            failedAtSign,
            OperatorRetry{"ops"},
            NodeState::Waiting,
            Phase::Idle,
            {"SaveAttempt sign retry", "EnterQueue", "SaveNode"}},
        Row{"RetryEndsABackoff",
            [](World& w) { return w.backingOffAt("sign"); },
            OperatorRetry{"ops"},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt sign retry_now", "SaveAttempt sign open", "SaveNode",
             "SendCall step puppetca#sign -> m1"}},
        Row{"RetryDuringACallIsRefused",
            [](World& w) { return w.callingAt("sign"); },
            OperatorRetry{"ops"},
            NodeState::Running,
            Phase::Calling,
            {"Refuse node n1 is running step sign"}},
        Row{"RetryOfAProvisionedNodeIsRefused",
            [](World& w) { return withState(w.waiting(), NodeState::Provisioned); },
            OperatorRetry{"ops"},
            NodeState::Provisioned,
            Phase::Idle,
            {"Refuse node n1 is provisioned already"}},
        Row{"RetryOfAWaitingNodeIsRefused",
            [](World& w) { return w.waiting(); },
            OperatorRetry{"ops"},
            NodeState::Waiting,
            Phase::Idle,
            {"Refuse node n1 is waiting already: for a slot"}},
        Row{"HoldReleasesTheClaimAtOnce",
            [](World& w) { return w.backingOffAt("sign"); },
            OperatorHold{"ops"},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt sign hold", "SaveAttempt release open", "SaveNode",
             "SendCall release provision#release -> n1"}},
        Row{"HoldDuringACallWaitsForItsEnd",
            [](World& w) { return w.callingAt("sign"); },
            OperatorHold{"ops"},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt sign hold"},
            [](const NodeFlow& n) { EXPECT_TRUE(n.holdRequested); }},
        Row{"AHeldNodeReleasedIsHeld",
            [](World& w) {
              return w.after(w.callingAt("sign"), {OperatorHold{"ops"}, CallReplied{{ok("m1")}}});
            },
            CallReplied{{ok("n1")}},
            NodeState::Held,
            Phase::Idle,
            {"SaveAttempt release done", "Measure release done", "SaveNode", "FreeSlot",
             "SaveNode"}},
        Row{"HoldTakesAWaitingNodeOutOfTheQueue",
            [](World& w) { return w.waiting(); },
            OperatorHold{"ops"},
            NodeState::Held,
            Phase::Idle,
            {"LeaveQueue", "SaveAttempt pick_master hold", "SaveNode"}},
        Row{"HoldOfAHeldNodeIsRefused",
            [](World& w) { return withState(w.waiting(), NodeState::Held); },
            OperatorHold{"ops"},
            NodeState::Held,
            Phase::Idle,
            {"Refuse node n1 is held already"}}),
    rowName);

class TimersAndRegistrations : public ::testing::TestWithParam<Row> {};
TEST_P(TimersAndRegistrations, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, TimersAndRegistrations,
    ::testing::Values(Row{"ASupersededTimerDoesNothing",
                          [](World& w) { return w.backingOffAt("sign"); },
                          TimerFired{T - 1},
                          NodeState::Running,
                          Phase::BackingOff,
                          {}},
                      Row{"ARecheckQueuesANodeClaimedElsewhere",
                          [](World& w) {
                            NodeFlow n = withState(w.waiting(), NodeState::ClaimedElsewhere);
                            n.timerAtMs = T;
                            return n;
                          },
                          TimerFired{T},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"EnterQueue", "SaveNode"}},
                      Row{"ANewNodeIsQueued",
                          [](World& w) { return w.machine.newNode("n1", 0); },
                          Registered{kFacts, 100, Security::Enforcing, true},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"EnterQueue", "SaveNode facts"}},
                      Row{"ARestartedProvisionedNodeIsCheckedAgain",
                          [](World& w) {
                            NodeFlow n = withState(w.waiting(), NodeState::Provisioned);
                            n.record.checked = true;
                            n.record.step = w.flow.steps.size();
                            return n;
                          },
                          Registered{kFacts, 200, Security::Enforcing, true},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"SaveAttempt registration restarted", "EnterQueue", "SaveNode facts"},
                          [](const NodeFlow& n) {
                            EXPECT_FALSE(n.record.checked);
                            EXPECT_EQ(n.record.step, 0u);
                          }},
                      Row{"ARestartedFailedNodeIsRetried",
                          failedAtSign,
                          Registered{kFacts, 200, Security::Enforcing, true},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"SaveAttempt registration restarted", "EnterQueue", "SaveNode facts"},
                          [](const NodeFlow& n) { EXPECT_EQ(n.record.stepName, "sign"); }},
                      Row{"ANodeEnrolledElsewhereMayGo",
                          [](World& w) {
                            NodeFlow n = w.waiting();
                            n.record.enrolment = Enrolment::Required;
                            return n;
                          },
                          Registered{kFacts, 100, Security::Enforcing, true},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"SaveAttempt enrol enrolled_elsewhere", "SaveNode", "TryAdmission"}},
                      Row{"AnUnsignedEnforcingRegistrationEnrolsNothing",
                          [](World& w) {
                            NodeFlow n = w.waiting();
                            n.record.enrolment = Enrolment::Required;
                            return n;
                          },
                          Registered{kFacts, 100, Security::Enforcing, false},
                          NodeState::Waiting,
                          Phase::Idle,
                          {},
                          [](const NodeFlow& n) {
                            EXPECT_EQ(n.record.enrolment, Enrolment::Required);
                          }},
                      Row{"AnEnrollingNodeWaitsWithTheReasonWhenEnrolmentIsBlocked",
                          [](World& w) { return w.machine.newNode("n1", 0); },
                          Registered{kFacts, 100, Security::Enrolling, false},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"SaveAttempt enrol waiting", "EnterQueue", "SaveNode facts"},
                          {},
                          "no CA here"},
                      Row{"ANodeWaitingTooLongIsNotified",
                          [](World& w) {
                            NodeFlow n = w.waiting();
                            n.waitingSinceMs = T - 600000;
                            return n;
                          },
                          WaitingCheck{},
                          NodeState::Waiting,
                          Phase::Idle,
                          {"Notify waiting_too_long pick_master: waiting for a free slot"},
                          [](const NodeFlow& n) { EXPECT_TRUE(n.alerted); }},
                      Row{"ANodeWaitingTooLongIsNotifiedOnce",
                          [](World& w) {
                            NodeFlow n = w.waiting();
                            n.waitingSinceMs = T - 600000;
                            n.alerted = true;
                            return n;
                          },
                          WaitingCheck{},
                          NodeState::Waiting,
                          Phase::Idle,
                          {}}),
    rowName);

}  // namespace
}  // namespace drover::provisioner::table
