// DeploymentKeeper: members with work to do, one driver thread each at a time. A
// member's way after the flow: wiring (keys, facts, trust), waiting for its peers,
// files, stages, done. Every step is a bus call made without the lock; its result is
// written (and synced, for stages) before the member moves on.
#include <algorithm>
#include <cstdio>

#include "core/log/log.hpp"
#include "core/util/base64.hpp"
#include "core/util/files.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"
#include "provisioner/deploy/keeper_state.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.deploy"};

constexpr const char* kClusterAgent = "cluster";
constexpr auto kStageMargin = std::chrono::seconds(30);  // the call outlives the stage's kill

bool drivable(MemberPhase phase) {
  return phase == MemberPhase::Wiring || phase == MemberPhase::Waiting ||
         phase == MemberPhase::Files || phase == MemberPhase::Stages;
}

// A request the node refuses as it is (a DDL violation, no such action, not allowed)
// fails the same way every time: no retry.
bool permanent(envelope::StatusCode code) {
  using envelope::StatusCode;
  return code == StatusCode::UnknownAction || code == StatusCode::MissingData ||
         code == StatusCode::InvalidData || code == StatusCode::Refused;
}

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", mode & 07777u);
  return text;
}

std::string replyError(const CallReply& reply) {
  if (!reply.replied)
    return "no reply" + (reply.status.message.empty() ? "" : ": " + reply.status.message);
  return reply.status.message.empty() ? "failed" : reply.status.message;
}

}  // namespace

void DeploymentKeeper::wakeLocked(const std::string& identity) {
  if (driving_.count(identity)) {
    again_.insert(identity);
    return;
  }
  if (queued_.insert(identity).second) ready_.push_back(identity);
  driverWake_.notify_one();
}

// A change of the cluster view may resolve what waiting members miss.
void DeploymentKeeper::wakeWaiting(const std::string& deployment) {
  for (const auto& identity : membersOf(deployment)) {
    if (members_.at(identity).phase == MemberPhase::Waiting) wakeLocked(identity);
  }
}

// A done member's files say what its parameters were when it wrote them. When the
// members they name change (db-master's address, the worker list after a resize), the
// files are written again with the new values; its stages, done, are not run again. A
// parameter whose peer is missing now keeps the file as it is until the peer is back.
void DeploymentKeeper::rewriteStaleFiles(Deployment& d) {
  std::vector<::drover::deploy::Member> view;
  for (const auto& identity : membersOf(d.name)) {
    DeploymentMember& m = members_.at(identity);
    const auto* pool = d.spec.pool(m.pool);
    if (m.phase != MemberPhase::Done || !pool || pool->files.empty() || pool->requires_.empty())
      continue;
    if (view.empty()) view = clusterView(d);
    auto resolved = ::drover::deploy::resolveParams(d.spec, *pool, memberView(m), view);
    if (!resolved.missing.empty() || resolved.params == m.params) continue;
    logger()->info("member={}: a peer it names changed; writing its files again", identity);
    moveTo(identity, MemberPhase::Waiting, "a peer changed: writing its files again");
    wakeLocked(identity);
  }
}

void DeploymentKeeper::driverLoop() {
  Lock lock(mutex_);
  for (;;) {
    driverWake_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (stopping_) return threadEnded();
    std::string identity = ready_.front();
    ready_.pop_front();
    driving_.insert(identity);
    drive(identity, lock);
    driving_.erase(identity);
    queued_.erase(identity);
    if (again_.erase(identity) && !stopping_) wakeLocked(identity);
    lock.unlock();
    notifyChanged();
    lock.lock();
  }
}

// One step of the member's way; the step says whether to go straight on.
void DeploymentKeeper::drive(const std::string& identity, Lock& lock) {
  for (int steps = 0; steps < 64 && !stopping_; ++steps) {
    auto it = members_.find(identity);
    if (it == members_.end()) return;
    Deployment* d = find(it->second.deployment);
    if (!d || !d->loaded || d->down) return;
    bool more = false;
    switch (it->second.phase) {
      case MemberPhase::Wiring: more = wire(identity, lock); break;
      case MemberPhase::Waiting: more = resolve(identity, lock); break;
      case MemberPhase::Files: more = writeFiles(identity, lock); break;
      case MemberPhase::Stages: more = runStages(identity, lock); break;
      default: return;
    }
    if (!more) return;
  }
}

// Its keys (once), then the facts and trust of the moment: a member starts its stages
// knowing every peer there is.
bool DeploymentKeeper::wire(const std::string& identity, Lock& lock) {
  DeploymentMember m = members_.at(identity);
  Deployment& d = *find(m.deployment);
  if (d.spec.sshTrust && m.rootKey.empty()) {
    setStep(identity, "asking for its SSH keys");
    lock.unlock();
    auto replies = callMember(identity, "ssh_keys", Json::object(), options_.callTimeout);
    lock.lock();
    if (!settle(identity, "ssh_keys", replies)) return false;
    DeploymentMember& held = members_.at(identity);
    held.rootKey = replies[0].data.value("root_public_key", "");
    held.hostKeys = replies[0].data.value("host_keys", std::vector<std::string>{});
    save(held);
    trustChanged(d);
  }
  for (const char* action : {"set_facts", "set_trust"}) {
    bool facts = std::string(action) == "set_facts";
    if (!facts && !d.spec.sshTrust) continue;
    Json args = facts ? factsArgs(d) : trustArgs(d);
    setStep(identity, facts ? "giving it the cluster facts" : "giving it the SSH trust");
    lock.unlock();
    auto replies = callMember(identity, action, args, options_.callTimeout);
    lock.lock();
    if (!settle(identity, action, replies)) return false;
    DeploymentMember& held = members_.at(identity);
    std::int64_t& sent = facts ? held.factsSent : held.trustSent;
    sent = std::max(sent, args.value("version", std::int64_t{0}));
  }
  moveTo(identity, MemberPhase::Waiting, "checking its parameters");
  return true;
}

// Every parameter resolved and every `after` pool done, or the member waits (and says
// for what) until a registration or a peer's progress wakes it.
bool DeploymentKeeper::resolve(const std::string& identity, Lock&) {
  DeploymentMember& m = members_.at(identity);
  Deployment& d = *find(m.deployment);
  const auto* pool = d.spec.pool(m.pool);
  if (!pool) return false;
  auto view = clusterView(d);
  auto resolved = ::drover::deploy::resolveParams(d.spec, *pool, memberView(m), view);
  std::vector<std::string> missing = resolved.missing;
  for (const auto& after : pool->after) {
    for (const auto& identityAfter : membersOf(d.name)) {
      const DeploymentMember& peer = members_.at(identityAfter);
      if (peer.pool == after && peer.live() && peer.phase != MemberPhase::Done)
        missing.push_back((peer.name.empty() ? peer.identity : peer.name) + " to finish");
    }
  }
  if (!missing.empty()) {
    if (m.waitingFor != missing || m.phase != MemberPhase::Waiting) {
      m.waitingFor = missing;
      m.step = "waiting";
      m.updatedMs = clock_();
      save(m);
      touch(d);
    }
    return false;
  }
  m.waitingFor.clear();
  m.params = resolved.params;
  moveTo(identity, MemberPhase::Files, "writing its files");
  return true;
}

bool DeploymentKeeper::writeFiles(const std::string& identity, Lock& lock) {
  DeploymentMember m = members_.at(identity);
  Deployment& d = *find(m.deployment);
  const auto* pool = d.spec.pool(m.pool);
  if (!pool) return false;
  auto view = clusterView(d);
  for (const auto& file : pool->files) {
    ::drover::deploy::RenderedFile rendered;
    try {
      rendered = ::drover::deploy::renderFile(d.spec, file, memberView(m), view, m.params);
    } catch (const std::exception& e) {
      fail(members_.at(identity), "file " + file.relpath, e.what());
      return false;
    }
    if (!rendered.missing.empty()) {  // a peer went away since: wait again
      moveTo(identity, MemberPhase::Waiting, "checking its parameters");
      return true;
    }
    Json args{{"path", file.path},
              {"content", rendered.text},
              {"owner", file.owner},
              {"group", file.group},
              {"mode", octal(file.mode)}};
    setStep(identity, "writing " + file.path);
    lock.unlock();
    auto replies = callMember(identity, "write_file", args, options_.callTimeout);
    lock.lock();
    if (!settle(identity, "write_file " + file.path, replies)) return false;
  }
  moveTo(identity, MemberPhase::Stages, "starting its stages");
  return true;
}

// Stage by stage: one that ran with this bundle and exit 0 is skipped (the node says
// so too); the bundle is sent, then run; the result is synced before the next stage.
bool DeploymentKeeper::runStages(const std::string& identity, Lock& lock) {
  DeploymentMember m = members_.at(identity);
  Deployment& d = *find(m.deployment);
  const auto* pool = d.spec.pool(m.pool);
  if (!pool) return false;
  for (std::size_t i = 0; i < pool->stages.size(); ++i) {
    const auto& stage = pool->stages[i];
    int index = static_cast<int>(i);
    std::vector<::drover::deploy::StageRecord> records;
    for (const auto& run : m.stages) records.push_back({run.stage, run.digest, run.exitCode});
    if (::drover::deploy::decideStage(index, stage.blob.digest, records, true) ==
        ::drover::deploy::StageDecision::Done) {
      continue;
    }
    std::string step = "stage-" + std::to_string(index);
    setStep(identity, "sending " + step + " (" + stage.bundle + ")");
    lock.unlock();
    std::string error;
    bool sent = sendBundle(identity, stage.blob, error);
    lock.lock();
    if (!members_.count(identity) || !drivable(members_.at(identity).phase)) return false;
    if (!sent) return retryOrFail(identity, step, "sending " + stage.bundle + ": " + error);
    setStep(identity, "running " + step);
    auto timeout = std::chrono::duration_cast<std::chrono::seconds>(pool->stageTimeout);
    Json args{{"stage", index},       {"digest", stage.blob.digest},
              {"args", stage.args},   {"params", m.params},
              {"deployment", d.name}, {"timeout", std::max<std::int64_t>(1, timeout.count())}};
    lock.unlock();
    auto replies = callMember(identity, "run_stage", args, pool->stageTimeout + kStageMargin);
    lock.lock();
    if (!settle(identity, step, replies)) return false;
    StageRun run;
    run.stage = index;
    run.digest = stage.blob.digest;
    run.exitCode = replies[0].data.value("exit_code", -1);
    run.durationMs = replies[0].data.value("duration_ms", std::int64_t{0});
    run.outputTail = replies[0].data.value("output_tail", "");
    run.atMs = clock_();
    DeploymentMember& held = members_.at(identity);
    held.recordStage(run);
    m.recordStage(run);
    save(held);
    if (run.exitCode != 0) {
      fail(held, step,
           step + " exited with " + std::to_string(run.exitCode) + ": " + run.outputTail);
      return false;
    }
    logger()->info("member={} {} done in {} ms", identity, step, run.durationMs);
  }
  moveTo(identity, MemberPhase::Done, "done");
  // Pools waiting for this one to finish may go on.
  wakeWaiting(d.name);
  return false;
}

// The chunks in order from the start; a node that holds the bundle already says
// complete at the first one.
bool DeploymentKeeper::sendBundle(const std::string& identity, const ::drover::deploy::Blob& blob,
                                  std::string& error) {
  auto file = blobs_.find(blob.digest);
  if (!file) {
    error = "bundle " + blob.digest + " is no longer held here: run deploy up again";
    return false;
  }
  std::string bytes;
  try {
    bytes = util::readFile(*file);
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  for (std::size_t offset = 0;; offset += options_.chunkBytes) {
    std::string_view chunk = std::string_view(bytes).substr(
        offset, std::min(options_.chunkBytes, bytes.size() - offset));
    Json args{{"digest", blob.digest},
              {"size", bytes.size()},
              {"offset", offset},
              {"data", util::encodeBase64(chunk)}};
    auto replies = callMember(identity, "put_chunk", args, options_.callTimeout);
    if (replies.empty() || !replies[0].replied || !replies[0].status.ok()) {
      error = replies.empty() ? "no reply" : replyError(replies[0]);
      return false;
    }
    if (replies[0].data.value("complete", false)) return true;
    if (offset + chunk.size() >= bytes.size()) {
      error = "the node did not take the bundle whole";
      return false;
    }
  }
}

// A call that got no reply or failed is tried again later (a member rebooting, a
// busy node); after `retries` the member fails with the reply's message.
bool DeploymentKeeper::settle(const std::string& identity, const std::string& what,
                              const std::vector<CallReply>& replies) {
  auto it = members_.find(identity);
  // Stopped, or taken down, while the call was under way: nothing more to do for it.
  if (it == members_.end() || !drivable(it->second.phase)) return false;
  if (!replies.empty() && replies[0].replied && replies[0].status.ok()) {
    it->second.attempts = 0;
    return true;
  }
  if (!replies.empty() && replies[0].replied && permanent(replies[0].status.code)) {
    fail(it->second, what, replyError(replies[0]));
    return false;
  }
  return retryOrFail(identity, what, replies.empty() ? "no reply" : replyError(replies[0]));
}

bool DeploymentKeeper::retryOrFail(const std::string& identity, const std::string& what,
                                   const std::string& error) {
  DeploymentMember& m = members_.at(identity);
  if (++m.attempts > options_.retries) {
    fail(m, what, error);
    return false;
  }
  m.step = what + " failed (" + error + "); trying again";
  retryAt_.emplace(clock_() + options_.retryAfter.count(), identity);
  pusherWake_.notify_one();  // the pusher thread also fires the retries
  touch(*find(m.deployment));
  return false;
}

void DeploymentKeeper::fail(DeploymentMember& m, const std::string& step,
                            const std::string& error) {
  std::int64_t now = clock_();
  m.phase = MemberPhase::Failed;
  m.step = step;
  m.error = error;
  m.updatedMs = now;
  save(m);
  touch(*find(m.deployment));
  logger()->warn("member={} failed at {}: {}", m.identity, step, error);
  notifiers::Event event;
  event.kind = notifiers::EventKind::Failed;
  event.node = m.identity;
  event.failedStep = "deployment " + m.deployment + ": " + step;
  event.error = error;
  event.startedMs = m.updatedMs;
  event.finishedMs = now;
  event.facts = m.facts;
  events_.publish(event);
}

void DeploymentKeeper::moveTo(const std::string& identity, MemberPhase phase,
                              const std::string& step) {
  DeploymentMember& m = members_.at(identity);
  m.phase = phase;
  m.step = step;
  m.attempts = 0;
  m.updatedMs = clock_();
  save(m);
  touch(*find(m.deployment));
}

void DeploymentKeeper::setStep(const std::string& identity, const std::string& step) {
  DeploymentMember& m = members_.at(identity);
  if (m.step == step) return;
  m.step = step;
  touch(*find(m.deployment));
}

std::vector<CallReply> DeploymentKeeper::callMember(const std::string& identity,
                                                    const std::string& action, const Json& args,
                                                    std::chrono::milliseconds timeout) {
  CallRequest request;
  request.agent = kClusterAgent;
  request.action = action;
  request.args = args;
  request.nodes = {identity};
  request.timeout = timeout;
  return executor_.call(request);
}

}  // namespace drover::provisioner
