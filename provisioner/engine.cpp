// Engine: threads, admission, registrations, operator commands and the views of the
// nodes. Commands are carried out in engine_commands.cpp, calls made in engine_calls.cpp.
#include "provisioner/engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.engine"};

constexpr std::int64_t kSchedulerTickMs = 1000;  // waiting alerts are checked this often

// Why an enrolling node cannot enrol through this provisioner; "" when it can.
std::string enrolmentBlocked(const Flow& flow, const Enroller* enroller) {
  if (enroller == nullptr) {
    return "enrolment is not configured on this provisioner (enrolment.token_files, "
           "enrolment.ca_dir)";
  }
  if (flow.claim.agent != kEnrolmentAgent) {
    return "flow '" + flow.name + "' claims nodes through agent '" + flow.claim.agent +
           "', which an enrolling node does not serve (only '" + kEnrolmentAgent + "')";
  }
  return "";
}

MachineSettings machineSettings(const EngineOptions& o, const Flow& flow,
                                const Enroller* enroller) {
  return MachineSettings{o.owner,
                         o.lease,
                         o.masterFacts,
                         o.perMasterConcurrency,
                         o.masterHeartbeatAge,
                         o.recheckInterval,
                         o.waitingAlert,
                         enrolmentBlocked(flow, enroller)};
}

std::vector<Flow> checkedFlows(std::vector<Flow> flows) {
  if (flows.empty()) throw std::invalid_argument("the provisioner needs a flow");
  std::set<std::string> names;
  for (const Flow& flow : flows) {
    if (!names.insert(flow.name).second) {
      throw std::invalid_argument("two flows are called '" + flow.name + "' (" + flow.source +
                                  "); a flow is chosen by its name");
    }
  }
  return flows;
}

}  // namespace

Engine::Engine(std::vector<Flow> flows, EngineOptions options, Store& store, StepExecutor& executor,
               notifiers::EventSink& events, Metrics& metrics, Enroller* enroller,
               NameAssigner* names)
    : flows_(checkedFlows(std::move(flows))),
      options_(std::move(options)),
      store_(store),
      executor_(executor),
      events_(events),
      metrics_(metrics),
      enroller_(enroller),
      names_(names),
      masters_(options_.masterHeartbeatAge.count(), options_.masterFailures),
      attemptIds_{store.lastAttemptId()} {
  for (const Flow& flow : flows_) {
    machines_.emplace_back(flow, machineSettings(options_, flow, enroller), masters_, attemptIds_);
  }
  loadPersisted();
}

Engine::Engine(Flow flow, EngineOptions options, Store& store, StepExecutor& executor,
               notifiers::EventSink& events, Metrics& metrics, Enroller* enroller,
               NameAssigner* names)
    : Engine(std::vector<Flow>{std::move(flow)}, std::move(options), store, executor, events,
             metrics, enroller, names) {}

Engine::~Engine() { stop(std::chrono::milliseconds(0)); }

void Engine::loadPersisted() {
  std::int64_t now = util::nowMs();
  for (NodeRecord& rec : store_.loadNodes()) {
    Runtime& node = nodes_[rec.identity];
    node.flow.record = std::move(rec);
    if (auto named = names_ ? names_->nameOf(node.flow.record.identity) : std::nullopt) {
      node.flow.record.name = named->name;
      node.flow.record.fqdn = named->fqdn;
    }
    feed(node, Restored{historyOf(node.flow.record)}, now);
  }
  logger()->info("flow={} resumed {} node(s) from {} ({} waiting)", flow().name, nodes_.size(),
                 store_.file().string(), waiting_.size());
}

// The rows of the run under way, for the machine to rebuild its steps from.
std::vector<Attempt> Engine::historyOf(const NodeRecord& record) {
  std::vector<Attempt> out;
  if (!machineFor(record.flow).wantsHistory(record)) return out;
  try {
    for (const auto& row : store_.history(record.identity, 1000)) {
      if (auto attempt = attemptFrom(row)) out.push_back(std::move(*attempt));
    }
  } catch (const StoreError& e) {
    logger()->warn("node={}: history not read ({}); notifications list later steps only",
                   record.identity, e.what());
  }
  return out;
}

void Engine::start(bool admitNow) {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  admitting_ = admitNow;
  startedMs_ = util::nowMs();
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { workerLoop(); });
  threads_.emplace_back([this] { schedulerLoop(); });
  threads_.emplace_back([this] { renewerLoop(); });
  admit(startedMs_);
}

void Engine::openAdmission() {
  std::lock_guard lock(mutex_);
  admitting_ = true;
  admit(util::nowMs());
}

bool Engine::stop(std::chrono::milliseconds grace) {
  Lock lock(mutex_);
  if (!started_) return true;
  if (stopping_) return callsUnderway_ == 0;
  stopping_ = true;
  workAvailable_.notify_all();
  schedulerWake_.notify_all();
  renewAvailable_.notify_all();
  bool drained = idle_.wait_for(lock, grace, [&] { return callsUnderway_ == 0; });
  lock.unlock();
  if (drained) {
    for (auto& thread : threads_) thread.join();
  } else {
    // Calls blocked on the bus cannot be interrupted; their intents are committed,
    // so the next start treats them as a crash would.
    logger()->warn("stopping with calls still under way; they resume at the next start");
    for (auto& thread : threads_) thread.detach();
  }
  threads_.clear();
  store_.sync();
  return drained;
}

bool Engine::hostsAgent(const Registration& r, const std::string& agent) const {
  return std::find(r.agents.begin(), r.agents.end(), agent) != r.agents.end();
}

void Engine::observe(const Registration& registration) {
  Lock lock(mutex_);
  std::int64_t now = util::nowMs();
  const std::string& id = registration.identity;
  if (!registration.verified && registration.security != "enrolling") {
    logger()->warn("node={}: unsigned registration that is not enrolling ignored", id);
    return;
  }
  if (observeMaster(registration, now)) return;
  std::string flowName = flowNameFor(id);
  if (!hostsAgent(registration, machineFor(flowName).flow().nodeAgent)) return;
  auto [it, inserted] = nodes_.try_emplace(id);
  if (inserted) {
    it->second.flow = machineFor(flowName).newNode(id, now);
    it->second.flow.record.flow = flowName;
  } else if (Runtime& node = it->second; node.flow.record.flow != flowName && !node.inSlot &&
                                         !node.onWorker && !node.renewing) {
    restartUnder(node, flowName, now);
  }
  feed(it->second,
       Registered{registration.facts, registration.startedMs, securityFrom(registration.security),
                  registration.verified, registration.naming},
       now);
  admitIfWanted(now);
}

std::string Engine::assignFlow(const std::string& identity, const std::string& flow) {
  if (!hasFlow(flow)) {
    std::string known;
    for (const Flow& f : flows_) known += (known.empty() ? "" : ", ") + f.name;
    return "no flow '" + flow + "' is loaded on this provisioner (it has " + known +
           "; deployments.flow_files adds flows)";
  }
  std::lock_guard lock(mutex_);
  // The default flow is kept as "", the form of every node that was never assigned one.
  assigned_[identity] = flow == this->flow().name ? "" : flow;
  return "";
}

void Engine::forget(const std::string& identity, const std::string& why) {
  Lock lock(mutex_);
  // Its flow assignment stays: a member launched into the slot again is assigned anew,
  // perhaps before this call.
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return;
  std::int64_t now = util::nowMs();
  forgotten_.insert(identity);
  if (it->second.flow.record.state == NodeState::Running) feed(it->second, OperatorHold{why}, now);
  dropForgotten();
  admitIfWanted(now);
}

void Engine::dropForgotten() {
  for (auto at = forgotten_.begin(); at != forgotten_.end();) {
    auto it = nodes_.find(*at);
    if (it != nodes_.end()) {
      const Runtime& node = it->second;
      if (node.inSlot || node.onWorker || node.renewing || node.call) {
        ++at;
        continue;
      }
      waiting_.erase({node.seq, *at});
      for (auto* timers : {&timers_, &renewals_}) {
        std::erase_if(*timers, [&](const auto& entry) { return entry.second == *at; });
      }
      store_.dropNode(*at);
      logger()->info("node={}: forgotten", *at);
      nodes_.erase(it);
      if (dropListener_) dropListener_(*at);
    }
    at = forgotten_.erase(at);
  }
}

bool Engine::hasFlow(const std::string& name) const {
  return std::any_of(flows_.begin(), flows_.end(),
                     [&](const Flow& flow) { return flow.name == name; });
}

NodeMachine& Engine::machineFor(const std::string& name) {
  for (NodeMachine& machine : machines_) {
    if (machine.flow().name == name) return machine;
  }
  return machines_.front();
}

const NodeMachine& Engine::machineFor(const std::string& name) const {
  return const_cast<Engine*>(this)->machineFor(name);
}

std::string Engine::flowNameFor(const std::string& identity) const {
  if (auto it = assigned_.find(identity); it != assigned_.end()) return it->second;
  if (auto it = nodes_.find(identity); it != nodes_.end()) return it->second.flow.record.flow;
  return "";
}

// A node known under another flow (its identity reused by a deployment whose pool now
// names another flow) begins again under `flow`: a new record, as a node first seen.
void Engine::restartUnder(Runtime& node, const std::string& flow, std::int64_t now) {
  const std::string identity = node.flow.record.identity;
  logger()->info("node={}: flow {} -> {}", identity, machineFor(node.flow.record.flow).flow().name,
                 machineFor(flow).flow().name);
  waiting_.erase({node.seq, identity});
  node.flow = machineFor(flow).newNode(identity, now);
  node.flow.record.flow = flow;
}

// True when the registration is a master's (taken in, or refused). A master serves the
// master agent of any loaded flow.
bool Engine::observeMaster(const Registration& registration, std::int64_t now) {
  const std::string& id = registration.identity;
  auto served = std::find_if(flows_.begin(), flows_.end(), [&](const Flow& flow) {
    return hostsAgent(registration, flow.masterAgent);
  });
  if (served == flows_.end()) return false;
  if (!registration.verified) {
    // A master is chosen to sign certificates: only a node proven by its own certificate.
    logger()->warn(
        "node={}: unsigned registration hosting {} ignored: a master must be "
        "an enrolled node",
        id, served->masterAgent);
    return true;
  }
  bool fresh = !masters_.known(id) || !masters_.healthy(id, now);
  masters_.seen(id, registration.facts, now);
  if (fresh) {
    logger()->info("master={} available", id);
    admit(now);
  }
  return true;
}

void Engine::admit(std::int64_t now) {
  wantAdmission_ = false;
  if (stopping_ || !started_ || !admitting_) return;
  admissionStopped_ = false;
  for (auto it = waiting_.begin();
       it != waiting_.end() && inFlight_ < options_.concurrency && !admissionStopped_;) {
    Runtime& node = nodes_.at((it++)->second);  // admitted, it leaves the queue
    feed(node, Admit{startedMs_}, now);
  }
  wantAdmission_ = false;
}

void Engine::admitIfWanted(std::int64_t now) {
  if (wantAdmission_) admit(now);
}

void Engine::workerLoop() {
  Lock lock(mutex_);
  for (;;) {
    workAvailable_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Runtime& node = nodes_.at(jobs_.front());
    jobs_.pop_front();
    while (node.call && !stopping_) runCall(node, lock);
    node.onWorker = false;
  }
}

void Engine::runCall(Runtime& node, Lock& lock) {
  SendCall call = std::move(*node.call);
  node.call.reset();
  ++callsUnderway_;
  lock.unlock();
  NodeEvent result = perform(call);
  lock.lock();
  --callsUnderway_;
  idle_.notify_all();
  std::int64_t now = util::nowMs();
  if (const auto* replied = std::get_if<CallReplied>(&result); replied && call.plan.toMasters) {
    recordMasterHealth(replied->replies, now);
  }
  feed(node, result, now);
  admitIfWanted(now);
}

void Engine::schedulerLoop() {
  Lock lock(mutex_);
  while (!stopping_) {
    std::int64_t now = util::nowMs();
    fireTimers(now);
    dueRenewals(now);
    for (const auto& [seq, identity] : waiting_) feed(nodes_.at(identity), WaitingCheck{}, now);
    dropForgotten();
    admitIfWanted(now);
    std::int64_t wake = now + kSchedulerTickMs;
    if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
    if (!renewals_.empty()) wake = std::min(wake, renewals_.begin()->first);
    schedulerWake_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(1, wake - now)));
  }
}

void Engine::fireTimers(std::int64_t now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto [at, identity] = *timers_.begin();
    timers_.erase(timers_.begin());
    feed(nodes_.at(identity), TimerFired{at}, now);
  }
}

void Engine::dueRenewals(std::int64_t now) {
  while (!renewals_.empty() && renewals_.begin()->first <= now) {
    auto [at, identity] = *renewals_.begin();
    renewals_.erase(renewals_.begin());
    Runtime& node = nodes_.at(identity);
    if (node.renewAtMs != at || !node.inSlot || !node.flow.record.claimed || node.renewing)
      continue;
    node.renewing = true;
    renewJobs_.push_back(identity);
    renewAvailable_.notify_one();
  }
}

void Engine::renewerLoop() {
  Lock lock(mutex_);
  for (;;) {
    renewAvailable_.wait(lock, [&] { return stopping_ || !renewJobs_.empty(); });
    if (stopping_) return;
    Runtime& node = nodes_.at(renewJobs_.front());
    renewJobs_.pop_front();
    renew(node, lock);
  }
}

// A lease is renewed by claiming again: the same call as the claim.
void Engine::renew(Runtime& node, Lock& lock) {
  CallRequest request = machineFor(node.flow.record.flow).claimRequest(node.flow.record);
  ++callsUnderway_;
  lock.unlock();
  auto replies = executor_.call(request);
  lock.lock();
  --callsUnderway_;
  idle_.notify_all();
  std::int64_t now = util::nowMs();
  node.renewing = false;
  if (!node.inSlot) return;
  feed(node, LeaseRenewed{replies.front()}, now);
  admitIfWanted(now);
}

std::string Engine::retry(const std::string& identity, const std::string& by) {
  return operatorCommand(identity, OperatorRetry{by});
}

std::string Engine::hold(const std::string& identity, const std::string& by) {
  return operatorCommand(identity, OperatorHold{by});
}

// "" when done, else why not.
std::string Engine::operatorCommand(const std::string& identity, const NodeEvent& event) {
  Lock lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return "no node " + identity + " is known to this provisioner";
  std::int64_t now = util::nowMs();
  std::string refused = feed(it->second, event, now);
  admitIfWanted(now);
  return refused;
}

NodeCounts Engine::counts() const {
  std::lock_guard lock(mutex_);
  NodeCounts c;
  for (const auto& [name, node] : nodes_) {
    switch (node.flow.record.state) {
      case NodeState::Waiting: ++c.waiting; break;
      case NodeState::Running: ++c.inFlight; break;
      case NodeState::ClaimedElsewhere: ++c.claimedElsewhere; break;
      case NodeState::Held: ++c.held; break;
      case NodeState::Provisioned: ++c.provisioned; break;
      case NodeState::Failed: ++c.failed; break;
    }
  }
  return c;
}

void Engine::refreshMetrics() const {
  NodeCounts c = counts();
  metrics_.setNodes("waiting", c.waiting);
  metrics_.setNodes("in_flight", c.inFlight);
  metrics_.setNodes("claimed_elsewhere", c.claimedElsewhere);
  metrics_.setNodes("held", c.held);
  metrics_.setNodes("provisioned", c.provisioned);
  metrics_.setNodes("failed", c.failed);
  std::lock_guard lock(mutex_);
  std::int64_t blocked = 0;
  std::int64_t now = util::nowMs();
  std::map<std::string, double> longest;  // step -> seconds its oldest running node spent
  for (const auto& [name, node] : nodes_) {
    const NodeRecord& r = node.flow.record;
    blocked += r.enrolment == Enrolment::Required && r.state == NodeState::Waiting &&
               !machineFor(r.flow).settings().enrolmentBlocked.empty();
    if (r.state == NodeState::Running && r.updatedMs > 0) {
      double age = static_cast<double>(std::max<std::int64_t>(0, now - r.updatedMs)) / 1000.0;
      double& slot = longest[r.stepName];
      slot = std::max(slot, age);
    }
  }
  metrics_.setEnrolmentBlocked(blocked);
  metrics_.setLongestInStep(std::move(longest));
  metrics_.setMasters(static_cast<std::int64_t>(masters_.candidates(now).size()),
                      static_cast<std::int64_t>(masters_.all().size()));
}

Json Engine::status() const {
  NodeCounts c = counts();
  std::lock_guard lock(mutex_);
  Json nodes = Json::array();
  for (const auto& [name, node] : nodes_) {
    Json entry = toJson(node.flow.record);
    if (!node.flow.waitReason.empty() && node.flow.record.state == NodeState::Waiting) {
      entry["waiting_for"] = node.flow.waitReason;
    }
    nodes.push_back(std::move(entry));
  }
  Json flowNames = Json::array();
  for (const Flow& flow : flows_) flowNames.push_back(flow.name);
  return Json{{"flow", flow().name},
              {"flows", flowNames},
              {"counts",
               {{"waiting", c.waiting},
                {"in_flight", c.inFlight},
                {"claimed_elsewhere", c.claimedElsewhere},
                {"held", c.held},
                {"provisioned", c.provisioned},
                {"failed", c.failed}}},
              {"nodes", nodes}};
}

std::optional<Json> Engine::node(const std::string& identity) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return std::nullopt;
  const NodeFlow& flow = it->second.flow;
  Json out = toJson(flow.record);
  out["facts"] = flow.record.facts;
  if (!flow.waitReason.empty()) out["waiting_for"] = flow.waitReason;
  return out;
}

std::optional<NodeState> Engine::stateOf(const std::string& identity) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.flow.record.state;
}

Json Engine::masters() const {
  std::lock_guard lock(mutex_);
  std::int64_t now = util::nowMs();
  Json out = Json::array();
  for (const auto& [name, master] : masters_.all()) {
    // The facts masters are chosen on, not every fact a master has.
    Json facts = Json::object();
    for (const std::string& fact : options_.masterFacts) {
      if (master.facts.contains(fact)) facts[fact] = master.facts[fact];
    }
    out.push_back({{"identity", name},
                   {"facts", facts},
                   {"healthy", masters_.healthy(name, now)},
                   {"in_flight", master.inFlight},
                   {"failures", master.failures},
                   {"last_seen_ms", master.lastSeenMs}});
  }
  return out;
}

}  // namespace drover::provisioner
