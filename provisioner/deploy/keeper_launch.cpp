// DeploymentKeeper: the launcher thread. Launches and stops run one at a time, without
// the lock; a member is written as Launching before its launch is asked, so after a
// restart the launcher's list says whether it exists (adopted) or not (launched now):
// no member is launched twice.
#include <algorithm>

#include "core/log/log.hpp"
#include "core/naming/names.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"
#include "provisioner/deploy/keeper_state.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.deploy"};

launchers::MemberLaunch launchOf(const DeploymentMember& m, const ::drover::deploy::Pool& pool) {
  launchers::MemberLaunch launch;
  launch.identity = m.identity;
  launch.pool = pool.name;
  launch.service = pool.service;
  launch.namingType = naming::toString(pool.type);
  launch.settings = pool.launcher;
  for (const auto& v : pool.volumes) launch.volumes.push_back({v.sizeBytes, v.mount, v.kind});
  return launch;
}

}  // namespace

void DeploymentKeeper::launcherLoop() {
  Lock lock(mutex_);
  for (;;) {
    launcherWake_.wait(lock, [this] { return stopping_ || !launchJobs_.empty(); });
    if (stopping_) return threadEnded();
    LaunchJob job = std::move(launchJobs_.front());
    launchJobs_.pop_front();
    lock.unlock();
    if (launcher_) {
      if (job.adopt) adopt(job);
      if (!job.launch.empty()) launchMembers(job.deployment, job.launch);
      if (!job.stop.empty()) stopMembers(job.deployment, job.stop);
    }
    notifyChanged();
    lock.lock();
  }
}

// After a restart: members written as Launching that the launcher has are adopted, the
// others launched; members written as Stopping are stopped again.
void DeploymentKeeper::adopt(LaunchJob& job) {
  std::vector<launchers::Instance> instances;
  try {
    instances = launcher_->list(job.deployment);
  } catch (const std::exception& e) {
    logger()->error("deployment {}: the launcher cannot list its members: {}", job.deployment,
                    e.what());
    return;
  }
  std::vector<std::string> stale, adopted;
  Lock lock(mutex_);
  for (const auto& identity : membersOf(job.deployment)) {
    DeploymentMember& m = members_.at(identity);
    auto found = std::find_if(instances.begin(), instances.end(),
                              [&](const launchers::Instance& i) { return i.identity == identity; });
    if (m.phase == MemberPhase::Stopping) {
      if (m.launcherId.empty() && found != instances.end()) m.launcherId = found->id;
      job.stop.push_back(identity);
    } else if (m.phase == MemberPhase::Launching) {
      if (found == instances.end() || found->state != "running") {
        // Half made when the provisioner stopped: removed, then launched whole.
        if (found != instances.end()) stale.push_back(found->id);
        job.launch.push_back(identity);
        continue;
      }
      m.launcherId = found->id;
      m.launch = found->details;
      m.phase = MemberPhase::Booting;
      m.step = "booting (adopted after a restart)";
      save(m);
      adopted.push_back(identity);
    }
  }
  if (Deployment* d = find(job.deployment)) touch(*d);
  lock.unlock();
  catchUpWithFlow(adopted);
  if (stale.empty()) return;
  try {
    launcher_->terminate(job.deployment, stale);
  } catch (const std::exception& e) {
    logger()->error("deployment {}: removing {} half-launched member(s) failed: {}", job.deployment,
                    stale.size(), e.what());
  }
}

void DeploymentKeeper::launchMembers(const std::string& deployment,
                                     const std::vector<std::string>& identities) {
  std::vector<launchers::MemberLaunch> wanted;
  {
    Lock lock(mutex_);
    Deployment* d = find(deployment);
    if (!d || d->down) return;
    for (const auto& identity : identities) {
      auto it = members_.find(identity);
      if (it == members_.end() || it->second.phase != MemberPhase::Launching) continue;
      if (const auto* pool = d->spec.pool(it->second.pool))
        wanted.push_back(launchOf(it->second, *pool));
    }
  }
  if (wanted.empty()) return;
  std::vector<launchers::Instance> made;
  std::string error;
  try {
    made = launcher_->launch(deployment, wanted);
  } catch (const std::exception& e) {
    error = e.what();
    // Members started before the failure stay up: take what the launcher lists.
    try {
      made = launcher_->list(deployment);
    } catch (const std::exception&) {
    }
  }
  Lock lock(mutex_);
  std::vector<std::string> booted;
  for (const auto& launch : wanted) {
    auto it = members_.find(launch.identity);
    if (it == members_.end() || it->second.phase != MemberPhase::Launching) continue;
    DeploymentMember& m = it->second;
    auto found = std::find_if(made.begin(), made.end(), [&](const launchers::Instance& i) {
      return i.identity == m.identity;
    });
    if (found == made.end()) {
      fail(m, "launch", error.empty() ? "the launcher did not start it" : error);
      continue;
    }
    m.launcherId = found->id;
    m.launch = found->details;
    m.phase = MemberPhase::Booting;
    m.step = "booting";
    m.updatedMs = clock_();
    save(m);
    booted.push_back(m.identity);
    logger()->info("member={} launched as {}", m.identity, m.launcherId);
  }
  if (Deployment* d = find(deployment)) touch(*d);
  lock.unlock();
  catchUpWithFlow(booted);
}

// One launch call starts a whole batch, and the flow goes on with the members started
// first meanwhile: what it reported of a member still written as launching was passed
// by (engineChanged follows booting members only), so it is asked again now. The flow
// is asked without our lock, as in start(): the engine calls engineChanged holding its own.
void DeploymentKeeper::catchUpWithFlow(const std::vector<std::string>& identities) {
  if (!engine_.node) return;
  for (const auto& identity : identities)
    if (auto node = engine_.node(identity)) engineChanged(nodeRecordFrom(*node, identity));
}

// Terminated through the launcher, then its name released and its record dropped: the
// cluster facts and trust lose it, and a `down` ends when the last one is gone.
void DeploymentKeeper::stopMembers(const std::string& deployment,
                                   const std::vector<std::string>& identities) {
  std::vector<std::string> ids;
  std::vector<std::string> names, stopped;
  bool gone = false;  // the deployment is down
  {
    Lock lock(mutex_);
    for (const auto& identity : identities) {
      auto it = members_.find(identity);
      if (it == members_.end() || it->second.phase != MemberPhase::Stopping) continue;
      if (!it->second.launcherId.empty()) ids.push_back(it->second.launcherId);
    }
  }
  try {
    if (!ids.empty()) launcher_->terminate(deployment, ids);
  } catch (const std::exception& e) {
    logger()->error("deployment {}: terminating {} member(s) failed: {}", deployment, ids.size(),
                    e.what());
    return;  // still Stopping: the next up, down or restart tries again
  }
  Lock lock(mutex_);
  Deployment* d = find(deployment);
  for (const auto& identity : identities) {
    auto it = members_.find(identity);
    if (it == members_.end() || it->second.phase != MemberPhase::Stopping) continue;
    if (!it->second.name.empty()) names.push_back(it->second.name);
    stopped.push_back(identity);
    store_.dropDeploymentMember(identity);
    members_.erase(it);
    logger()->info("member={} stopped", identity);
  }
  if (d) {
    viewChanged(*d);
    trustChanged(*d);
    rewriteStaleFiles(*d);
    touch(*d);
    gone = d->down && membersOf(deployment).empty();
  }
  lock.unlock();
  // The names go back to the pool at once, not after naming.release_after.
  if (names_) {
    for (const auto& name : names) names_->release(name, "deployment " + deployment, false);
  }
  // Nor does the flow keep a node that is gone (provision status would list it).
  if (engine_.forget) {
    for (const auto& identity : stopped) engine_.forget(identity, "deployment " + deployment);
  }
  // Only now is a `down` over: whoever waits for the deployment to go finds its names
  // released and its members out of the flow.
  if (gone && dropIfDown(deployment)) sweepBlobs();  // its bundles, unless another names them
}

bool DeploymentKeeper::dropIfDown(const std::string& deployment) {
  Lock lock(mutex_);
  Deployment* d = find(deployment);
  if (d == nullptr || !d->down || !membersOf(deployment).empty()) return false;
  store_.dropDeployment(deployment);
  deployments_.erase(deployment);
  changedPending_ = true;  // whoever waits on it is told it is gone
  logger()->info("deployment {} is down", deployment);
  return true;
}

}  // namespace drover::provisioner
