// Engine: threads, admission and operator commands. The per-node step logic is in
// engine_steps.cpp.
#include "provisioner/engine.hpp"

#include <algorithm>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace drover::provisioner {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("drover.provisioner.engine");
  return instance;
}

constexpr std::int64_t kSchedulerTickMs = 1000;  // waiting alerts are checked this often

}  // namespace

Engine::Engine(Flow flow, EngineOptions options, Store& store, StepExecutor& executor,
               notifiers::EventSink& events, Metrics& metrics, Enroller* enroller)
    : flow_(std::move(flow)),
      options_(std::move(options)),
      pickIndex_(flow_.pickMasterIndex()),
      store_(store),
      executor_(executor),
      events_(events),
      metrics_(metrics),
      enroller_(enroller),
      masters_(options_.masterHeartbeatAge.count(), options_.masterFailures) {
  loadPersisted();
}

Engine::~Engine() { stop(std::chrono::milliseconds(0)); }

void Engine::loadPersisted() {
  std::int64_t now = util::nowMs();
  nextAttemptId_ = store_.lastAttemptId();
  for (NodeRecord& rec : store_.loadNodes()) {
    Runtime& node = nodes_[rec.identity];
    node.rec = std::move(rec);
    NodeRecord& r = node.rec;
    // The flow may have changed: steps are found again by name.
    if (r.stepName.empty()) {
      r.step = flow_.steps.size();  // every step done; only the release was left
    } else if (r.state != NodeState::Provisioned) {
      auto index = flow_.indexOf(r.stepName);
      if (index) {
        r.step = *index;
      } else {
        r.state = NodeState::Failed;
        r.lastError = "step '" + r.stepName + "' is not in flow '" + flow_.name +
                      "' any more; `drover provision retry` restarts the node's flow";
        r.step = 0;
        r.stepName = flow_.steps.front().name;
      }
    }
    if (r.intent) {
      AttemptRecord interrupted;
      interrupted.id = r.intent->attemptId;
      interrupted.identity = r.identity;
      interrupted.step = r.intent->step;
      interrupted.attempt = r.intent->attempt;
      interrupted.startedMs = r.intent->startedMs;
      interrupted.finishedMs = now;
      interrupted.outcome = "interrupted";
      interrupted.error = "the provisioner stopped during this call";
      store_.putAttempt(interrupted);
      r.reconcile = r.intent->step == r.stepName;
      // Kept until the verify has settled the step: killed again before that, the next
      // start must verify again, not repeat a call that may still be running.
      if (!r.reconcile) r.intent.reset();
    }
    if (r.state == NodeState::Running) {
      // Claim again: our lease may have run out while we were down.
      r.state = NodeState::Waiting;
      r.claimed = false;
    }
    if (r.state == NodeState::ClaimedElsewhere) r.state = NodeState::Waiting;
    if (r.state != NodeState::Provisioned) rebuildSteps(node);
    if (r.state == NodeState::Waiting) enqueueWaiting(node, now);
    store_.putNode(r, false);
  }
  logger()->info("flow={} resumed {} node(s) from {} ({} waiting)", flow_.name, nodes_.size(),
                 store_.file().string(), waiting_.size());
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
  if (!started_ || stopping_) {
    bool drained = callsUnderway_ == 0;
    lock.unlock();
    if (!started_) return true;
    return drained;
  }
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
  if (hostsAgent(registration, flow_.masterAgent)) {
    if (!registration.verified) {
      // A master is chosen to sign certificates: only a node proven by its own certificate.
      logger()->warn("node={}: unsigned registration hosting {} ignored: a master must be "
                     "an enrolled node", id, flow_.masterAgent);
      return;
    }
    bool fresh = !masters_.known(id) || !masters_.healthy(id, now);
    masters_.seen(id, registration.facts, now);
    if (fresh) {
      logger()->info("master={} available", id);
      if (started_) admit(now);
    }
    return;
  }
  if (!hostsAgent(registration, flow_.nodeAgent)) return;
  auto [it, inserted] = nodes_.try_emplace(id);
  Runtime& node = it->second;
  if (inserted) {
    node.rec.identity = id;
    node.rec.firstSeenMs = now;
    node.rec.updatedMs = now;
    node.rec.stepName = flow_.steps.front().name;
    node.rec.facts = registration.facts;
    node.rec.nodeStartedMs = registration.startedMs;
    observeSecurity(node, registration, false, now);
    logger()->info("node={} registered; queued for flow {}", id, flow_.name);
    enqueueWaiting(node, now);
    record(node, now, true);
    if (started_) admit(now);
    return;
  }
  bool restarted = registration.startedMs > node.rec.nodeStartedMs && node.rec.nodeStartedMs != 0;
  bool factsChanged = registration.facts != node.rec.facts;
  node.rec.facts = registration.facts;
  node.rec.nodeStartedMs = std::max(node.rec.nodeStartedMs, registration.startedMs);
  Enrolment enrolmentBefore = node.rec.enrolment;
  observeSecurity(node, registration, restarted, now);
  if (node.rec.enrolment != enrolmentBefore && !restarted) {
    record(node, now);
    if (started_ && node.rec.state == NodeState::Waiting) admit(now);
  }
  if (restarted && node.rec.state == NodeState::Provisioned && flow_.alreadyProvisioned) {
    // Same name, new daemon: a rebuilt host reusing the name, or just a reboot. The
    // already_provisioned probe tells which.
    resetForNewFlow(node);
    note(node, "registration", "restarted", "node daemon restarted; checking it is still provisioned", now);
    enqueueWaiting(node, now);
    record(node, now, true);
    if (started_) admit(now);
    return;
  }
  if (restarted && node.rec.state == NodeState::Failed) {
    if (!node.steps.empty() && !node.steps.back().ok) node.steps.pop_back();
    note(node, "registration", "restarted", "node daemon restarted; retrying", now);
    node.rec.state = NodeState::Waiting;
    node.rec.attempt = 0;
    enqueueWaiting(node, now);
    record(node, now, true);
    if (started_) admit(now);
    return;
  }
  if (factsChanged || restarted) record(node, now, factsChanged);
}

void Engine::observeSecurity(Runtime& node, const Registration& registration, bool restarted,
                             std::int64_t now) {
  Enrolment& enrolment = node.rec.enrolment;
  if (registration.security == "enrolling") {
    // A heartbeat sent before our install_certificate may still arrive: only a new
    // daemon (a rebuilt host) makes an enrolled node enrol again.
    if (enrolment == Enrolment::Required || (enrolment == Enrolment::Enrolled && !restarted)) return;
    enrolment = Enrolment::Required;
    std::string blocked = enrolmentBlocked();
    if (blocked.empty()) {
      logger()->info("node={} is enrolling: it gets a certificate before its first step", node.rec.identity);
    } else {
      logger()->warn("node={} is enrolling and waits: {}", node.rec.identity, blocked);
      note(node, "enrol", "waiting", blocked, now);
    }
  } else if (registration.security == "enforcing" && registration.verified &&
             enrolment == Enrolment::Required && !node.busy) {
    enrolment = Enrolment::Enrolled;  // by another provisioner, or the operator
    note(node, "enrol", "enrolled_elsewhere", "the node registered with its own certificate", now);
  }
}

std::string Engine::enrolmentBlocked() const {
  if (enroller_ == nullptr) {
    return "enrolment is not configured on this provisioner (enrolment.token_files, "
           "enrolment.ca_dir)";
  }
  if (flow_.claim.agent != kEnrolmentAgent) {
    return "flow '" + flow_.name + "' claims nodes through agent '" + flow_.claim.agent +
           "', which an enrolling node does not serve (only '" + kEnrolmentAgent + "')";
  }
  return "";
}

void Engine::finishStep(Runtime& node, const std::string& step, std::int64_t ms, bool ok,
                        const std::string& error) {
  auto pending = node.retriedMs.find(step);
  if (pending != node.retriedMs.end()) {
    ms += pending->second;
    node.retriedMs.erase(pending);
  }
  node.steps.push_back({step, ms, ok, ok ? "" : error});
}

// After a restart: the steps of the run under way, from its history.
void Engine::rebuildSteps(Runtime& node) {
  if (node.rec.startedMs == 0) return;
  try {
    for (const auto& row : store_.history(node.rec.identity, 1000)) {
      if (row.startedMs < node.rec.startedMs || row.finishedMs == 0) continue;
      bool flowStep = flow_.indexOf(row.step).has_value() || row.step == "enrol";
      std::int64_t ms = row.finishedMs - row.startedMs;
      if (flowStep && (row.outcome == "done" || row.outcome == "enrolled" ||
                       row.outcome == "already_enrolled")) {
        finishStep(node, row.step, ms, true, "");
      } else if (flowStep && row.outcome == "fail") {
        finishStep(node, row.step, ms, false, row.error);
      } else if (flowStep && row.outcome == "retry") {
        node.retriedMs[row.step] += ms;
      } else if (flowStep && row.outcome == "redo") {
        node.retriedMs[row.step] += ms;
        ++node.redos;
      } else if (row.outcome == "verified") {
        finishStep(node, row.step.substr(0, row.step.rfind(".verify")), ms, true, "");
      }
    }
  } catch (const StoreError& e) {
    logger()->warn("node={}: history not read ({}); notifications list later steps only",
                   node.rec.identity, e.what());
  }
}

void Engine::resetForNewFlow(Runtime& node) {
  node.steps.clear();
  node.retriedMs.clear();
  node.redos = 0;
  NodeRecord& r = node.rec;
  r.state = NodeState::Waiting;
  r.step = 0;
  r.stepName = flow_.steps.front().name;
  r.attempt = 0;
  r.master.clear();
  r.checked = false;
  r.reconcile = false;
  r.intent.reset();
  r.startedMs = 0;
  r.finishedMs = 0;
  r.lastError.clear();
}

void Engine::enqueueWaiting(Runtime& node, std::int64_t now) {
  node.rec.state = NodeState::Waiting;
  node.seq = nextSeq_++;
  node.waitingSinceMs = now;
  node.alerted = false;
  waiting_.insert({node.seq, node.rec.identity});
}

std::optional<std::string> Engine::chooseMaster(Runtime& node, std::int64_t now) {
  auto candidates = masters_.candidates(now);
  if (candidates.empty()) {
    node.waitReason = "no healthy master";
    return std::nullopt;
  }
  auto chosen = selectMaster(node.rec.facts, candidates, options_.masterFacts);
  if (masters_.inFlight(*chosen) >= options_.perMasterConcurrency) {
    node.waitReason = "master " + *chosen + " is at its limit";
    return std::nullopt;
  }
  return chosen;
}

void Engine::admit(std::int64_t now) {
  if (stopping_ || !started_ || !admitting_) return;
  for (auto it = waiting_.begin(); it != waiting_.end() && inFlight_ < options_.concurrency;) {
    Runtime& node = nodes_.at(it->second);
    if (node.rec.enrolment == Enrolment::Required) {
      if (std::string blocked = enrolmentBlocked(); !blocked.empty()) {
        node.waitReason = blocked;
        ++it;
        continue;
      }
    }
    std::string master;
    if (pickIndex_) {
      bool keeps = node.rec.step > *pickIndex_ && !node.rec.master.empty();
      if (keeps && !masters_.healthy(node.rec.master, now)) {
        // Masters may not have announced themselves yet after a restart.
        if (!masters_.known(node.rec.master) &&
            now - startedMs_ < options_.masterHeartbeatAge.count()) {
          node.waitReason = "master " + node.rec.master + " not seen since the restart";
          ++it;
          continue;
        }
        note(node, flow_.steps[*pickIndex_].name, "master_lost",
             "master " + node.rec.master + " is gone; choosing again", now);
        node.rec.step = *pickIndex_;
        node.rec.stepName = flow_.steps[*pickIndex_].name;
        node.rec.master.clear();
        node.rec.attempt = 0;
        keeps = false;
      }
      if (keeps) {
        if (masters_.inFlight(node.rec.master) >= options_.perMasterConcurrency) {
          node.waitReason = "master " + node.rec.master + " is at its limit";
          ++it;
          continue;
        }
        master = node.rec.master;
      } else {
        auto chosen = chooseMaster(node, now);
        if (!chosen) {
          if (masters_.candidates(now).empty()) break;  // nobody can go
          ++it;
          continue;
        }
        master = *chosen;
        node.rec.master = master;
      }
    }
    it = waiting_.erase(it);
    node.rec.state = NodeState::Running;
    node.waitReason.clear();
    node.claimAttempts = 0;
    takeSlot(node, master);
    record(node, now);
    dispatch(node);
  }
}

void Engine::takeSlot(Runtime& node, const std::string& master) {
  node.inFlight = true;
  ++inFlight_;
  node.slotMaster = master;
  if (!master.empty()) masters_.addInFlight(master, 1);
}

void Engine::moveSlot(Runtime& node, const std::string& master) {
  if (!node.slotMaster.empty()) masters_.addInFlight(node.slotMaster, -1);
  node.slotMaster = master;
  if (!master.empty()) masters_.addInFlight(master, 1);
}

void Engine::leaveFlight(Runtime& node, NodeState state, std::int64_t now) {
  if (node.inFlight) {
    node.inFlight = false;
    --inFlight_;
    moveSlot(node, "");
  }
  node.leaving.reset();
  node.holdRequested = false;
  node.claimLost = false;
  node.renewing = false;
  node.rec.state = state;
  if (state == NodeState::Provisioned || state == NodeState::Failed) node.rec.finishedMs = now;
  if (state == NodeState::Waiting) enqueueWaiting(node, now);
  if (state == NodeState::ClaimedElsewhere) schedule(node, now + options_.recheckInterval.count());
  record(node, now);
  admit(now);
}

void Engine::dispatch(Runtime& node) {
  node.busy = true;
  jobs_.push_back(node.rec.identity);
  workAvailable_.notify_one();
}

void Engine::schedule(Runtime& node, std::int64_t at) {
  node.nextAtMs = at;
  timers_.emplace(at, node.rec.identity);
  schedulerWake_.notify_one();
}

void Engine::workerLoop() {
  Lock lock(mutex_);
  for (;;) {
    workAvailable_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    std::string identity = std::move(jobs_.front());
    jobs_.pop_front();
    advance(identity, lock);
  }
}

void Engine::schedulerLoop() {
  Lock lock(mutex_);
  while (!stopping_) {
    std::int64_t now = util::nowMs();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto [at, identity] = *timers_.begin();
      timers_.erase(timers_.begin());
      Runtime& node = nodes_.at(identity);
      if (node.nextAtMs != at) continue;  // superseded
      node.nextAtMs = 0;
      if (node.rec.state == NodeState::ClaimedElsewhere) {
        enqueueWaiting(node, now);
        record(node, now);
        admit(now);
      } else if (node.inFlight && !node.busy) {
        dispatch(node);
      }
    }
    while (!renewals_.empty() && renewals_.begin()->first <= now) {
      auto [at, identity] = *renewals_.begin();
      renewals_.erase(renewals_.begin());
      Runtime& node = nodes_.at(identity);
      if (node.renewAtMs != at || !node.inFlight || !node.rec.claimed || node.renewing) continue;
      node.renewing = true;
      renewJobs_.push_back(identity);
      renewAvailable_.notify_one();
    }
    for (const auto& [seq, identity] : waiting_) {
      Runtime& node = nodes_.at(identity);
      if (!node.alerted && now - node.waitingSinceMs >= options_.waitingAlert.count()) {
        node.alerted = true;
        notify(notifiers::EventKind::WaitingTooLong, node,
               node.waitReason.empty() ? "waiting for a free slot" : node.waitReason, now);
      }
    }
    std::int64_t wake = now + kSchedulerTickMs;
    if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
    if (!renewals_.empty()) wake = std::min(wake, renewals_.begin()->first);
    schedulerWake_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(1, wake - now)));
  }
}

void Engine::renewerLoop() {
  Lock lock(mutex_);
  for (;;) {
    renewAvailable_.wait(lock, [&] { return stopping_ || !renewJobs_.empty(); });
    if (stopping_) return;
    std::string identity = std::move(renewJobs_.front());
    renewJobs_.pop_front();
    Runtime& node = nodes_.at(identity);
    CallRequest request{flow_.claim.agent, flow_.claim.claimAction,
                        Json{{"owner", options_.owner},
                             {"lease_seconds", options_.lease.count() / 1000}},
                        {identity}, flow_.claim.timeout};
    request.acceptUnsigned = node.rec.enrolment == Enrolment::Required;
    ++callsUnderway_;
    lock.unlock();
    auto replies = executor_.call(request);
    lock.lock();
    --callsUnderway_;
    idle_.notify_all();
    std::int64_t now = util::nowMs();
    node.renewing = false;
    if (!node.inFlight || !node.rec.claimed) continue;
    const CallReply& reply = replies.front();
    if (reply.replied && reply.status.ok() &&
        !(reply.data.contains("granted") && reply.data["granted"] != true)) {
      node.renewAtMs = now + options_.lease.count() / 3;
    } else if (reply.replied) {
      logger()->warn("node={} lost its claim: {}", identity, reply.status.message);
      node.claimLost = true;
      node.nextAtMs = 0;
      if (!node.busy) dispatch(node);
      continue;
    } else {
      node.renewAtMs = now + options_.lease.count() / 6;  // silent node: try again sooner
    }
    renewals_.emplace(node.renewAtMs, identity);
    schedulerWake_.notify_one();
  }
}

std::string Engine::retry(const std::string& identity, const std::string& by) {
  Lock lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return "no node " + identity + " is known to this provisioner";
  Runtime& node = it->second;
  std::int64_t now = util::nowMs();
  switch (node.rec.state) {
    case NodeState::Provisioned: return "node " + identity + " is provisioned already";
    case NodeState::Waiting: return "node " + identity + " is waiting already: " +
                                    (node.waitReason.empty() ? "for a slot" : node.waitReason);
    case NodeState::Running:
      if (node.busy) return "node " + identity + " is running step " + node.rec.stepName;
      note(node, node.rec.stepName, "retry_now", "retry requested by " + by, now);
      node.nextAtMs = 0;
      dispatch(node);  // ends its backoff now
      return "";
    case NodeState::Failed:
    case NodeState::Held:
    case NodeState::ClaimedElsewhere:
      if (!node.steps.empty() && !node.steps.back().ok) node.steps.pop_back();  // runs again
      note(node, node.rec.stepName, "retry", "retry requested by " + by, now);
      node.rec.attempt = 0;
      node.rec.lastError.clear();
      node.nextAtMs = 0;
      enqueueWaiting(node, now);
      record(node, now);
      admit(now);
      return "";
  }
  return "";
}

std::string Engine::hold(const std::string& identity, const std::string& by) {
  Lock lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return "no node " + identity + " is known to this provisioner";
  Runtime& node = it->second;
  std::int64_t now = util::nowMs();
  switch (node.rec.state) {
    case NodeState::Provisioned: return "node " + identity + " is provisioned already";
    case NodeState::Held: return "node " + identity + " is held already";
    case NodeState::Running:
      note(node, node.rec.stepName, "hold", "hold requested by " + by, now);
      node.holdRequested = true;
      node.nextAtMs = 0;  // a backoff under way ends now
      if (!node.busy) dispatch(node);  // releases its claim at once
      return "";
    case NodeState::Waiting:
      waiting_.erase({node.seq, identity});
      [[fallthrough]];
    case NodeState::Failed:
    case NodeState::ClaimedElsewhere:
      note(node, node.rec.stepName, "hold", "hold requested by " + by, now);
      node.nextAtMs = 0;
      node.rec.state = NodeState::Held;
      record(node, now);
      return "";
  }
  return "";
}

NodeCounts Engine::counts() const {
  std::lock_guard lock(mutex_);
  NodeCounts c;
  for (const auto& [name, node] : nodes_) {
    switch (node.rec.state) {
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
  std::int64_t now = util::nowMs();
  std::int64_t blocked = 0;
  if (!enrolmentBlocked().empty()) {
    for (const auto& [name, node] : nodes_) {
      blocked += node.rec.enrolment == Enrolment::Required && node.rec.state == NodeState::Waiting;
    }
  }
  metrics_.setEnrolmentBlocked(blocked);
  metrics_.setMasters(static_cast<std::int64_t>(masters_.candidates(now).size()),
                      static_cast<std::int64_t>(masters_.all().size()));
}

Json Engine::status() const {
  NodeCounts c = counts();
  std::lock_guard lock(mutex_);
  Json nodes = Json::array();
  for (const auto& [name, node] : nodes_) {
    Json entry = toJson(node.rec);
    if (!node.waitReason.empty() && node.rec.state == NodeState::Waiting) {
      entry["waiting_for"] = node.waitReason;
    }
    nodes.push_back(std::move(entry));
  }
  return Json{{"flow", flow_.name},
              {"counts",
               {{"waiting", c.waiting}, {"in_flight", c.inFlight},
                {"claimed_elsewhere", c.claimedElsewhere}, {"held", c.held},
                {"provisioned", c.provisioned}, {"failed", c.failed}}},
              {"nodes", nodes}};
}

std::optional<Json> Engine::node(const std::string& identity) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return std::nullopt;
  Json out = toJson(it->second.rec);
  out["facts"] = it->second.rec.facts;
  if (!it->second.waitReason.empty()) out["waiting_for"] = it->second.waitReason;
  return out;
}

std::optional<NodeState> Engine::stateOf(const std::string& identity) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.rec.state;
}

Json Engine::masters() const {
  std::lock_guard lock(mutex_);
  std::int64_t now = util::nowMs();
  Json out = Json::array();
  for (const auto& [name, master] : masters_.all()) {
    out.push_back({{"identity", name},
                   {"healthy", masters_.healthy(name, now)},
                   {"in_flight", master.inFlight},
                   {"failures", master.failures},
                   {"last_seen_ms", master.lastSeenMs}});
  }
  return out;
}

}  // namespace drover::provisioner
