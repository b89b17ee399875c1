#pragma once
// The provisioning engine: the driver of one NodeMachine (node_machine.hpp) per node.
// The machine decides what a node does next; the engine owns everything that is not a
// decision: the store, the bus executor, the threads, the timers, the lease renewals,
// the slots and the waiting queue. It feeds each node's events (registrations, call
// replies, timers, lease renewals, operator commands) to the machine and carries out
// the commands that come back, in order.
//
// A node is admitted when a slot is free (concurrency), its master is chosen and that
// master has a slot (per_master_concurrency); otherwise it waits in arrival order, so a
// burst of registrations queues instead of flattening a master. Admitted, it is
// claimed on the node itself (flow claim action, with a lease renewed at a third of
// its length), probed once (already_provisioned), then taken through the steps. Each
// step call is preceded by its intent, committed to the store (synced before the call
// goes out); a restart finds the intent, marks that attempt interrupted, and runs the
// step's verify probe before calling again. The intent stays on disk until the verify
// has settled the step, so a restart during the verify verifies again. A node leaving
// flight (provisioned, failed, held, back to waiting) releases its claim first; a
// refused claim means another provisioner has the node, which is asked again after
// recheck_interval.
//
// Threads: `concurrency` workers make the calls (one node each at a time: calls block
// them), one scheduler thread fires timers (backoff, rechecks, lease renewals, waiting
// alerts), one renewer thread renews leases so a long Puppet run never starves
// renewals. The machine and every node are touched under `mutex_` only; calls run
// without it. Every public method is thread safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
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
#include "provisioner/name_assigner.hpp"
#include "provisioner/node_machine.hpp"
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
  Json naming;   // the node's `naming` object (naming agent); null when it did not say
  Json cluster;  // the node's `cluster` object (cluster agent); null when it did not say
};

/// The agent an enrolling node serves, and its actions (ddl/provision.json).
inline constexpr const char* kEnrolmentAgent = "provision";

struct NodeCounts {
  std::int64_t waiting = 0, inFlight = 0, claimedElsewhere = 0, held = 0, provisioned = 0,
               failed = 0;
};

class Engine {
 public:
  /// Loads the persisted nodes from `store`; nothing runs before start(). `flows` holds
  /// the default flow first (every node goes through it unless assignFlow says
  /// otherwise), then the others, each by its name. Without an `enroller`, nodes that
  /// register as enrolling wait (status says why). Without `names`, an assign_name step
  /// cannot name anyone (its attempts fail, saying so). Throws StoreError when the state
  /// cannot be read, std::invalid_argument when `flows` is empty or names one twice.
  Engine(std::vector<Flow> flows, EngineOptions options, Store& store, StepExecutor& executor,
         notifiers::EventSink& events, Metrics& metrics, Enroller* enroller = nullptr,
         NameAssigner* names = nullptr);
  /// One flow for every node.
  Engine(Flow flow, EngineOptions options, Store& store, StepExecutor& executor,
         notifiers::EventSink& events, Metrics& metrics, Enroller* enroller = nullptr,
         NameAssigner* names = nullptr);
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

  /// A node's or master's registration. Starts nodes hosting their flow's node agent.
  void observe(const Registration& registration);

  /// Has `identity` go through the flow called `flow` from its next registration on (a
  /// deployment's pool chooses its members' flow before they boot). A known node that
  /// was under another flow starts afresh under this one once it is out of flight.
  /// "" when done; why not when no flow of that name is loaded.
  std::string assignFlow(const std::string& identity, const std::string& flow);
  /// The node is gone for good (a deployment stopped its member): its record is dropped,
  /// at once when it is out of flight, else once its call under way ends (it is held
  /// first, so it releases its claim and starts nothing more). Its history stays. A
  /// node registering later under the identity is a new node.
  void forget(const std::string& identity, const std::string& why);

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
  /// Masters as seen now: identity, the master_facts they have, health, load.
  Json masters() const;

  /// The default flow.
  const Flow& flow() const { return flows_.front(); }
  /// Whether a flow of that name is loaded.
  bool hasFlow(const std::string& name) const;

  /// Told of every saved change of a node: its state, step and last error. Called with
  /// the engine's lock held: it must only note the change, never call the engine.
  using ChangeListener = std::function<void(const NodeRecord& record)>;
  /// Set before start().
  void setChangeListener(ChangeListener listener) { listener_ = std::move(listener); }
  /// Told of a node forgotten (forget()), on the same terms. Set before start().
  using DropListener = std::function<void(const std::string& identity)>;
  void setDropListener(DropListener listener) { dropListener_ = std::move(listener); }

 private:
  // What the driver keeps of a node beside the machine's view of it (NodeFlow).
  struct Runtime {
    NodeFlow flow;
    std::uint64_t seq = 0;         // arrival order in the waiting queue
    bool inSlot = false;           // holds one of the `concurrency` slots
    std::string slotMaster;        // master whose slot it holds, if any
    std::optional<SendCall> call;  // the call to make next
    bool onWorker = false;         // a worker has it or it is queued for one
    bool renewing = false;
    std::int64_t renewAtMs = 0;
  };

  using Lock = std::unique_lock<std::mutex>;

  // engine.cpp: threads, admission, registrations, operator commands
  void loadPersisted();
  std::vector<Attempt> historyOf(const NodeRecord& record);
  bool observeMaster(const Registration& registration, std::int64_t now);
  std::string operatorCommand(const std::string& identity, const NodeEvent& event);
  void workerLoop();
  void runCall(Runtime& node, Lock& lock);
  void schedulerLoop();
  void fireTimers(std::int64_t now);
  void dueRenewals(std::int64_t now);
  void renewerLoop();
  void renew(Runtime& node, Lock& lock);
  void admit(std::int64_t now);
  void admitIfWanted(std::int64_t now);
  bool hostsAgent(const Registration& r, const std::string& agent) const;
  // The machine of the flow called `name` ("" and unknown names: the default flow's).
  NodeMachine& machineFor(const std::string& name);
  const NodeMachine& machineFor(const std::string& name) const;
  // The flow a registering node goes through: assigned, else its record's, else "".
  std::string flowNameFor(const std::string& identity) const;
  void restartUnder(Runtime& node, const std::string& flow, std::int64_t now);
  // Drops the forgotten nodes that are out of flight. Only where no loop holds a node.
  void dropForgotten();

  // engine_commands.cpp: feeding the machine and carrying out its commands
  std::string feed(Runtime& node, const NodeEvent& event, std::int64_t now);
  void carry(Runtime& node, const SaveNode& c, std::int64_t now);
  void carry(Runtime& node, const SaveAttempt& c, std::int64_t now);
  void carry(Runtime& node, const SendCall& c, std::int64_t now);
  void carry(Runtime& node, const Schedule& c, std::int64_t now);
  void carry(Runtime& node, const RenewLeaseAt& c, std::int64_t now);
  void carry(Runtime& node, const EnterQueue& c, std::int64_t now);
  void carry(Runtime& node, const LeaveQueue& c, std::int64_t now);
  void carry(Runtime& node, const TakeSlot& c, std::int64_t now);
  void carry(Runtime& node, const MoveSlot& c, std::int64_t now);
  void carry(Runtime& node, const FreeSlot& c, std::int64_t now);
  void carry(Runtime& node, const StopAdmission& c, std::int64_t now);
  void carry(Runtime& node, const TryAdmission& c, std::int64_t now);
  void carry(Runtime& node, const Notify& c, std::int64_t now);
  void carry(Runtime& node, const Measure& c, std::int64_t now);
  void carry(Runtime& node, const Log& c, std::int64_t now);
  void carry(Runtime& node, const Refuse& c, std::int64_t now);
  /// The one place notifications leave the engine: one event to the notifiers.
  void notify(const Notify& notice, const Runtime& node, std::int64_t now);

  // engine_calls.cpp: a call made without the lock; its result as the machine's event
  NodeEvent perform(SendCall& call);
  /// Renders the plan's arguments (asking its lookup first). "" when the call can go.
  std::string prepare(CallPlan& plan);
  std::string askLookup(CallPlan& plan);
  NodeEvent assignAndTell(SendCall& call);
  EnrolmentEnded enrol(SendCall& call);
  EnrolmentEnded certifyAndInstall(SendCall& call, const CallReply& enrolled);
  std::optional<std::string> issuedBefore(const std::string& identity);
  void recordMasterHealth(const std::vector<CallReply>& replies, std::int64_t now);

  const std::vector<Flow> flows_;  // the default first; never resized (machines refer to them)
  const EngineOptions options_;
  Store& store_;
  StepExecutor& executor_;
  notifiers::EventSink& events_;
  Metrics& metrics_;
  Enroller* const enroller_;
  NameAssigner* const names_;

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
  AttemptIds attemptIds_;                        // shared by the machines: one history
  std::deque<NodeMachine> machines_;             // one per flow, in flows_'s order; read masters_
  std::map<std::string, std::string> assigned_;  // identity -> flow name ("" the default)
  std::set<std::string> forgotten_;              // dropped once out of flight (forget)
  ChangeListener listener_;
  DropListener dropListener_;
  std::uint64_t nextSeq_ = 0;
  int inFlight_ = 0;
  int callsUnderway_ = 0;
  std::int64_t startedMs_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  bool admitting_ = false;
  bool wantAdmission_ = false;     // a command asked for admission: run it when done
  bool admissionStopped_ = false;  // no later node can be admitted in this round
  std::vector<std::thread> threads_;
};

}  // namespace drover::provisioner
