// The names of the machine's enums (as the store, logs and status show them) and a
// one-line description of each command.
#include <array>
#include <utility>

#include "provisioner/node_machine.hpp"

namespace drover::provisioner {
namespace {

constexpr std::array<std::pair<Outcome, const char*>, 23> kOutcomes{{
    {Outcome::Done, "done"},
    {Outcome::Retry, "retry"},
    {Outcome::Fail, "fail"},
    {Outcome::Redo, "redo"},
    {Outcome::Failed, "failed"},
    {Outcome::Interrupted, "interrupted"},
    {Outcome::Restarted, "restarted"},
    {Outcome::Waiting, "waiting"},
    {Outcome::EnrolledElsewhere, "enrolled_elsewhere"},
    {Outcome::MasterLost, "master_lost"},
    {Outcome::RetryNow, "retry_now"},
    {Outcome::Hold, "hold"},
    {Outcome::Lost, "lost"},
    {Outcome::Granted, "granted"},
    {Outcome::Refused, "refused"},
    {Outcome::Provisioned, "provisioned"},
    {Outcome::NotProvisioned, "not_provisioned"},
    {Outcome::Verified, "verified"},
    {Outcome::NotDone, "not_done"},
    {Outcome::Enrolled, "enrolled"},
    {Outcome::AlreadyEnrolled, "already_enrolled"},
    {Outcome::Issued, "issued"},
    {Outcome::Reused, "reused"},
}};

std::string call(const CallRequest& request) {
  std::string out = request.agent + "#" + request.action + " ->";
  for (const auto& node : request.nodes) out += " " + node;
  return out;
}

}  // namespace

std::string toString(Outcome outcome) {
  for (const auto& [value, name] : kOutcomes) {
    if (value == outcome) return name;
  }
  return "?";
}

std::optional<Outcome> outcomeFrom(const std::string& name) {
  for (const auto& [value, known] : kOutcomes) {
    if (name == known) return value;
  }
  return std::nullopt;
}

std::string toString(CallKind kind) {
  switch (kind) {
    case CallKind::Claim: return "claim";
    case CallKind::Probe: return "probe";
    case CallKind::Verify: return "verify";
    case CallKind::Step: return "step";
    case CallKind::Release: return "release";
    case CallKind::Enrol: return "enrol";
  }
  return "?";
}

std::string toString(Phase phase) {
  switch (phase) {
    case Phase::Idle: return "idle";
    case Phase::Calling: return "calling";
    case Phase::BackingOff: return "backing_off";
  }
  return "?";
}

Security securityFrom(const std::string& name) {
  if (name == "enforcing") return Security::Enforcing;
  if (name == "enrolling") return Security::Enrolling;
  if (name == "disabled") return Security::Disabled;
  return Security::Unknown;
}

AttemptRecord toRecord(const Attempt& a, const std::string& identity) {
  return AttemptRecord{a.id,       identity,    a.step,       a.attempt,
                       a.target,   a.startedMs, a.finishedMs, toString(a.outcome),
                       a.error,    a.data,      a.queuedMs,   a.agentMs,
                       a.programMs};
}

std::optional<Attempt> attemptFrom(const AttemptRecord& row) {
  auto outcome = outcomeFrom(row.outcome);
  if (!outcome) return std::nullopt;
  return Attempt{row.id,   row.step,  row.attempt, row.target,   row.startedMs, row.finishedMs,
                 *outcome, row.error, row.data,    row.queuedMs, row.agentMs,   row.programMs};
}

std::string describe(const Command& command) {
  struct Describe {
    std::string operator()(const SaveNode& c) const {
      return c.withFacts ? "SaveNode facts" : "SaveNode";
    }
    std::string operator()(const SaveAttempt& c) const {
      return "SaveAttempt " + c.attempt.step + " " +
             (c.attempt.finishedMs == 0 ? std::string("open") : toString(c.attempt.outcome));
    }
    std::string operator()(const SendCall& c) const {
      return "SendCall " + toString(c.kind) + " " + call(c.plan.request);
    }
    std::string operator()(const Schedule& c) const { return "Schedule " + std::to_string(c.at); }
    std::string operator()(const RenewLeaseAt& c) const {
      return "RenewLeaseAt " + std::to_string(c.at);
    }
    std::string operator()(const EnterQueue&) const { return "EnterQueue"; }
    std::string operator()(const LeaveQueue&) const { return "LeaveQueue"; }
    std::string operator()(const TakeSlot& c) const { return "TakeSlot " + c.master; }
    std::string operator()(const MoveSlot& c) const { return "MoveSlot " + c.master; }
    std::string operator()(const FreeSlot&) const { return "FreeSlot"; }
    std::string operator()(const StopAdmission&) const { return "StopAdmission"; }
    std::string operator()(const TryAdmission&) const { return "TryAdmission"; }
    std::string operator()(const Notify& c) const {
      return "Notify " + std::string(notifiers::kindName(c.notice)) + " " + c.step + ": " +
             c.message;
    }
    std::string operator()(const Measure& c) const {
      return "Measure " + c.step + " " + toString(c.outcome);
    }
    std::string operator()(const Log& c) const { return "Log " + c.message; }
    std::string operator()(const Refuse& c) const { return "Refuse " + c.reason; }
  };
  return std::visit(Describe{}, command);
}

}  // namespace drover::provisioner
