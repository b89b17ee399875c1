#pragma once
// One node's way through the flow as a pure state machine:
//
//     handle(node, event, now) -> node changed in place + the commands to carry out
//
// No I/O, no clock (each event comes with its time), no locks, no threads, no store,
// no executor: the Engine (engine.hpp) is the driver that owns those, feeds events
// in and carries the commands out in order. The machine reads the masters' health
// and load (MasterDirectory) but never changes them: the driver records a master's
// replies before it hands them in, and takes/moves/frees slots on command.
//
// How a running node goes on is decided in one place (`next move`): leave when asked
// to (release the claim first), claim, enrol, probe already_provisioned, then the
// flow's steps, each kind of step by its entry in a table (stepKinds()); each call
// kind's reply is read by its entry in another (callKinds()). A new kind of step is
// a new row (and its events/commands), not a new branch in the driver.
//
// Restart points: each step call (and enrolment) leaves an intent on disk before it
// goes out (SendCall::durable); a Restored node with an intent records that attempt
// as interrupted and verifies the step before calling again.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "notifiers/event.hpp"
#include "provisioner/executor.hpp"
#include "provisioner/flow.hpp"
#include "provisioner/masters.hpp"
#include "provisioner/node_record.hpp"

namespace drover::provisioner {

enum class CallKind { Claim, Probe, Verify, Step, Release, Enrol };
/// Where a running node is: free to go on, waiting for a call's reply, or backing off.
enum class Phase { Idle, Calling, BackingOff };
/// What a node's registration says of its security.
enum class Security { Unknown, Enforcing, Enrolling, Disabled };
/// The outcome of one row of a node's history (the store keeps its name).
enum class Outcome {
  Done,
  Retry,
  Fail,
  Redo,
  Failed,
  Interrupted,
  Restarted,
  Waiting,
  EnrolledElsewhere,
  MasterLost,
  RetryNow,
  Hold,
  Lost,
  Granted,
  Refused,
  Provisioned,
  NotProvisioned,
  Verified,
  NotDone,
  Enrolled,
  AlreadyEnrolled,
  Issued,
  Reused
};
enum class LogLevel { Debug, Info, Warn };

std::string toString(CallKind kind);
std::string toString(Phase phase);
std::string toString(Outcome outcome);
/// std::nullopt for a name no Outcome has.
std::optional<Outcome> outcomeFrom(const std::string& name);
Security securityFrom(const std::string& name);

/// One row of a node's history as the machine writes it (AttemptRecord in the store).
struct Attempt {
  std::int64_t id = 0;
  std::string step;
  int attempt = 0;
  std::string target;
  std::int64_t startedMs = 0;
  std::int64_t finishedMs = 0;  // 0: open, the call is under way
  Outcome outcome = Outcome::Done;
  std::string error;
  Json data = Json::object();
  std::int64_t queuedMs = 0;   // AttemptRecord::queuedMs
  std::int64_t agentMs = 0;    // AttemptRecord::agentMs
  std::int64_t programMs = 0;  // AttemptRecord::programMs
  bool operator==(const Attempt&) const = default;
};

/// A call ready to go. With `render`, the args of `request` (and `lookup`) are still
/// templates: the driver adds {{node.data}} to `context`, asks the lookup, adds its
/// reply as {{lookup}} and renders; a failure there is CallNotSent.
struct CallPlan {
  CallRequest request;
  std::optional<CallRequest> lookup;
  Json context = Json::object();
  bool render = false;
  bool toMasters = false;  // the replies tell the masters' health
  // assign_name: the declaration ({service, type, aliases}) the driver assigns a name
  // by (persisted before the call goes out), then sends as set_name's arguments.
  Json naming;
  envelope::Timing lookupTiming{};  // set by the driver once the lookup has answered
};

/// The call under way for a node.
struct PendingCall {
  CallKind kind = CallKind::Step;
  Attempt attempt;
};

/// One node as the machine keeps it: the stored record plus this run's counters.
struct NodeFlow {
  NodeRecord record;
  bool known = false;  // registered or restored: Registered is not its first
  Phase phase = Phase::Idle;
  std::optional<PendingCall> call;
  std::optional<NodeState> leaving;  // state to enter once the claim is released
  bool holdRequested = false;
  bool claimLost = false;
  int claimAttempts = 0;  // claim, probe and enrol attempts in a row
  int redos = 0;          // redo verdicts taken in this run (flow redo_limit)
  // Taking over from another provisioner that stopped mid-flow (its claim ran out
  // unreleased): before anything is repeated, the verifies of the steps ahead are
  // asked, latest first, and the node resumes after the first that holds.
  bool takingOver = false;
  std::size_t takeoverBelow = 0;         // steps from here on were asked already
  std::optional<std::size_t> verifying;  // the step whose verify is out (taking over)
  std::int64_t timerAtMs = 0;            // backoff end (running) or recheck (claimed elsewhere)
  std::int64_t waitingSinceMs = 0;
  bool alerted = false;  // waiting_too_long sent for this wait
  std::string waitReason;
  std::vector<notifiers::StepResult> steps;  // this run's finished steps (every attempt summed)
  std::map<std::string, std::int64_t> retriedMs;  // time in failed attempts, by step
};

// ---- events -------------------------------------------------------------------------
/// Loaded from the store at start; `history` is the node's, oldest first (empty when
/// wantsHistory() said no).
struct Restored {
  std::vector<Attempt> history;
};
/// A registration heartbeat (or inventory reply) of the node.
struct Registered {
  Json facts = Json::object();
  std::int64_t startedMs = 0;
  Security security = Security::Unknown;
  bool verified = true;
  Json naming;  // null: not said (an inventory reply), the last one stands
};
/// A slot is free for this waiting node (the driver offers them in arrival order).
struct Admit {
  std::int64_t engineStartedMs = 0;
};
/// The replies of the pending call, one per node called.
struct CallReplied {
  std::vector<CallReply> replies;
  envelope::Timing lookup{};  // what the step's lookup, asked before the call, took
};
/// The enrolment exchange (enrol, certify, install) ended: Enrolled, AlreadyEnrolled,
/// Retry or Fail.
struct EnrolmentEnded {
  Outcome outcome = Outcome::Retry;
  std::string error;
  Json data = Json::object();
};
/// The pending call never went out (intent not on disk, lookup failed, bad arguments).
struct CallNotSent {
  std::string error;
};
struct TimerFired {
  std::int64_t at = 0;
};
struct LeaseRenewed {
  CallReply reply;
};
struct OperatorRetry {
  std::string by;
};
struct OperatorHold {
  std::string by;
};
/// The driver's periodic look at waiting nodes.
struct WaitingCheck {};

using NodeEvent =
    std::variant<Restored, Registered, Admit, CallReplied, EnrolmentEnded, CallNotSent, TimerFired,
                 LeaseRenewed, OperatorRetry, OperatorHold, WaitingCheck>;

// ---- commands -----------------------------------------------------------------------
struct SaveNode {
  bool withFacts = false;
  bool operator==(const SaveNode&) const = default;
};
struct SaveAttempt {
  Attempt attempt;
  bool operator==(const SaveAttempt&) const = default;
};
/// Send the call and hand its replies back. `durable`: the node's intent must be on
/// disk (synced) first. `issued`: the row keeping an enrolment's certificate.
struct SendCall {
  CallKind kind = CallKind::Step;
  CallPlan plan;
  bool durable = false;
  std::optional<Attempt> issued;
};
struct Schedule {
  std::int64_t at = 0;
  bool operator==(const Schedule&) const = default;
};
struct RenewLeaseAt {
  std::int64_t at = 0;
  bool operator==(const RenewLeaseAt&) const = default;
};
struct EnterQueue {
  bool operator==(const EnterQueue&) const = default;
};
struct LeaveQueue {
  bool operator==(const LeaveQueue&) const = default;
};
struct TakeSlot {
  std::string master;
  bool operator==(const TakeSlot&) const = default;
};
struct MoveSlot {
  std::string master;
  bool operator==(const MoveSlot&) const = default;
};
struct FreeSlot {
  bool operator==(const FreeSlot&) const = default;
};
/// No node after this one in the queue can be admitted now either.
struct StopAdmission {
  bool operator==(const StopAdmission&) const = default;
};
/// Something changed that may let a waiting node go: offer the free slots again.
struct TryAdmission {
  bool operator==(const TryAdmission&) const = default;
};
/// Tell the admins (the driver makes the notifiers::Event); what the node was at that
/// moment, so later changes in the same turn do not show.
struct Notify {
  notifiers::EventKind notice = notifiers::EventKind::Provisioned;
  std::string message;  // failed, retried: the error; waiting_too_long: what it waits for
  std::string step;     // the step concerned
  int attempt = 0;
  std::string master;
  std::int64_t sinceMs = 0;  // when the flow started; waiting_too_long: when the wait began
  Json facts = Json::object();
  std::vector<notifiers::StepResult> steps;
  bool operator==(const Notify&) const = default;
};
struct Measure {
  std::string step;
  Outcome outcome = Outcome::Done;
  double seconds = 0;
  bool operator==(const Measure&) const = default;
};
struct Log {
  LogLevel level = LogLevel::Info;
  std::string message;
  bool operator==(const Log&) const = default;
};
/// An operator command is refused, for this reason.
struct Refuse {
  std::string reason;
  bool operator==(const Refuse&) const = default;
};

using Command = std::variant<SaveNode, SaveAttempt, SendCall, Schedule, RenewLeaseAt, EnterQueue,
                             LeaveQueue, TakeSlot, MoveSlot, FreeSlot, StopAdmission, TryAdmission,
                             Notify, Measure, Log, Refuse>;

/// The store's row for a machine's row, and back (std::nullopt for an outcome the
/// machine does not know).
AttemptRecord toRecord(const Attempt& attempt, const std::string& identity);
std::optional<Attempt> attemptFrom(const AttemptRecord& row);
/// "node: message" (or "node: no reply (why)"), as history rows show a reply.
std::string describe(const CallReply& reply);

/// A short line per command ("SaveAttempt claim granted", "SendCall Step puppetca#sign -> m1"),
/// for logs and tests.
std::string describe(const Command& command);

/// What the machine needs to know of the provisioner's settings.
struct MachineSettings {
  std::string owner = "provisioner";  // our name in claims
  std::chrono::milliseconds lease{300000};
  std::vector<std::string> masterFacts{"region", "country", "continent"};
  int perMasterConcurrency = 10;
  std::chrono::milliseconds masterHeartbeatAge{900000};  // grace for a kept master after a restart
  std::chrono::milliseconds recheckInterval{60000};
  std::chrono::milliseconds waitingAlert{600000};
  std::string enrolmentBlocked;  // why enrolling nodes cannot enrol here; "" when they can
};

/// History row ids: one counter for every machine of an engine (one machine per flow),
/// starting at the highest row id stored.
struct AttemptIds {
  std::int64_t last = 0;
  std::int64_t next() { return ++last; }
};

class NodeMachine {
 public:
  /// `ids` outlives the machine; new history rows take their ids from it.
  NodeMachine(const Flow& flow, MachineSettings settings, const MasterDirectory& masters,
              AttemptIds& ids);

  /// A node first seen now, not yet registered (feed Registered next).
  NodeFlow newNode(const std::string& identity, std::int64_t now) const;
  std::vector<Command> handle(NodeFlow& node, const NodeEvent& event, std::int64_t now);
  /// Whether a Restored node's history is needed (to rebuild this run's steps).
  bool wantsHistory(const NodeRecord& record) const;
  /// The claim request (also the lease renewal: the same call again).
  CallRequest claimRequest(const NodeRecord& record) const;

  const Flow& flow() const { return flow_; }
  const MachineSettings& settings() const { return settings_; }

 private:
  // One event's handling: the node, the event's time, the commands so far.
  struct Turn {
    NodeFlow& node;
    std::int64_t now;
    std::vector<Command> out;
    void emit(Command command) { out.push_back(std::move(command)); }
  };
  using StepHandler = bool (NodeMachine::*)(Turn&, const Step&);
  using ReplyHandler = void (NodeMachine::*)(Turn&, Attempt&, const std::vector<CallReply>&);
  struct StepKindRow {
    StepKind kind;
    StepHandler run;
  };
  struct CallKindRow {
    CallKind kind;
    bool durable;
    ReplyHandler onReply;
  };
  static const std::vector<StepKindRow>& stepKinds();
  static const std::vector<CallKindRow>& callKinds();
  static const CallKindRow& rowOf(CallKind kind);

  // node_machine.cpp: events and the next move
  void on(Turn& t, const Restored& e);
  void on(Turn& t, const Registered& e);
  void on(Turn& t, const Admit& e);
  void on(Turn& t, const CallReplied& e);
  static void timeAgents(Attempt& a, const CallReplied& e);
  void on(Turn& t, const EnrolmentEnded& e);
  void on(Turn& t, const CallNotSent& e);
  void on(Turn& t, const TimerFired& e);
  void on(Turn& t, const LeaseRenewed& e);
  void on(Turn& t, const OperatorRetry& e);
  void on(Turn& t, const OperatorHold& e);
  void on(Turn& t, const WaitingCheck& e);
  void goOn(Turn& t);
  bool nextMove(Turn& t);
  bool leave(Turn& t);
  bool enrolOrWait(Turn& t);
  bool probeOrSkip(Turn& t);
  bool runAction(Turn& t, const Step& step);
  /// Taking over: asks the verify of the latest step ahead not yet asked; false when
  /// none is left (the node goes on from its step as any other).
  bool askTakeover(Turn& t);
  bool pickMaster(Turn& t, const Step& step);
  bool notifyStep(Turn& t, const Step& step);
  bool assignName(Turn& t, const Step& step);
  void restoreStep(Turn& t);
  void restoreIntent(Turn& t);
  void rebuildSteps(Turn& t, const std::vector<Attempt>& history);
  void observeSecurity(Turn& t, const Registered& e, bool restarted);
  void restartedNode(Turn& t, bool provisioned);
  std::optional<std::string> admissionMaster(Turn& t, const Admit& e);
  std::optional<std::string> keptMaster(Turn& t);

  // node_machine_calls.cpp: calls and what their replies mean
  void send(Turn& t, CallKind kind, CallPlan plan, Attempt attempt,
            std::optional<Attempt> issued = std::nullopt);
  void sendFlowCall(Turn& t, CallKind kind, const ActionCall& call,
                    const std::optional<ActionCall>& lookup, std::chrono::milliseconds timeout,
                    Attempt attempt);
  CallPlan planFor(const NodeFlow& node, const ActionCall& call,
                   const std::optional<ActionCall>& lookup, std::chrono::milliseconds timeout,
                   std::int64_t now) const;
  CallRequest enrolRequest(const NodeRecord& record) const;
  void onClaimReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onProbeReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onVerifyReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onTakeoverVerify(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onStepReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onReleaseReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void onEnrolReply(Turn& t, Attempt& a, const std::vector<CallReply>& replies);
  void enrolmentEnded(Turn& t, Attempt a, const EnrolmentEnded& e);
  void closeAttempt(Turn& t, Attempt& a, Outcome outcome);
  void claimNotAnswered(Turn& t, CallKind kind, const std::string& error);

  // node_machine_outcomes.cpp: retries, redo, failure, the master-lost rule, leaving
  void stepDone(Turn& t, const std::string& step, std::int64_t ms);
  void stepFailed(Turn& t, const std::string& error, std::int64_t attemptMs);
  void stepFailsNow(Turn& t, const std::string& errors, std::int64_t attemptMs);
  void redo(Turn& t, const std::string& from, const std::string& error, std::int64_t attemptMs);
  bool masterLost(const NodeFlow& node, std::int64_t now) const;
  void chooseMasterAgain(Turn& t, const std::string& why);
  std::optional<std::string> chooseMaster(NodeFlow& node, std::int64_t now) const;
  void leaveFlight(Turn& t, NodeState state);
  void enterQueue(Turn& t);
  void backOff(Turn& t, std::int64_t at);
  void finishStep(NodeFlow& node, const std::string& step, std::int64_t ms, bool ok,
                  const std::string& error) const;
  void resetForNewFlow(NodeFlow& node) const;
  void moveToStep(NodeRecord& record, std::size_t step) const;
  Attempt newAttempt(const Turn& t, const std::string& step);
  void note(Turn& t, const std::string& step, Outcome outcome, const std::string& error);
  void notify(Turn& t, notifiers::EventKind notice, const std::string& message,
              const std::string& step = "");
  void log(Turn& t, LogLevel level, const std::string& message) const;
  void save(Turn& t, bool withFacts = false) const;
  Json context(const NodeFlow& node) const;
  std::vector<std::string> targets(const NodeFlow& node, Target target, std::int64_t now) const;

  const Flow& flow_;
  const MachineSettings settings_;
  const MasterDirectory& masters_;
  const std::optional<std::size_t> pickIndex_;
  AttemptIds& ids_;
};

}  // namespace drover::provisioner
