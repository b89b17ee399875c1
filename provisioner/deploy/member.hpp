#pragma once
// One member of a deployment as the provisioner keeps it: its slot, what the launcher
// made of it, where it is on its way (launched, provisioned by the flow, wired, waiting
// for its peers, its files, its stages) and what each stage gave. The persisted part
// is the JSON document the store keeps (toJson/deploymentMemberFrom); what registrations say
// (name, address, facts) is kept beside it, live only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

/// Where a member is. The order is the way through; Failed and Stopping leave it.
enum class MemberPhase {
  Launching,     // the launcher was asked (written before the call)
  Booting,       // launched; no registration yet
  Provisioning,  // the provisioner's flow has it
  Wiring,        // SSH keys, cluster facts and trust of the moment
  Waiting,       // parameters referring to peers not there yet, or `after` pools not done
  Files,         // writing its config files
  Stages,        // running its bootstrap stages
  Done,
  Failed,
  Stopping,  // the launcher is terminating it; its name is released after
};

std::string toString(MemberPhase phase);
std::optional<MemberPhase> memberPhaseFrom(const std::string& text);

/// What one stage run gave (cluster#run_stage's reply).
struct StageRun {
  int stage = 0;
  std::string digest;
  int exitCode = 0;
  std::int64_t durationMs = 0;
  std::string outputTail;
  std::int64_t atMs = 0;
};

struct DeploymentMember {
  std::string identity;  // <deployment>-<pool>-<slot>
  std::string deployment;
  std::string pool;
  int slot = 0;
  std::string launcherId;        // "" until launched
  Json launch = Json::object();  // the launcher's details (address, pid, ...)
  MemberPhase phase = MemberPhase::Launching;
  std::string step;                     // what it does now, for status
  std::vector<std::string> waitingFor;  // Waiting: what is missing
  std::string error;                    // Failed: why
  std::string rootKey;                  // its root SSH public key, once asked
  std::vector<std::string> hostKeys;    // its SSH host public keys
  std::vector<StageRun> stages;         // latest run per stage index
  std::int64_t updatedMs = 0;
  // When it was planned (written as launching): what the flow says of its identity from
  // before then is of an earlier member in the same slot.
  std::int64_t launchedMs = 0;
  bool failedInFlow = false;     // the flow failed it (drover provision retry)
  std::string flow;              // the flow its pool named when it was planned; "" default
  Json params = Json::object();  // resolved when it stopped waiting

  // Working state (not persisted): attempts of the current call, what it was sent.
  int attempts = 0;
  std::int64_t factsSent = 0;  // cluster facts version it took
  std::int64_t trustSent = 0;
  std::int64_t pushAfterMs = 0;  // no push before (it did not answer the last)

  // Live, from registrations (not persisted).
  bool registered = false;
  std::string name, fqdn, address;
  Json facts = Json::object();

  void recordStage(StageRun run);
  /// Live members count in the pool's size; Stopping ones are on their way out.
  bool live() const { return phase != MemberPhase::Stopping; }
  /// Provisioned by the flow: it can be told the cluster facts and trust.
  bool wired() const;
};

Json toJson(const StageRun& run);
StageRun stageRunFrom(const Json& json);
/// The persisted document (identity and deployment are the row's keys).
Json toJson(const DeploymentMember& member);
/// Throws std::invalid_argument naming the field that does not read back.
DeploymentMember deploymentMemberFrom(const std::string& identity, const Json& json);
/// What status shows of a member: the document's fields and the live ones.
Json statusJson(const DeploymentMember& member);

}  // namespace drover::provisioner
