// Engine: feeding a node's events to the machine and carrying out its commands, under
// the engine's lock.
#include <algorithm>

#include "core/log/log.hpp"
#include "provisioner/engine.hpp"

namespace drover::provisioner {
namespace {

std::shared_ptr<spdlog::logger> flowLogger() {
  static auto instance = log::get("drover.provisioner.flow");
  return instance;
}

}  // namespace

// Returns why an operator command was refused, "" otherwise.
std::string Engine::feed(Runtime& node, const NodeEvent& event, std::int64_t now) {
  std::string refusal;
  for (const Command& command : machineFor(node.flow.record.flow).handle(node.flow, event, now)) {
    if (const auto* refused = std::get_if<Refuse>(&command)) refusal = refused->reason;
    std::visit([&](const auto& c) { carry(node, c, now); }, command);
  }
  return refusal;
}

void Engine::carry(Runtime& node, const SaveNode& c, std::int64_t) {
  store_.putNode(node.flow.record, c.withFacts);
  if (listener_) listener_(node.flow.record);
}

void Engine::carry(Runtime& node, const SaveAttempt& c, std::int64_t) {
  store_.putAttempt(toRecord(c.attempt, node.flow.record.identity));
}

// A worker makes the call; one already holding the node goes on with it.
void Engine::carry(Runtime& node, const SendCall& c, std::int64_t) {
  node.call = c;
  if (node.onWorker) return;
  node.onWorker = true;
  jobs_.push_back(node.flow.record.identity);
  workAvailable_.notify_one();
}

void Engine::carry(Runtime& node, const Schedule& c, std::int64_t) {
  timers_.emplace(c.at, node.flow.record.identity);
  schedulerWake_.notify_one();
}

void Engine::carry(Runtime& node, const RenewLeaseAt& c, std::int64_t) {
  node.renewAtMs = c.at;
  renewals_.emplace(c.at, node.flow.record.identity);
  schedulerWake_.notify_one();
}

void Engine::carry(Runtime& node, const EnterQueue&, std::int64_t) {
  waiting_.erase({node.seq, node.flow.record.identity});
  node.seq = nextSeq_++;
  waiting_.insert({node.seq, node.flow.record.identity});
  wantAdmission_ = true;
}

void Engine::carry(Runtime& node, const LeaveQueue&, std::int64_t) {
  waiting_.erase({node.seq, node.flow.record.identity});
}

void Engine::carry(Runtime& node, const TakeSlot& c, std::int64_t) {
  node.inSlot = true;
  ++inFlight_;
  node.slotMaster = c.master;
  if (!c.master.empty()) masters_.addInFlight(c.master, 1);
}

void Engine::carry(Runtime& node, const MoveSlot& c, std::int64_t) {
  if (node.slotMaster == c.master) return;
  if (!node.slotMaster.empty()) masters_.addInFlight(node.slotMaster, -1);
  node.slotMaster = c.master;
  if (!c.master.empty()) masters_.addInFlight(c.master, 1);
}

void Engine::carry(Runtime& node, const FreeSlot&, std::int64_t now) {
  if (node.inSlot) {
    node.inSlot = false;
    --inFlight_;
    carry(node, MoveSlot{""}, now);
  }
  node.renewing = false;
  wantAdmission_ = true;
}

void Engine::carry(Runtime&, const StopAdmission&, std::int64_t) { admissionStopped_ = true; }

void Engine::carry(Runtime&, const TryAdmission&, std::int64_t) { wantAdmission_ = true; }

void Engine::carry(Runtime& node, const Notify& c, std::int64_t now) { notify(c, node, now); }

void Engine::carry(Runtime&, const Measure& c, std::int64_t) {
  metrics_.observeStep(c.step, toString(c.outcome), c.seconds);
}

void Engine::carry(Runtime& node, const Log& c, std::int64_t) {
  const std::string& id = node.flow.record.identity;
  switch (c.level) {
    case LogLevel::Debug: flowLogger()->debug("node={} {}", id, c.message); break;
    case LogLevel::Info: flowLogger()->info("node={} {}", id, c.message); break;
    case LogLevel::Warn: flowLogger()->warn("node={} {}", id, c.message); break;
  }
}

void Engine::carry(Runtime&, const Refuse&, std::int64_t) {}  // feed() hands it back

void Engine::notify(const Notify& notice, const Runtime& node, std::int64_t now) {
  notifiers::Event event;
  event.kind = notice.notice;
  event.node = node.flow.record.identity;
  event.master = notice.master;
  if (notice.notice == notifiers::EventKind::Failed ||
      notice.notice == notifiers::EventKind::Retried) {
    event.failedStep = notice.step;
  }
  event.error = notice.message;
  event.attempt = std::max(1, notice.attempt);
  event.startedMs = notice.sinceMs;
  event.finishedMs = now;
  event.facts = notice.facts.is_object() ? notice.facts : Json::object();
  event.steps = notice.steps;
  metrics_.countEvent(std::string(notifiers::kindName(event.kind)));
  events_.publish(event);
}

}  // namespace drover::provisioner
