#pragma once
// The provisioning engine: one state machine per node (node_record.hpp lists the
// states), driven by registrations, the flow's steps and operator commands.
//
// A node is admitted when a slot is free (concurrency), its master is chosen and that
// master has a slot (per_master_concurrency); otherwise it waits in arrival order, so a
// burst of registrations queues instead of flattening a master. Admitted, it is
// claimed on the node itself (flow claim action, with a lease renewed at a third of
// its length), probed once (already_provisioned), then taken through the steps. Each
// step call is preceded by its intent, committed to the store; a restart finds the
// intent, marks that attempt interrupted, and runs the step's verify probe before
// calling again. The intent stays on disk until the verify has settled the step, so a
// restart during the verify verifies again. A node leaving flight (provisioned, failed, held, back to waiting)
// releases its claim first; a refused claim means another provisioner has the node,
// which is asked again after recheck_interval.
//
// Threads: `concurrency` workers run one node each at a time (calls block them), one
// scheduler thread runs timers (backoff, rechecks, lease renewals, waiting alerts),
// one renewer thread renews leases so a long Puppet run never starves renewals.
// Every public method is thread safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notifiers/event.hpp"
#include "provisioner/enroller.hpp"
#include "provisioner/executor.hpp"
#include "provisioner/flow.hpp"
#include "provisioner/masters.hpp"
#include "provisioner/metrics.hpp"
#include "provisioner/node_record.hpp"
#include "provisioner/store.hpp"

namespace drover::provisioner {

struct EngineOptions {
  std::string owner = "provisioner";  // our name in claims
  std::vector<std::string> masterFacts{"region", "country", "continent"};
  int concurrency = 50;
  int perMasterConcurrency = 10;
  std::chrono::milliseconds lease{300000};
  std::chrono::milliseconds masterHeartbeatAge{900000};
  int masterFailures = 3;
  std::chrono::milliseconds recheckInterval{60000};
  std::chrono::milliseconds waitingAlert{600000};
  // Directory of per-node Hiera data (node_data.hpp), seen by steps as {{node.data}};
  // empty: node.data is {} (the image's defaults alone).
  std::filesystem::path nodeDataDir;
};

/// What a registration heartbeat (or an inventory reply) says about one node.
struct Registration {
  std::string identity;
  std::vector<std::string> agents;
  Json facts = Json::object();
  std::int64_t startedMs = 0;  // the node daemon's start time; 0 when unknown
  std::string security;        // "enforcing", "enrolling", "disabled"; "" when unknown
  // Signed by the certificate of `identity`. An unverified registration only ever
  // makes an enrolling candidate, never a master.
  bool verified = true;
};

/// The agent an enrolling node serves, and its actions (ddl/provision.json).
inline constexpr const char* kEnrolmentAgent = "provision";

struct NodeCounts {
  std::int64_t waiting = 0, inFlight = 0, claimedElsewhere = 0, held = 0, provisioned = 0,
               failed = 0;
};

class Engine {
 public:
  /// Loads the persisted nodes from `store`; nothing runs before start(). Without an
  /// `enroller`, nodes that register as enrolling wait (status says why).
  /// Throws StoreError when the state cannot be read.
  Engine(Flow flow, EngineOptions options, Store& store, StepExecutor& executor,
         notifiers::EventSink& events, Metrics& metrics, Enroller* enroller = nullptr);
  ~Engine();  // stop(0)
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Starts the worker, scheduler and renewer threads. With `admitNow` false, nodes
  /// only queue until openAdmission(): at start the daemon first learns every master,
  /// so a startup burst is not spread over whichever master answered first.
  void start(bool admitNow = true);
  void openAdmission();
  /// Stops taking new work and waits up to `grace` for calls under way. Returns true
  /// when none is left; a call still running is abandoned as a crash would (its
  /// intent is on disk). The threads are then detached from, not joined.
  bool stop(std::chrono::milliseconds grace);

  /// A node's or master's registration. Starts nodes hosting the flow's node agent.
  void observe(const Registration& registration);

  /// Operator commands: "" when done, else why not.
  std::string retry(const std::string& identity, const std::string& by);
  std::string hold(const std::string& identity, const std::string& by);

  /// Every node's summary and the counts.
  Json status() const;
  /// One node's record, std::nullopt if unknown.
  std::optional<Json> node(const std::string& identity) const;
  std::optional<NodeState> stateOf(const std::string& identity) const;
  NodeCounts counts() const;
  /// Copies the counts into the metrics gauges.
  void refreshMetrics() const;
  /// Masters as seen now: identity, facts, health, load.
  Json masters() const;

  const Flow& flow() const { return flow_; }

 private:
  struct Runtime {
    NodeRecord rec;
    std::uint64_t seq = 0;        // arrival order in the waiting queue
    bool inFlight = false;        // holds a slot
    std::string slotMaster;       // master whose slot it holds, if any
    bool busy = false;            // a worker has it or it is queued for one
    bool renewing = false;
    bool holdRequested = false;
    bool claimLost = false;
    std::optional<NodeState> leaving;  // state to enter once the claim is released
    int claimAttempts = 0;
    std::int64_t nextAtMs = 0;    // backoff end (running) or recheck (claimed elsewhere)
    std::int64_t renewAtMs = 0;
    std::int64_t waitingSinceMs = 0;
    bool alerted = false;
    std::string waitReason;
    std::vector<notifiers::StepResult> steps;  // this run's finished steps, for notifiers
    std::map<std::string, std::int64_t> retriedMs;  // time spent in failed attempts, by step
    int redos = 0;                // redo verdicts taken in this run (flow redo_limit)
  };

  enum class CallKind { Claim, Probe, Verify, Step, Release, Enrol };
  struct Plan {
    enum class Kind { Stop, Inline, Call } kind = Kind::Stop;
    CallKind call = CallKind::Step;
    CallRequest request;
    AttemptRecord attempt;
    AttemptRecord issued;  // Enrol: the row keeping the certificate handed out
    // A step's (or verify's) lookup, asked first; the request's args are rendered
    // from `pendingArgs` against `context` plus its reply's data once it answers.
    std::optional<CallRequest> lookup;
    Json pendingArgs;
    Json context;
  };
  // Enrol, check, sign, install: "enrolled", "already_enrolled", "retry" or "fail".
  struct EnrolmentResult {
    std::string outcome;
    std::string error;
    Json data = Json::object();
  };

  using Lock = std::unique_lock<std::mutex>;

  void loadPersisted();
  void workerLoop();
  void schedulerLoop();
  void renewerLoop();
  void advance(const std::string& identity, Lock& lock);
  Plan plan(Runtime& node, std::int64_t now);
  void inlineStep(Runtime& node, std::int64_t now);
  void applyReply(Runtime& node, const Plan& plan, const std::vector<CallReply>& replies,
                  std::int64_t started, std::int64_t now);
  void applyStep(Runtime& node, const Plan& plan, const std::vector<CallReply>& replies,
                 AttemptRecord& attempt, std::int64_t now);
  void stepFailed(Runtime& node, const std::string& error, std::int64_t now,
                  std::int64_t attemptMs = 0);
  bool rewindIfMasterLost(Runtime& node, std::int64_t now);
  /// A redo verdict: back to step `from`, attempts reset, the master forgotten when
  /// `from` is pick_master or earlier.
  void redo(Runtime& node, const std::string& from, const std::string& error, std::int64_t now,
            std::int64_t attemptMs);
  void leaveFlight(Runtime& node, NodeState state, std::int64_t now);
  void enqueueWaiting(Runtime& node, std::int64_t now);
  void admit(std::int64_t now);
  std::optional<std::string> chooseMaster(Runtime& node, std::int64_t now);
  void takeSlot(Runtime& node, const std::string& master);
  void moveSlot(Runtime& node, const std::string& master);
  void dispatch(Runtime& node);
  void schedule(Runtime& node, std::int64_t at);
  /// Raises one event to the notifiers. `message`: the error (failed, retried) or what
  /// the node waits for (waiting_too_long); `step`: the failed step when not the current.
  void notify(notifiers::EventKind kind, const Runtime& node, const std::string& message, std::int64_t now,
              const std::string& step = "");
  EnrolmentResult runEnrolment(Plan& plan);
  /// Asks the plan's lookup, if any, and renders the call's arguments with its reply.
  /// Runs without the lock. Returns "" when the call can go, else why not.
  std::string runLookup(Plan& plan);
  /// A call that never went out (the intent not on disk, its lookup failed): a
  /// failed attempt of its step.
  void notSent(Runtime& node, Plan& plan, const std::string& error, std::int64_t now);
  void applyEnrolment(Runtime& node, const Plan& plan, const EnrolmentResult& result,
                      std::int64_t now);
  std::optional<std::string> issuedBefore(const std::string& identity);
  std::string enrolmentBlocked() const;
  void observeSecurity(Runtime& node, const Registration& registration, bool restarted,
                       std::int64_t now);
  void record(Runtime& node, std::int64_t now, bool withFacts = false);
  AttemptRecord newAttempt(const Runtime& node, const std::string& step, std::int64_t now);
  void note(Runtime& node, const std::string& step, const std::string& outcome,
            const std::string& error, std::int64_t now);
  Json context(const Runtime& node) const;
  std::vector<std::string> targets(const Runtime& node, Target target, std::int64_t now) const;
  void resetForNewFlow(Runtime& node);
  void finishStep(Runtime& node, const std::string& step, std::int64_t ms, bool ok,
                  const std::string& error);
  void rebuildSteps(Runtime& node);
  bool hostsAgent(const Registration& r, const std::string& agent) const;

  const Flow flow_;
  const EngineOptions options_;
  const std::optional<std::size_t> pickIndex_;
  Store& store_;
  StepExecutor& executor_;
  notifiers::EventSink& events_;
  Metrics& metrics_;
  Enroller* const enroller_;

  mutable std::mutex mutex_;
  std::condition_variable workAvailable_;
  std::condition_variable schedulerWake_;
  std::condition_variable renewAvailable_;
  std::condition_variable idle_;
  std::map<std::string, Runtime> nodes_;
  std::set<std::pair<std::uint64_t, std::string>> waiting_;
  std::multimap<std::int64_t, std::string> timers_;
  std::multimap<std::int64_t, std::string> renewals_;
  std::deque<std::string> jobs_;
  std::deque<std::string> renewJobs_;
  MasterDirectory masters_;
  std::uint64_t nextSeq_ = 0;
  std::int64_t nextAttemptId_ = 0;
  int inFlight_ = 0;
  int callsUnderway_ = 0;
  std::int64_t startedMs_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  bool admitting_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace drover::provisioner
