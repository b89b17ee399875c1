// The node state machine as tables: admission, claims and leases, the already_provisioned
// probe, step replies (done, retry with backoff, fail, redo and its limit, master lost),
// verify replies, calls not sent, enrolment outcomes.
#include "tests/unit/provisioner/node_machine_table.hpp"

namespace drover::provisioner::table {
namespace {

NodeFlow claiming(World& w) { return w.after(w.waiting(), {Admit{0}}); }
NodeFlow probing(World& w) {
  return w.after(claiming(w), {CallReplied{{ok("n1", {{"granted", true}})}}});
}
NodeFlow signing(World& w) { return w.callingAt("sign"); }
NodeFlow verifying(World& w) {
  return w.callingAt("sign", [](NodeFlow& n) {
    n.record.reconcile = true;
    n.record.intent = Intent{"sign", 1, 5, 10};
  });
}
NodeFlow enrolling(World& w) {
  return w.callingAt("pick_master", [](NodeFlow& n) {
    n.record.enrolment = Enrolment::Required;
    n.record.checked = false;
  });
}
NodeFlow waitingAt(World& w, const std::string& step, const std::string& master) {
  NodeFlow n = w.waiting();
  n.record.step = *w.flow.indexOf(step);
  n.record.stepName = step;
  n.record.master = master;
  return n;
}

const std::vector<std::string> kClaim{"SaveAttempt claim open", "SaveNode",
                                      "SendCall claim provision#claim -> n1"};
const std::vector<std::string> kRelease{"SaveAttempt release open", "SaveNode",
                                        "SendCall release provision#release -> n1"};
const std::vector<std::string> kProbe{"SaveAttempt already_provisioned open", "SaveNode",
                                      "SendCall probe provision#status -> n1"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class Admission : public ::testing::TestWithParam<Row> {};
TEST_P(Admission, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, Admission,
    ::testing::Values(
        Row{"ChoosesTheRegionalMasterAndClaims", [](World& w) { return w.waiting(); }, Admit{0},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"LeaveQueue", "TakeSlot m1", "SaveNode"} + kClaim},
        Row{"WithoutAHealthyMasterStopsTheQueue",
            [](World& w) {
              w.lose("m1");
              w.lose("m2");
              return w.waiting();
            },
            Admit{0},
            NodeState::Waiting,
            Phase::Idle,
            {"StopAdmission"},
            [](const NodeFlow& n) { EXPECT_EQ(n.waitReason, "no healthy master"); }},
        Row{"AKeptMasterNotSeenSinceTheRestartIsWaitedFor",
            [](World& w) { return waitingAt(w, "sign", "m9"); },
            Admit{T - 10},
            NodeState::Waiting,
            Phase::Idle,
            {},
            [](const NodeFlow& n) {
              EXPECT_EQ(n.waitReason, "master m9 not seen since the restart");
            }},
        Row{"ALostMasterIsChosenAgain",
            [](World& w) {
              w.lose("m1");
              return waitingAt(w, "sign", "m1");
            },
            Admit{0}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt sign master_lost", "SaveNode", "LeaveQueue",
                                     "TakeSlot m2", "SaveNode"} +
                kClaim,
            [](const NodeFlow& n) { EXPECT_EQ(n.record.stepName, "pick_master"); }},
        Row{"AKeptMasterAtItsLimitWaits",
            [](World& w) {
              w.masters.addInFlight("m1", 10);
              return waitingAt(w, "sign", "m1");
            },
            Admit{0},
            NodeState::Waiting,
            Phase::Idle,
            {},
            [](const NodeFlow& n) { EXPECT_EQ(n.waitReason, "master m1 is at its limit"); }},
        Row{"AnEnrollingNodeWaitsWhileEnrolmentIsBlocked",
            [](World& w) {
              NodeFlow n = w.waiting();
              n.record.enrolment = Enrolment::Required;
              return n;
            },
            Admit{0},
            NodeState::Waiting,
            Phase::Idle,
            {},
            [](const NodeFlow& n) { EXPECT_EQ(n.waitReason, "no CA here"); },
            "no CA here"}),
    rowName);

class ClaimAndLease : public ::testing::TestWithParam<Row> {};
TEST_P(ClaimAndLease, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, ClaimAndLease,
    ::testing::Values(
        Row{"AGrantedClaimLeadsToTheProbe", claiming, CallReplied{{ok("n1", {{"granted", true}})}},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt claim granted", "Measure claim granted",
                                     "RenewLeaseAt 101000", "SaveNode"} +
                kProbe},
        Row{"ARefusedClaimMeansClaimedElsewhere",
            claiming,
            CallReplied{{refused("n1", "held by p2")}},
            NodeState::ClaimedElsewhere,
            Phase::Idle,
            {"SaveAttempt claim refused", "Measure claim refused", "FreeSlot", "Schedule 61000",
             "SaveNode"}},
        Row{"AnUnansweredClaimIsAskedAgainAfterTheBackoff",
            claiming,
            CallReplied{{silent("n1")}},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt claim retry", "Measure claim retry", "SaveNode", "Schedule 1010"}},
        Row{"AClaimUnansweredBeyondItsRetriesFailsTheNode",
            [](World& w) {
              NodeFlow n = claiming(w);
              n.claimAttempts = 1;
              return n;
            },
            CallReplied{{silent("n1")}},
            NodeState::Failed,
            Phase::Idle,
            {"SaveAttempt claim retry", "Measure claim retry", "SaveNode",
             "Notify failed pick_master: node did not answer its claim: n1: no reply", "FreeSlot",
             "SaveNode"}},
        Row{"ARenewalRefusedTakesTheNodeOut",
            [](World& w) { return w.backingOffAt("sign"); },
            LeaseRenewed{refused("n1", "held by p2")},
            NodeState::ClaimedElsewhere,
            Phase::Idle,
            {"SaveAttempt claim lost", "FreeSlot", "Schedule 61000", "SaveNode"}},
        Row{"ARenewalRefusedDuringACallWaitsForTheReply",
            signing,
            LeaseRenewed{refused("n1", "held by p2")},
            NodeState::Running,
            Phase::Calling,
            {},
            [](const NodeFlow& n) { EXPECT_TRUE(n.claimLost); }},
        Row{"AClaimLostDuringACallIsSeenWhenTheReplyIsBack",
            [](World& w) {
              return w.after(signing(w), {LeaseRenewed{refused("n1", "held by p2")}});
            },
            CallReplied{{ok("m1")}},
            NodeState::ClaimedElsewhere,
            Phase::Idle,
            {"SaveAttempt sign done", "Measure sign done", "SaveNode", "SaveAttempt claim lost",
             "FreeSlot", "Schedule 61000", "SaveNode"}},
        Row{"ASilentRenewalIsTriedSooner",
            [](World& w) { return w.backingOffAt("sign"); },
            LeaseRenewed{silent("n1")},
            NodeState::Running,
            Phase::BackingOff,
            {"RenewLeaseAt 51000"}},
        Row{"ARenewedLeaseIsRenewedAgainAtAThird",
            [](World& w) { return w.backingOffAt("sign"); },
            LeaseRenewed{ok("n1", {{"granted", true}})},
            NodeState::Running,
            Phase::BackingOff,
            {"RenewLeaseAt 101000"}}),
    rowName);

class ProbeReply : public ::testing::TestWithParam<Row> {};
TEST_P(ProbeReply, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, ProbeReply,
    ::testing::Values(
        Row{"AProvisionedNodeIsReleasedAsProvisioned", probing,
            CallReplied{{ok("n1", {{"completed_steps", Json::array({"production"})}})}},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt already_provisioned provisioned",
                                     "Measure already_provisioned provisioned", "SaveNode"} +
                kRelease,
            [](const NodeFlow& n) { EXPECT_EQ(n.leaving, NodeState::Provisioned); }},
        Row{"ANodeNotProvisionedPicksItsMasterAndGoesOn",
            probing,
            CallReplied{{ok("n1", {{"completed_steps", Json::array()}})}},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt already_provisioned not_provisioned",
             "Measure already_provisioned not_provisioned", "SaveNode", "MoveSlot m1",
             "SaveAttempt pick_master done", "SaveNode", "SaveAttempt clean open", "SaveNode",
             "SendCall step puppetca#clean -> m1 m2"}},
        Row{"AnUnansweredProbeIsAskedAgainAfterTheBackoff",
            probing,
            CallReplied{{silent("n1")}},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt already_provisioned retry", "Measure already_provisioned retry",
             "SaveNode", "Schedule 1010"}}),
    rowName);

class StepReply : public ::testing::TestWithParam<Row> {};
TEST_P(StepReply, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(NodeMachine, StepReply,
                         ::testing::Values(Row{"DoneGoesOnToTheNextStep", signing,
                                               CallReplied{{ok("m1")}}, NodeState::Running,
                                               Phase::Calling,
                                               std::vector<std::string>{
                                                   "SaveAttempt sign done", "Measure sign done",
                                                   "SaveNode", "Notify provisioned notify: ",
                                                   "SaveAttempt notify done", "SaveNode"} +
                                                   kRelease},
                                           Row{"AFailedAttemptIsRetriedAfterTheBackoff",
                                               signing,
                                               CallReplied{{refused("m1", "CA busy")}},
                                               NodeState::Running,
                                               Phase::BackingOff,
                                               {"SaveAttempt sign retry", "Measure sign retry",
                                                "Notify retried sign: sign: m1: CA busy",
                                                "SaveNode", "Schedule 1010"},
                                               [](const NodeFlow& n) {
                                                 EXPECT_EQ(n.record.attempt, 1);
                                               }},
                                           Row{"AnAttemptBeyondTheRetriesFailsAndReleases",
                                               [](World& w) {
                                                 return w.callingAt("sign", [](NodeFlow& n) {
                                                   n.record.attempt = 1;
                                                 });
                                               },
                                               CallReplied{{refused("m1", "CA busy")}},
                                               NodeState::Running, Phase::Calling,
                                               std::vector<std::string>{
                                                   "SaveAttempt sign retry", "Measure sign retry",
                                                   "Notify failed sign: sign: m1: CA busy",
                                                   "SaveNode"} +
                                                   kRelease,
                                               [](const NodeFlow& n) {
                                                 EXPECT_EQ(n.leaving, NodeState::Failed);
                                               }},
                                           Row{"AFailVerdictFailsAtOnce", signing,
                                               CallReplied{{ok("m1", {{"outcome", "wrong_key"}})}},
                                               NodeState::Running, Phase::Calling,
                                               std::vector<std::string>{
                                                   "SaveAttempt sign fail", "Measure sign fail",
                                                   "Notify failed sign: sign: m1: status 0",
                                                   "SaveNode"} +
                                                   kRelease},
                                           Row{"ARedoGoesBackToItsStep",
                                               signing,
                                               CallReplied{{ok("m1", {{"outcome", "stale"}})}},
                                               NodeState::Running,
                                               Phase::Calling,
                                               {"SaveAttempt sign redo", "Measure sign redo",
                                                "Notify retried sign: back to step clean: sign: "
                                                "m1: status 0",
                                                "SaveNode", "SaveAttempt clean open", "SaveNode",
                                                "SendCall step puppetca#clean -> m1 m2"},
                                               [](const NodeFlow& n) { EXPECT_EQ(n.redos, 1); }},
                                           Row{"ARedoBeyondTheRedoLimitFails",
                                               [](World& w) {
                                                 return w.callingAt(
                                                     "sign", [](NodeFlow& n) { n.redos = 1; });
                                               },
                                               CallReplied{{ok("m1", {{"outcome", "stale"}})}},
                                               NodeState::Running, Phase::Calling,
                                               std::
                                                       vector<std::string>{
                                                           "SaveAttempt sign fail",
                                                           "Measure sign fail",
                                                           "Notify failed sign: sign: m1: status 0 "
                                                           "(went back to step clean 1 "
                                                           "time(s) already: redo_limit)",
                                                           "SaveNode"} +
                                                   kRelease},
                                           Row{"AFailedAttemptWithItsMasterLostChoosesAgain",
                                               [](World& w) {
                                                 NodeFlow n = signing(w);
                                                 w.lose("m1");
                                                 return n;
                                               },
                                               CallReplied{{silent("m1")}},
                                               NodeState::Running,
                                               Phase::Calling,
                                               {"SaveAttempt sign retry", "Measure sign retry",
                                                "SaveAttempt sign master_lost", "SaveNode",
                                                "MoveSlot m2", "SaveAttempt pick_master done",
                                                "SaveNode", "SaveAttempt clean open", "SaveNode",
                                                "SendCall step puppetca#clean -> m2"}},
                                           Row{"AStepForAllMastersWithNoneHealthyIsDone",
                                               [](World& w) {
                                                 w.lose("m1");
                                                 w.lose("m2");
                                                 return w.backingOffAt("clean");
                                               },
                                               TimerFired{T},
                                               NodeState::Running,
                                               Phase::Calling,
                                               {"SaveAttempt clean done", "SaveNode",
                                                "SaveAttempt sign open", "SaveNode",
                                                "SendCall step puppetca#sign -> m1"}},
                                           Row{"ACallNotSentIsAFailedAttempt",
                                               signing,
                                               CallNotSent{"lookup failed"},
                                               NodeState::Running,
                                               Phase::BackingOff,
                                               {"SaveAttempt sign retry",
                                                "Notify retried sign: lookup failed", "SaveNode",
                                                "Schedule 1010"}}),
                         rowName);

class VerifyReply : public ::testing::TestWithParam<Row> {};
TEST_P(VerifyReply, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, VerifyReply,
    ::testing::Values(
        Row{"AVerifiedStepIsNotCalledAgain", verifying,
            CallReplied{{ok("m1", {{"state", "signed"}})}}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{
                "SaveAttempt sign.verify verified", "Measure sign.verify verified", "SaveNode",
                "Notify provisioned notify: ", "SaveAttempt notify done", "SaveNode"} +
                kRelease,
            [](const NodeFlow& n) { EXPECT_FALSE(n.record.intent); }},
        Row{"AStepNotDoneIsCalledAgain",
            verifying,
            CallReplied{{ok("m1", {{"state", "missing"}})}},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt sign.verify not_done", "Measure sign.verify not_done", "SaveNode",
             "SaveAttempt sign open", "SaveNode", "SendCall step puppetca#sign -> m1"}},
        Row{"AnErrorIsNoProofAndKeepsTheIntent",
            verifying,
            CallReplied{{refused("m1", "CA down")}},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt sign.verify retry", "Measure sign.verify retry", "SaveNode",
             "Notify retried sign: m1: CA down", "SaveNode", "Schedule 1010"},
            [](const NodeFlow& n) { EXPECT_TRUE(n.record.intent && n.record.reconcile); }}),
    rowName);

class EnrolmentEnd : public ::testing::TestWithParam<Row> {};
TEST_P(EnrolmentEnd, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, EnrolmentEnd,
    ::testing::Values(
        Row{"EnrolledGoesOnToTheProbe", enrolling, EnrolmentEnded{Outcome::Enrolled, ""},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt enrol enrolled", "Measure enrol enrolled",
                                     "SaveNode"} +
                kProbe,
            [](const NodeFlow& n) { EXPECT_EQ(n.record.enrolment, Enrolment::Enrolled); }},
        Row{"AlreadyEnrolledGoesOnToTheProbe", enrolling,
            EnrolmentEnded{Outcome::AlreadyEnrolled, ""}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt enrol already_enrolled",
                                     "Measure enrol already_enrolled", "SaveNode"} +
                kProbe},
        Row{"RetryBacksOffAsAClaim",
            enrolling,
            EnrolmentEnded{Outcome::Retry, "no reply"},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt enrol retry", "Measure enrol retry", "SaveNode", "Schedule 1010"}},
        Row{"FailFailsTheNodeAtStepEnrol", enrolling,
            EnrolmentEnded{Outcome::Fail, "token expired"}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt enrol fail", "Measure enrol fail",
                                     "Notify failed enrol: enrol: token expired", "SaveNode"} +
                kRelease},
        Row{"NotSentIsRetried",
            enrolling,
            CallNotSent{"not sent: disk full"},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt enrol retry", "Measure enrol retry", "SaveNode", "Schedule 1010"}},
        Row{"BlockedAfterTheClaimReleasesAndWaits",
            [](World& w) {
              NodeFlow n = w.backingOffAt("pick_master");
              n.record.enrolment = Enrolment::Required;
              return n;
            },
            TimerFired{T}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt enrol waiting"} + kRelease,
            [](const NodeFlow& n) { EXPECT_EQ(n.leaving, NodeState::Waiting); }, "no CA here"}),
    rowName);

// Taking over a node whose claim another provisioner let run out mid-flow: the latest
// verify ahead is asked first, and nothing is repeated that a verify shows done.
NodeFlow takingOverAtClean(World& w) {
  return w.callingAt("clean", [&](NodeFlow& n) {
    n.takingOver = true;
    n.takeoverBelow = w.flow.steps.size();
  });
}

class Takeover : public ::testing::TestWithParam<Row> {};
TEST_P(Takeover, Table) { runRow(GetParam()); }
INSTANTIATE_TEST_SUITE_P(
    NodeMachine, Takeover,
    ::testing::Values(
        Row{"AClaimTakenOverFromAnotherOwnerVerifiesFirst", claiming,
            CallReplied{{ok("n1", {{"granted", true}, {"taken_over_from", "p2"}})}},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt claim granted", "Measure claim granted",
                                     "RenewLeaseAt 101000", "SaveNode"} +
                kProbe,
            [](const NodeFlow& n) { EXPECT_TRUE(n.takingOver); }},
        Row{"OwnExpiredClaimIsNoTakeover", claiming,
            CallReplied{{ok("n1", {{"granted", true}, {"taken_over_from", "provisioner"}})}},
            NodeState::Running, Phase::Calling,
            std::vector<std::string>{"SaveAttempt claim granted", "Measure claim granted",
                                     "RenewLeaseAt 101000", "SaveNode"} +
                kProbe,
            [](const NodeFlow& n) { EXPECT_FALSE(n.takingOver); }},
        Row{"TheLatestStepVerifiedDoneIsWhereTheNodeResumes", takingOverAtClean,
            CallReplied{{ok("m1", {{"state", "signed"}})}}, NodeState::Running, Phase::Calling,
            std::vector<std::string>{
                "SaveAttempt sign.verify verified", "Measure sign.verify verified", "SaveNode",
                "Notify provisioned notify: ", "SaveAttempt notify done", "SaveNode"} +
                kRelease,
            [](const NodeFlow& n) { EXPECT_FALSE(n.takingOver); }},
        Row{"WithNothingProvenTheNodeGoesOnFromItsStep",
            takingOverAtClean,
            CallReplied{{ok("m1", {{"state", "missing"}})}},
            NodeState::Running,
            Phase::Calling,
            {"SaveAttempt sign.verify not_done", "Measure sign.verify not_done", "SaveNode",
             "SaveAttempt clean open", "SaveNode", "SendCall step puppetca#clean -> m1 m2"},
            [](const NodeFlow& n) { EXPECT_FALSE(n.takingOver); }},
        Row{"NoProofEitherWayRepeatsNothingAndAsksAgain",
            takingOverAtClean,
            CallReplied{{refused("m1", "CA down")}},
            NodeState::Running,
            Phase::BackingOff,
            {"SaveAttempt sign.verify retry", "Measure sign.verify retry", "SaveNode",
             "Notify retried clean: m1: CA down", "SaveNode", "Schedule 1010"},
            [](const NodeFlow& n) { EXPECT_TRUE(n.takingOver); }}),
    rowName);

// An attempt keeps what the called nodes said: the wait for a worker there, and what the
// agents and their programs took. Of masters called at once the longest counts, each
// measure on its own; the lookup asked before the call adds to it.
TEST(NodeMachineTiming, AnAttemptKeepsTheAgentsTimeFromTheReplies) {
  World w;
  CallReply first = ok("m1");
  first.timing = {2'100'000, 4'000'000, 3'600'000, 1};
  CallReply second = ok("m2");
  second.timing = {0, 5'000'400, 3'100'000, 2};
  NodeFlow node = w.callingAt("clean");
  auto commands =
      w.machine.handle(node, CallReplied{{first, second}, {100'000, 250'000, 200'000, 1}}, T);
  const SaveAttempt* saved = nullptr;
  for (const auto& command : commands) {
    const auto* save = std::get_if<SaveAttempt>(&command);
    if (save != nullptr && save->attempt.step == "clean") saved = save;
  }
  ASSERT_NE(saved, nullptr);
  EXPECT_EQ(saved->attempt.queuedMs, 2200);
  EXPECT_EQ(saved->attempt.agentMs, 5250);
  EXPECT_EQ(saved->attempt.programMs, 3800);
}

}  // namespace
}  // namespace drover::provisioner::table
